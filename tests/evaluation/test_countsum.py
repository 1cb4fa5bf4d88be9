"""The chunked driver's running sum of counts equals add_counts over the same aggregates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.evaluation import countsum
from slalang.evaluation.compliance import Aggregate
from slalang.evaluation.countsum import CountSum
from slalang.evaluation.kernel import add_counts

METRICS, PRIORITIES = ("response", "resolution"), ("P1", "P2")


@st.composite
def aggregates(draw) -> Aggregate:
    """An aggregate as a chunk gives it: labels sorted (some unused), groups unique and
    sorted by customer, tier and bucket, any counts."""
    customers = tuple(sorted(draw(st.sets(st.sampled_from("ABCDEFGH"), max_size=5)) | {""}))
    tiers = tuple(sorted(draw(st.sets(st.sampled_from(["Gold", "Silver", "Bronze"]),
                                      max_size=3)) | {""}))
    keys = sorted(draw(st.sets(st.tuples(st.integers(0, len(customers) - 1),
                                         st.integers(0, len(tiers) - 1),
                                         st.integers(0, 5)), max_size=12)))
    k = len(keys)
    values = st.integers(0, 1 << 40)
    counts = np.array(draw(st.lists(values, min_size=4 * k, max_size=4 * k)),
                      dtype=np.int64).reshape(k, 4)
    cells = np.array(draw(st.lists(values, min_size=k * 20, max_size=k * 20)),
                     dtype=np.int64).reshape(k, 2, 2, 5)
    column = [np.array([key[i] for key in keys], dtype=np.int64) for i in range(3)]
    return Aggregate(customers, tiers, METRICS, PRIORITIES, *column, counts, cells)


def _same(a: Aggregate, b: Aggregate) -> None:
    assert (a.customers, a.tiers, a.metrics, a.priorities) == \
        (b.customers, b.tiers, b.metrics, b.priorities)
    for name in ("g_customer", "g_tier", "g_bucket", "g_counts", "cells"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y), name


def _summed(parts: list[Aggregate]) -> Aggregate:
    total = CountSum()
    for part in parts:
        total.add(part)
    return total.result()


@settings(max_examples=150, deadline=None)
@given(st.lists(aggregates(), min_size=2, max_size=8))
def test_the_sum_in_place_is_add_counts(parts):
    _same(_summed(parts), add_counts(parts))


@settings(max_examples=60, deadline=None)
@given(st.lists(aggregates(), min_size=2, max_size=12))
def test_beyond_the_dense_limit_the_parts_are_merged_as_they_come(parts):
    """An index of customer-months too large for a table: the aggregates are merged with
    add_counts instead (a few at a time), with the same result."""
    limit = countsum.DENSE_LIMIT
    countsum.DENSE_LIMIT = 4  # the first aggregate with two pairs or buckets goes loose
    try:
        _same(_summed(parts), add_counts(parts))
    finally:
        countsum.DENSE_LIMIT = limit


def test_rows_and_index_grow_and_keep_what_was_added():
    """Many customer-months arriving a few at a time (the rows grow past their first
    allocation, the index past its pairs): every one keeps its counts."""
    parts = []
    for k in range(300):
        customers = ("", f"C{k:04d}", f"C{k + 1:04d}")
        cells = np.full((4, 2, 2, 5), k, dtype=np.int64)
        parts.append(Aggregate(customers, ("", "Gold"), METRICS, PRIORITIES,
                               np.array([1, 1, 2, 2]), np.ones(4, np.int64),
                               np.array([0, 7, 0, 7]), np.full((4, 4), k, np.int64), cells))
    total = _summed(parts)
    _same(total, add_counts(parts))
    assert len(total) == 2 * 301 and total.cells.sum() == sum(4 * 20 * k
                                                                     for k in range(300))


def test_an_empty_sum_is_refused_and_empty_parts_keep_their_labels():
    with pytest.raises(ValueError, match="nothing to sum"):
        CountSum().result()
    like = add_counts([_one("A"), _one("B")])
    none = Aggregate.empty(like.metrics, like.priorities)
    assert len(none) == 0 and none.cells.shape == (0, 2, 2, 5)
    _same(_summed([none, _one("B"), none]), add_counts([none, _one("B"), none]))


def _one(customer: str) -> Aggregate:
    return Aggregate(("", customer), ("", "Gold"), METRICS, PRIORITIES, np.array([1]),
                     np.array([1]), np.array([3]), np.ones((1, 4), np.int64),
                     np.ones((1, 2, 2, 5), np.int64))
