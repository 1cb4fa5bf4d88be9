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
    """The chunked engine's data hash: the files' bytes hashed in order, read a block at a
    time (blocks that do not divide the files), an empty file included."""
    import hashlib

    from slalang.data import stream

    monkeypatch.setattr(stream, "_HASH_BLOCK", 7)
    files = [tmp_path / "t.csv", tmp_path / "empty.csv", tmp_path / "e.csv"]
    files[0].write_bytes(b"id,customer\n" + b"T1,C1\n" * 3000)
    files[1].write_bytes(b"")
    files[2].write_bytes(b"ticket_id,at\nT1,2026-08-10T10:00:00Z\n")
    want = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    assert stream.file_digest(files).result() == want


def test_file_digest_keeps_the_resident_size_small(tmp_path):
    """Hashing mapped the whole file at first, which counted it all in the process's resident
    size (2 GB at 10m: the floor measured 1.5 GiB); a block at a time keeps it small."""
    import hashlib
    from pathlib import Path

    from slalang.data import stream

    status, refs = Path("/proc/self/status"), Path("/proc/self/clear_refs")
    if not status.exists() or not refs.exists():
        pytest.skip("needs Linux's /proc")

    def kib(field: str) -> int:
        line = next(x for x in status.read_text().splitlines() if x.startswith(field))
        return int(line.split()[1])

    big = tmp_path / "tickets.csv"
    with open(big, "wb") as fh:
        for _ in range(32):
            fh.write(b"T0000001,C00001,Gold,P1,2026-08-10T10:00:00+02:00\n" * 20000)
    want = hashlib.sha256(big.read_bytes()).hexdigest()
    refs.write_text("5")  # the peak resident size starts again from here
    before = kib("VmRSS:")
    assert stream.file_digest([big]).result() == want
    assert kib("VmHWM:") - before < 8 * 1024  # the file is 31 MiB
