"""Compressed inputs (gzip, zip) read as streams, with a bound on how far they may inflate.

An export may arrive gzipped or zipped. Decompressing a whole file in one call
(``gzip.decompress``) lets an 8 MB "gzip bomb" become gigabytes in memory before anything
can object. Here the compressed bytes are fed to the decompressor a block at a time and the
output is checked against :func:`inflate_limit` as it grows, so a bomb is refused after at
most :data:`INFLATE_FLOOR` bytes (plus one block), with a message that says what to do.

The bound is a ratio: real ticket exports compress 5 to 30 times; a bomb of zeros 1,000 times.
A genuine file past the ratio can always be decompressed beforehand and read as it is.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from slalang.errors import DataError

#: how many times its compressed size a file may inflate to ...
MAX_RATIO = 100
#: ... once past this many bytes (small files are never refused)
INFLATE_FLOOR = 64 << 20
#: compressed bytes fed to the decompressor at a time
BLOCK = 1 << 16

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"


def compression_of(head: bytes) -> str | None:
    """``"gzip"``, ``"zip"`` or None from a file's first bytes.

    >>> compression_of(b"\\x1f\\x8b\\x08"), compression_of(b"PK\\x03\\x04"), compression_of(b"id,")
    ('gzip', 'zip', None)
    """
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if head[:4] == ZIP_MAGIC:
        return "zip"
    return None


def compressions_of(paths) -> list[str | None] | None:
    """:func:`compression_of` each of ``paths`` that is not None, in order; None when one is
    not a regular file that can be read (a pipe, a folder, a missing file)."""
    import os

    kinds = []
    for path in paths:
        if path is None:
            continue
        try:
            if not os.path.isfile(path):
                return None
            with open(path, "rb") as fh:
                kinds.append(compression_of(fh.read(4)))
        except OSError:
            return None
    return kinds


def inflate_limit(compressed: int) -> int:
    """The most bytes a file of ``compressed`` bytes may decompress to.

    >>> inflate_limit(10) == INFLATE_FLOOR, inflate_limit(8_700_000) // 1_000_000
    (True, 870)
    """
    return max(INFLATE_FLOOR, MAX_RATIO * compressed)


def _bomb(file: str, consumed: int, inflated: int) -> DataError:
    return DataError(
        f"the compressed file inflates more than {MAX_RATIO} times ({inflated / 1e6:,.0f} MB "
        f"from its first {consumed / 1e6:,.1f} MB): refused as a likely decompression bomb; "
        "if the export is genuine, decompress it first (gunzip, unzip) and read the plain "
        "file", file=file)


def gunzip_blocks(data: memoryview, file: str) -> Iterator[bytes]:
    """The decompressed content of gzip bytes (every member of a concatenated file), a block at
    a time, refusing to inflate past :func:`inflate_limit` of the bytes consumed so far."""
    out_total = 0
    pos = 0
    n = len(data)
    decomp = zlib.decompressobj(wbits=31)
    try:
        while True:
            if decomp.eof:
                pos -= len(decomp.unused_data)  # where the next member (if any) starts
                if bytes(data[pos:pos + 2]) != GZIP_MAGIC:
                    if bytes(data[pos:]).strip(b"\0"):
                        raise DataError("cannot decompress the file: trailing bytes after "
                                        "the gzip data", file=file)
                    return
                decomp = zlib.decompressobj(wbits=31)
            if decomp.unconsumed_tail:
                chunk = decomp.decompress(decomp.unconsumed_tail, BLOCK)
            elif pos < n:
                chunk = decomp.decompress(data[pos:pos + BLOCK], BLOCK)
                pos = min(pos + BLOCK, n)
            else:
                chunk = decomp.decompress(b"", BLOCK)  # output still held inside zlib
                if not chunk and not decomp.eof:
                    raise DataError("cannot decompress the file: the gzip data is truncated",
                                    file=file)
            out_total += len(chunk)
            if out_total > inflate_limit(pos):
                raise _bomb(file, pos, out_total)
            if chunk:
                yield chunk
    except zlib.error as exc:
        raise DataError(f"cannot decompress the file: {exc}", file=file) from None


def gunzip(data: memoryview, file: str) -> bytes:
    """All of :func:`gunzip_blocks`, joined."""
    return b"".join(gunzip_blocks(data, file))


def unzip(path: str | Path, file: str, member: str | None = None) -> bytes:
    """The one data file inside a zip archive (or the named ``member``), inflated within the
    bound; an archive with several files must name the one to read."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read the zip archive: {exc}", file=file) from None
    with archive:
        names = [i for i in archive.infolist() if not i.is_dir()
                 and not i.filename.startswith("__MACOSX/")]
        if member is not None:
            chosen = [i for i in names if i.filename == member]
            if not chosen:
                raise DataError(f"no {member!r} in the zip archive (it holds: "
                                f"{', '.join(i.filename for i in names)})", file=file)
        elif len(names) != 1:
            listed = ", ".join(i.filename for i in names) or "nothing"
            raise DataError(f"the zip archive holds {listed}: expected exactly one file "
                            "(a mapping names the one to read: source: {member: NAME})",
                            file=file)
        else:
            chosen = names
        info = chosen[0]
        limit = inflate_limit(info.compress_size)
        if info.file_size > limit:
            raise _bomb(file, info.compress_size, info.file_size)
        parts: list[bytes] = []
        total = 0
        try:
            with archive.open(info) as fh:
                while block := fh.read(BLOCK * 16):
                    total += len(block)
                    if total > limit:  # the declared size lied
                        raise _bomb(file, info.compress_size, total)
                    parts.append(block)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise DataError(f"cannot decompress the file: {exc}", file=file) from None
        return b"".join(parts)
