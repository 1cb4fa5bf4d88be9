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
