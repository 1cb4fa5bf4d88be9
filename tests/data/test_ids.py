"""The fast id lookups agree with a plain dictionary, whatever the ids look like."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data.ids import IdIndex

# ids drawn so that every path is taken: dense digits, one width, mixed widths, nulls
ids = st.one_of(
    st.lists(st.integers(0, 60).map(lambda k: f"INC{k:04d}"), max_size=30),
    st.lists(st.text("AB1", min_size=2, max_size=2), max_size=30),
    st.lists(st.one_of(st.none(), st.text("ab-9", max_size=12)), max_size=30),
    st.lists(st.integers(0, 10**12).map(lambda k: f"T{k:013d}"), max_size=30),
)


@settings(max_examples=150, deadline=None)
@given(ids, ids)
def test_lookup_and_first_occurrence_match_a_dict(tickets, queries):
    first: dict[str, int] = {}
    for i, v in enumerate(tickets):
        if v is not None:
            first.setdefault(v, i)
    index = IdIndex(pa.array(tickets, pa.string()))
    expected_first = [first[v] if v is not None else -1 for v in tickets]
    assert index.first_occurrence().tolist() == expected_first
    got = index.lookup(pa.array(queries + tickets, pa.string()))
    assert got.dtype == np.int64
    assert got.tolist() == [first.get(q, -1) if q is not None else -1
                            for q in queries + tickets]


def test_dense_numbered_ids_use_a_table():
    index = IdIndex(pa.array(["T0000003", "T0000001", "T0000002", "T0000001"]))
    assert index.first_occurrence().tolist() == [0, 1, 2, 1]
    assert index.lookup(pa.array(["T0000002", "T0000009", "X0000001", "T000001"])).tolist() == [
        2, -1, -1, -1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5)), max_size=60),
       st.sampled_from([0, 1 << 16, (1 << 24) - 41, 1 << 24, (1 << 31) - 41]))
def test_events_are_ordered_by_ticket_then_time_ties_in_input_order(rows, base):
    """Whatever the number of tickets (the radix passes change width at 2**16 and 2**24)."""
    from slalang.data.build import _event_order

    owner = np.array([base + o for o, _ in rows], dtype=np.int64)
    at = np.array([a for _, a in rows], dtype=np.int64)
    order = _event_order(owner, at)
    expected = np.lexsort((np.arange(len(rows)), at, owner))
    if order is None:  # sorted already
        assert expected.tolist() == list(range(len(rows)))
    else:
        assert order.tolist() == expected.tolist()


def test_events_of_an_export_sorted_by_time_are_grouped_by_ticket_stably():
    from slalang.data.build import _event_order

    owner = np.array([70000, 3, 70000, 1 << 24, 3, 65539], dtype=np.int64)
    at = np.array([1, 2, 3, 4, 4, 5], dtype=np.int64)  # time order, as an event log is
    assert _event_order(owner, at).tolist() == [1, 4, 5, 0, 2, 3]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 18), st.lists(st.text("0123456789x/:", min_size=18, max_size=18),
                                    max_size=40), st.integers(1, 7))
def test_digit_rows_are_numbers_across_blocks(width, texts, rows_a_block):
    """Rows of digits read as numbers, a block of rows at a time (blocks of 1 to 7 rows
    here), rows with another byte refused, as int() reads them."""
    from slalang.data import ids

    rows = [t[:width] for t in texts]
    tail = np.frombuffer("".join(rows).encode(), dtype=np.uint8).reshape(len(rows), width)
    block = ids._DIGIT_ROWS
    ids._DIGIT_ROWS = rows_a_block
    try:
        loose, strict = ids._digits(tail, strict=False), ids._digits(tail)
    finally:
        ids._DIGIT_ROWS = block
    want = [int(r) if r.isdigit() else None for r in rows]
    assert loose.tolist() == [w if w is not None else -(1 << 62) for w in want]
    assert strict is None if None in want else strict.tolist() == want
