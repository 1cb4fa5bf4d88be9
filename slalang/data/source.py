"""Input files: reading bytes (gzip or not), hashing them, and reading CSV with pyarrow."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from slalang.errors import DataError

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
CSV_SUFFIXES = (".csv",)


def kind_of(path: str | Path) -> str:
    """``"jsonl"`` or ``"csv"`` from the file name (a trailing ``.gz`` or ``.zip`` is
    allowed)."""
    name = str(path).lower()
    if name.endswith((".gz", ".zip")):
        name = name.rsplit(".", 1)[0]
    if name.endswith(JSON_SUFFIXES):
        return "jsonl"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    raise DataError("unrecognised file type (expected .jsonl, .json, .ndjson or .csv, "
                    "optionally gzipped)", file=str(path))


class Digest:
    """sha256 of every input file, in order, computed on a helper thread while the caller
    parses (hashlib releases the GIL on large buffers)."""

    def __init__(self) -> None:
        self._hasher = hashlib.sha256()
        self._pending: list[Future] = []

    def feed(self, data: pa.Buffer) -> None:
        self._pending.append(_POOL.submit(self._hasher.update, memoryview(data)))

    def hexdigest(self) -> str:
        for job in self._pending:
            job.result()
        self._pending.clear()
        return self._hasher.hexdigest()


#: one worker, so files are hashed in the order they were handed over
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slalang-hash")


def read_bytes(path: str | Path, digest: Digest | None = None, *,
               member: str | None = None) -> pa.Buffer:
    """The file's content (memory-mapped; decompressed when gzipped or zipped, as a stream
    bounded against decompression bombs: :mod:`slalang.data.sources.compressed`); the raw
    bytes go into ``digest``. ``member`` names the file to read inside a zip archive."""
    from slalang.data.sources.compressed import compression_of, gunzip, unzip

    try:
        raw = pa.memory_map(str(path)).read_buffer()
    except (OSError, pa.ArrowException) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataError(f"cannot read the file: {reason}", file=str(path)) from None
    if digest is not None:
        digest.feed(raw)
    kind = compression_of(raw[:4].to_pybytes())
    if kind == "gzip":
        raw = pa.py_buffer(gunzip(memoryview(raw), str(path)))
    elif kind == "zip":
        raw = pa.py_buffer(unzip(path, str(path), member))
    if raw[:3].to_pybytes() == b"\xef\xbb\xbf":  # a UTF-8 byte-order mark (Excel, some exports)
        raw = raw[3:]
    return raw


def csv_header(data: pa.Buffer | bytes, file: str, delimiter: str = ",") -> list[str]:
    """The column names on the first line."""
    head = bytes(memoryview(data)[:65536])
    end = head.find(b"\n")
    first = head[: end if end >= 0 else len(head)].decode("utf-8", errors="replace")
    names = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    names = [n.strip() for n in names]
    if not names or names == [""]:
        raise DataError("empty file: no header row", file=file, row=1)
    return names


def read_csv(data: pa.Buffer | bytes, file: str, types: Mapping[str, pa.DataType], *,
             delimiter: str = ",", null_values: tuple[str, ...] = ("",),
             encoding: str = "utf8") -> pa.Table:
    """Read CSV bytes with explicit column types; every column not in ``types`` is a string.

    Raises ``pa.ArrowInvalid`` when a value does not convert (the caller retries as strings)
    and :class:`DataError` for a malformed file.
    """
    header = csv_header(data, file, delimiter)
    column_types = {name: types.get(name, pa.string()) for name in header}
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=column_types, null_values=list(null_values),
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if is_utf8_error(text) and encoding.lower().replace("-", "") == "utf8":
            raise not_utf8(io.BytesIO(memoryview(data)), file, delimiter=delimiter) from None
        if "conversion error" in text:
            raise
        row = _bad_row(data, delimiter, len(header))
        raise DataError(f"malformed CSV: {text.splitlines()[0]}", file=file, row=row) from None


def _bad_row(data: pa.Buffer | bytes, delimiter: str, width: int) -> int | None:
    """The first row whose number of fields differs from the header's (the error path only:
    pyarrow's message does not say where)."""
    text = memoryview(data).tobytes().decode("utf-8", errors="replace")
    for number, fields in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        if fields and len(fields) != width:
            return number
    return None


def is_utf8_error(message: str) -> bool:
    """Whether a pyarrow error is about bytes that are not UTF-8."""
    return "invalid utf8" in message.lower()


#: what to do about a file that is not UTF-8
UTF8_HINT = ("re-export the file as UTF-8 (a CSV read through a mapping may instead name its "
             "encoding, e.g. csv: {encoding: latin-1})")


def not_utf8(lines: Iterable[bytes], file: str, *, delimiter: str | None = None
             ) -> DataError:
    """The :class:`DataError` for the first line that is not UTF-8: file, row (line) and,
    when it can tell, the field (the CSV column, or the JSON key whose value holds the byte).

    ``delimiter`` says the lines are CSV (the first is the header); None means JSON Lines.
    Only the error path reads the lines again, so the fast readers pay nothing for it.

    >>> e = not_utf8([b"id,customer\\n", b"T1,Caf\\xe9\\n"], "t.csv", delimiter=",")
    >>> e.row, e.field, str(e).split(";")[0]
    (2, 'customer', 't.csv:2: not UTF-8 text: byte 0xe9 cannot be decoded')
    """
    hint = UTF8_HINT if delimiter is not None else "re-export the file as UTF-8"
    header: list[str] | None = None
    number = 0
    for number, line in enumerate(lines, 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            field = _field_with_bad_byte(line, header, delimiter)
            return DataError(f"not UTF-8 text: byte 0x{line[exc.start]:02x} cannot be decoded; "
                             f"{hint}", file=file, row=number, field=field)
        if delimiter is not None and header is None:
            header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return DataError(f"not UTF-8 text; {hint}", file=file)


def _field_with_bad_byte(line: bytes, header: list[str] | None, delimiter: str | None
                         ) -> str | None:
    text = line.decode("utf-8", errors="surrogateescape")  # bad bytes become U+DC80..U+DCFF

    def bad(value: object) -> bool:
        return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)

    if delimiter is not None:
        if header is None:
            return None  # the header itself
        values = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        return next((header[k] for k, v in enumerate(values) if bad(v) and k < len(header)),
                    None)
    try:
        import json

        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    return next((str(k) for k, v in obj.items() if bad(k) or bad(v)), None)
