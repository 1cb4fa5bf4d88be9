"""A large CSV file is parsed in pieces cut at line breaks: the same table, the same errors and
the same refused rows as one read of the whole file."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import source
from slalang.data.canonical import _DICT, _INSTANT
from slalang.errors import DataError

TYPES = {"created_at": _INSTANT, "tier": _DICT}

row = st.one_of(
    st.builds(lambda i, d, t: f"T{i},{t},2026-08-{d:02d}T09:00:00+02:00",
              st.integers(0, 999), st.integers(1, 28), st.sampled_from(["Gold", "Silver", ""])),
    st.just(""),                                   # a blank line (pyarrow skips it)
    st.just("T9,Gold,not a date"),                 # a conversion error
    st.just("T8,Gold"),                            # a malformed row (too few fields)
    st.just('T7,"Go\nld",2026-08-03T09:00:00+02:00'),  # a quoted value with a line break
    st.just("T6,Bronze,2026-08-03T09:00:00+02:00\r"),  # CRLF
)


def read(text: bytes, piece: int, monkeypatch, bad_rows=None):
    monkeypatch.setattr(source, "PIECE_BYTES", piece)
    try:
        table = source.read_csv(pa.py_buffer(text), "t.csv", TYPES, bad_rows=bad_rows)
    except (pa.ArrowInvalid, DataError) as exc:
        return type(exc).__name__, str(exc)
    columns = {n: (c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c).to_pylist()
               for n, c in zip(table.column_names, table.columns, strict=True)}
    return table.schema.remove_metadata(), columns


@settings(max_examples=150, deadline=None)
@given(st.lists(row, min_size=0, max_size=40), st.integers(8, 200), st.booleans())
def test_pieces_read_as_the_whole_file_does(rows, piece, with_bad_rows):
    with pytest.MonkeyPatch.context() as mp:
        text = ("id,tier,created_at\n" + "\n".join(rows) + "\n").encode()
        whole_bad: list | None = [] if with_bad_rows else None
        cut_bad: list | None = [] if with_bad_rows else None
        whole = read(text, 1 << 40, mp, whole_bad)
        cut = read(text, piece, mp, cut_bad)
        assert cut == whole
        assert cut_bad == whole_bad


def test_a_large_file_is_cut_and_gives_the_same_table(monkeypatch):
    rows = [f"T{i},{'Gold' if i % 3 else 'Silver'},2026-08-{1 + i % 28:02d}T09:00:00+02:00"
            for i in range(2000)]
    text = ("id,tier,created_at\n" + "\n".join(rows) + "\n").encode()
    calls = []
    real = source.pacsv.read_csv
    monkeypatch.setattr(source.pacsv, "read_csv", lambda *a, **k: calls.append(1) or real(
        *a, **k))
    cut = read(text, 4096, monkeypatch)
    pieces = len(calls)
    calls.clear()
    assert read(text, 1 << 40, monkeypatch) == cut
    assert len(calls) == 1 and pieces > 10  # one read against a header read plus the pieces
    assert len(cut[1]["id"]) == 2000


def test_a_file_with_a_quote_is_read_whole(monkeypatch):
    text = b'id,tier,created_at\n' + b"T1,Gold,2026-08-03T09:00:00+02:00\n" * 200 + \
        b'T2,"Go\nld",2026-08-03T09:00:00+02:00\n'
    calls = []
    real = source.pacsv.read_csv
    monkeypatch.setattr(source.pacsv, "read_csv", lambda *a, **k: calls.append(1) or real(
        *a, **k))
    got = read(text, 64, monkeypatch)
    assert len(calls) == 1
    assert got[1]["tier"][-1] == "Go\nld"


@pytest.mark.parametrize("memchr", [True, False])
def test_bytes_are_found_in_buffers_and_bytes_alike(monkeypatch, memchr):
    if not memchr:  # a platform without the C library's memchr: numpy, a block at a time
        monkeypatch.setattr(source, "_MEMCHR", [None])
    text = b"a" * (3 << 20) + b'"' + b"b" * 10 + b"\n"
    for data in (text, pa.py_buffer(text)):
        view = memoryview(data).cast("B")
        assert source._find_byte(data, view, ord('"')) == 3 << 20
        assert source._find_byte(data, view, ord("\n"), (3 << 20) + 5) == (3 << 20) + 11
        assert source._find_byte(data, view, ord("z")) == -1
        assert source._find_byte(data, view, ord("a"), len(text)) == -1
        assert source.has_byte(data, ord('"')) and not source.has_byte(data, ord("z"))
