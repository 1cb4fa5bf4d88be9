"""Timestamp parsing: offsets, naive local times in a zone, DST gaps and folds, and the same
answers from pyarrow's fast path and the Python fallback."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import NAT
from slalang.data.instants import _parse_slow, parse_instants

UTC = dt.UTC


def epoch(*args) -> int:
    return int(dt.datetime(*args, tzinfo=UTC).timestamp())


CASES = [
    # Rome wall time -> UTC
    ("1/7/2026 09:12", epoch(2026, 7, 1, 7, 12)),      # CEST
    ("15/1/2026 09:12", epoch(2026, 1, 15, 8, 12)),    # CET
    ("29/3/2026 02:30", epoch(2026, 3, 29, 1, 0)),     # in the spring gap: its end, 03:00 CEST
    ("25/10/2026 02:30", epoch(2026, 10, 25, 0, 30)),  # the repeated hour: the earlier one
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_naive_local_times_both_paths(text, expected):
    fmt, zone = "%d/%m/%Y %H:%M", "Europe/Rome"
    fast = parse_instants(pa.array([text]), fmt, zone)
    slow = _parse_slow([text], fmt, zone)
    assert fast.values.tolist() == slow.values.tolist() == [expected]


def test_offsets_and_z():
    p = parse_instants(pa.array(["2026-07-01T09:12:00+02:00", "2026-07-01T07:12:00Z",
                                 "2026-07-01 09:12:00+0200", None]))
    assert p.values.tolist() == [epoch(2026, 7, 1, 7, 12)] * 3 + [NAT]
    assert p.errors == {}


def test_one_bad_value_does_not_spoil_the_column():
    p = parse_instants(pa.array(["2026-07-01T09:12:00+02:00", "soon", "2026-07-01T09:12"]))
    assert p.values.tolist() == [epoch(2026, 7, 1, 7, 12), NAT, NAT]
    assert sorted(p.errors) == [1, 2]
    assert p.errors[2].startswith("naive timestamp")


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["s", "ms", "us", "ns"]),
       st.lists(st.lists(st.one_of(st.none(), st.integers(-(10**15), 10**15)), max_size=8),
                max_size=5),
       st.integers(0, 3))
def test_a_chunked_timestamp_column_is_floored_to_seconds_chunk_by_chunk(unit, chunks, cut):
    """A reader's column in many chunks (sliced ones too), straight into one int64 array:
    floored to seconds (before 1970 too), NAT for a null, as the combined column gives."""
    from slalang.data.instants import _floor_seconds

    kind = pa.timestamp(unit, tz="UTC")
    arrays = [pa.array(c, pa.int64()).cast(kind) for c in chunks]
    if arrays and len(arrays[0]) > cut:
        arrays[0] = arrays[0].slice(cut)  # a chunk that starts inside its buffers
    column = pa.chunked_array(arrays, kind)
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    want = [NAT if v is None else v // per_second
            for v in column.cast(pa.int64()).to_pylist()]
    got = _floor_seconds(column)
    assert got.dtype == np.int64 and got.flags.writeable and got.tolist() == want


def test_a_value_reads_the_same_whatever_its_neighbours():
    """One value the fast path cannot read sends the whole column to the Python path,
    which refused year 0000 as a "bad timestamp" where the fast path read it (and the row
    was refused for its year's range): the same row's reason depended on the batch it fell
    in, and the engines' outputs differed with --chunk-rows. Found by differential fuzzing."""
    import pyarrow as pa

    from slalang.data.instants import parse_instants

    year0 = "0000-01-01T00:00:00Z"
    alone = parse_instants(pa.array([year0]))
    beside = parse_instants(pa.array([year0, "2026-07-01T09:00:00"]))  # a naive neighbour
    assert not alone.errors and 1 in beside.errors and 0 not in beside.errors
    assert beside.values[0] == alone.values[0]
