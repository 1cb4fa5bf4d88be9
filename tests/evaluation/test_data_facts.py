"""The facts the data warnings are drawn from, counted per metric without gathering rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data.table import Categorical
from slalang.evaluation.warnings import _MEASURED, DataFacts
from slalang.vocabulary import N_STATUS

NAT = np.iinfo(np.int64).min


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.lists(st.tuples(st.integers(0, N_STATUS - 1), st.booleans()),
                                    max_size=60))
def test_measured_and_stopped_per_metric(n_metrics, rows):
    """Per metric: the rows met, breached or open (measured), and of those the ones whose
    clock stopped, as masks gathered row by row would count them."""
    k = len(rows) - len(rows) % n_metrics  # ticket-major rows: whole tickets only
    status = np.array([s for s, _ in rows[:k]], dtype=np.int8)
    stopped_at = np.array([0 if stop else NAT for _, stop in rows[:k]], dtype=np.int64)
    metric = np.tile(np.arange(n_metrics, dtype=np.int8), k // n_metrics)
    outcomes = SimpleNamespace(metrics=tuple(f"m{i}" for i in range(n_metrics)),
                               status=status, stopped_at=stopped_at, metric=metric)
    tickets = SimpleNamespace(event_status=Categorical(np.array([0, 1, 1, -1], np.int32),
                                                       ("new", "waiting")))
    facts = DataFacts.of(tickets, outcomes)
    measured = np.isin(status, _MEASURED)
    stopped = measured & (stopped_at != NAT)
    assert facts.measured.tolist() == [int(measured[metric == m].sum())
                                       for m in range(n_metrics)]
    assert facts.stopped.tolist() == [int(stopped[metric == m].sum())
                                      for m in range(n_metrics)]
    assert facts.measured.dtype == np.int64 and facts.stopped.dtype == np.int64
    assert dict(facts.statuses) == {"new": 1, "waiting": 2}


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 12), st.integers(1, 10),
       st.lists(st.integers(-1, 11), max_size=80), st.integers(0, 2**31))
def test_label_by_label_and_one_bincount_count_alike(n_labels, n_metrics, codes, seed):
    """Few status labels (and metrics) are counted a label at a time, many by one bincount:
    both give the same facts, absent codes (-1) uncounted."""
    from slalang.evaluation import warnings as w

    rng = np.random.default_rng(seed)
    codes = np.array([c for c in codes if c < n_labels], dtype=np.int32)
    labels = tuple(f"s{i}" for i in range(n_labels))
    rows = n_metrics * int(rng.integers(0, 20))
    outcomes = SimpleNamespace(
        metrics=tuple(f"m{i}" for i in range(n_metrics)),
        status=rng.integers(0, N_STATUS, rows).astype(np.int8),
        stopped_at=np.where(rng.random(rows) < 0.5, 0, NAT).astype(np.int64),
        metric=np.tile(np.arange(n_metrics, dtype=np.int8), rows // n_metrics))
    tickets = SimpleNamespace(event_status=Categorical(codes, labels))
    few = w.DataFacts.of(tickets, outcomes)
    old = w._FEW_LABELS
    w._FEW_LABELS = -1  # every table counted by bincount
    try:
        many = w.DataFacts.of(tickets, outcomes)
    finally:
        w._FEW_LABELS = old
    expected = {lab: int((codes == k).sum()) for k, lab in enumerate(labels)
                if (codes == k).any()}
    assert dict(few.statuses) == dict(many.statuses) == expected
    assert few.measured.tolist() == many.measured.tolist()
    assert few.stopped.tolist() == many.stopped.tolist()
    assert few.measured.dtype == many.measured.dtype == np.int64
