"""Finding a byte in a memory-mapped range without copying it (the chunked reader looks for a
quote before it cuts a file at line breaks)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from slalang.data import source


@pytest.mark.parametrize("memchr", [True, False])
def test_bytes_are_found_in_buffers_and_bytes_alike(monkeypatch, memchr):
    if not memchr:  # a platform without the C library's memchr: numpy, a block at a time
        monkeypatch.setattr(source, "_memchr", lambda: None)
    text = b"a" * (3 << 20) + b'"' + b"b" * 10 + b"\n"
    for data in (text, pa.py_buffer(text), pa.py_buffer(b"x" + text).slice(1)):
        assert source.find_byte(data, ord('"')) == 3 << 20
        assert source.find_byte(data, ord("\n"), (3 << 20) + 5) == (3 << 20) + 11
        assert source.find_byte(data, ord("z")) == -1
        assert source.find_byte(data, ord("a"), len(text)) == -1
        assert source.has_byte(data, ord('"')) and not source.has_byte(data, ord("z"))
