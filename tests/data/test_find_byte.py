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


def test_file_digest_is_the_sha256_of_the_files_in_order(tmp_path, monkeypatch):
    """The chunked engine's data hash: the files' bytes hashed where they lie (memory-mapped),
    an empty file included, and the same through the buffered fallback."""
    import hashlib

    from slalang.data import stream

    monkeypatch.setattr(stream, "_HASH_BLOCK", 7)  # blocks that do not divide the files
    files = [tmp_path / "t.csv", tmp_path / "empty.csv", tmp_path / "e.csv"]
    files[0].write_bytes(b"id,customer\n" + b"T1,C1\n" * 40)
    files[1].write_bytes(b"")
    files[2].write_bytes(b"ticket_id,at\nT1,2026-08-10T10:00:00Z\n")
    want = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    assert stream.file_digest(files).result() == want
    import mmap

    def cannot_map(*args, **kwargs):
        raise OSError("this file cannot be mapped")

    monkeypatch.setattr(mmap, "mmap", cannot_map)
    assert stream.file_digest(files).result() == want
