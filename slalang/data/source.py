"""Input files: reading bytes (gzip or not), hashing them, and reading CSV with pyarrow."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from slalang.errors import DataError

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
CSV_SUFFIXES = (".csv",)


#: the blocks pyarrow parses a file in, on its threads
BLOCK_BYTES = 1 << 24


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
    if not os.path.lexists(path):  # a mistyped name: said so, not "unrecognised"
        raise DataError("no such file or directory", file=str(path))
    raise DataError("unrecognised file type (expected .jsonl, .json, .ndjson or .csv, "
                    "optionally gzipped)", file=str(path))


def require_file(path: str | Path) -> None:
    """Refuse an input that is not a regular file (a named pipe, ``<(zcat x.gz)``, a
    device): slalang reads an input more than once (its sha256, its header, then its rows),
    and a pipe gives its bytes once: the run hung on it, or read half of it. A missing file
    or a directory is left to the reader, which names it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # a directory: its readers say
        what = "a named pipe" if stat.S_ISFIFO(mode) else "a device or socket"
        raise DataError(f"{what}, not a regular file: an input is read more than once (its "
                        "sha256, then its rows), so save the stream to a file and give that",
                        file=str(path))


class Digest:
    """sha256 of every input file, in order, computed on a helper thread while the caller
    parses (hashlib releases the GIL on large buffers).

    ``hold=True`` keeps the files until :meth:`release`: a caller whose parser uses every
    core (Arrow's CSV reader) starts the hash after it, when one core is idle again.
    """

    def __init__(self, hold: bool = False) -> None:
        self._hasher = hashlib.sha256()
        self._pending: list[Future] = []
        self._held: list[pa.Buffer] | None = [] if hold else None

    def feed(self, data: pa.Buffer) -> None:
        if self._held is not None:
            self._held.append(data)
        else:
            self._pending.append(_POOL.submit(self._hasher.update, memoryview(data)))

    def release(self) -> None:
        """Start hashing the files held so far (and each file fed from now on)."""
        held, self._held = self._held or [], None
        for data in held:
            self.feed(data)

    def hexdigest(self) -> str:
        self.release()
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

    require_file(path)
    try:
        raw = pa.memory_map(str(path)).read_buffer()
    except (OSError, pa.ArrowException) as exc:
        if not os.path.lexists(path):  # pyarrow's "Failed to open local file ... [errno 2]"
            raise DataError("no such file or directory", file=str(path)) from None
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


#: the longest header line read (a header of thousands of custom fields runs past 64 KiB)
MAX_HEADER_BYTES = 16 << 20


def header_fields(data: pa.Buffer | bytes, delimiter: str = ",") -> list[str]:
    """The fields of the first line as written (spaces kept), however long the line."""
    first = bytes(_first_line(data)).decode("utf-8", errors="replace")
    return next(csv.reader(io.StringIO(first), delimiter=delimiter), [])


def _first_line(data: pa.Buffer | bytes) -> memoryview:
    view = memoryview(data)
    end = find_byte(data, ord("\n"), 0)
    return view[:min(end if end >= 0 else len(view), MAX_HEADER_BYTES)]


def csv_header(data: pa.Buffer | bytes, file: str, delimiter: str = ",",
               repeated: bool = False) -> list[str]:
    """The column names on the first line (spaces around a name dropped: ``id, customer``
    names the columns ``id`` and ``customer`` on every reader); a name written twice is
    refused, unless ``repeated`` (the caller labels them: :func:`unique_header`)."""
    names = [n.strip() for n in header_fields(data, delimiter)]
    if not names or names == [""]:
        raise DataError("empty file: no header row", file=file, row=1)
    if any("\ufffd" in n for n in names):  # a byte no UTF-8: pyarrow takes it into a name
        try:
            bytes(_first_line(data)).decode("utf-8")
        except UnicodeDecodeError:
            raise not_utf8([bytes(_first_line(data))], file, delimiter=delimiter) from None
    if not repeated:
        check_header(names, file)
    return names


def named_as(header: list[str], raw: list[str]) -> dict:
    """pyarrow's read options that give the columns the names of ``header`` where the file
    writes them with spaces around (``raw``): pyarrow keeps the spaces, every reader of
    slalang drops them (the split reader names its columns itself)."""
    if raw == header:
        return {}
    return {"column_names": header, "skip_rows": 1}


def unique_header(names: list[str]) -> list[str]:
    """The header with every name written more than once labelled by its position, each
    occurrence alike: a tool's export may repeat a column it does not care about (two
    ``Variant`` columns, a run of empty names after trailing separators), and a mapping
    that needs one of them names it ``Variant [column 7]``.

    >>> unique_header(["id", "Variant", "x", "Variant", "", ""])
    ['id', 'Variant [column 2]', 'x', 'Variant [column 4]', '[column 5]', '[column 6]']
    """
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return [f"{name} [column {k}]".strip() if seen[name] > 1 else name
            for k, name in enumerate(names, 1)]


def repeated_columns(columns: list[str], name: str) -> list[int]:
    """The positions of ``name`` where :func:`unique_header` labelled it as repeated (none:
    the name is not a repeated one)."""
    found = (re.fullmatch(re.escape(f"{name} [column ".lstrip()) + r"(\d+)\]", c)
             for c in columns)
    return [int(m.group(1)) for m in found if m]


def missing_canonical_column(name: str, columns: list[str], file: str, row: int | None = 1
                             ) -> DataError:
    """The error for a canonical column a file lacks, with what the file looks like: a
    tool's export (none of the canonical columns: it needs a mapping), a tickets file given
    as the events (its ``id`` beside no ``ticket_id``), a header that reads as one column.

    >>> e = missing_canonical_column("id", ["number", "opened_at"], "x.csv")
    >>> e.field, str(e).split("; ")[1].split(":")[0]
    ('id', 'no column of the canonical form')
    """
    message = f"missing column {name!r} (columns: {', '.join(columns)})"
    guess = other_delimiter(columns)
    if guess is not None:
        shown = "\\t" if guess == "\t" else guess
        message += f"; the header reads as one column: the file looks delimited by {shown!r}"
    elif name in ("ticket_id", "at", "status") and {"id", "created_at"} <= set(columns):
        message += ("; it looks like a tickets file: give it as --tickets, and the status "
                    "events (ticket_id,at,status) as --events")
    elif not {"id", "created_at", "ticket_id", "at"} & set(columns):
        message += (f"; no column of the canonical form: a tool's export is read through a "
                    f"mapping (--mapping FILE; slalang mapping init {file} drafts one)")
    return DataError(message, file=file, row=row, field=name)


def check_header(names: list[str], file: str) -> None:
    """Refuse a header naming a column twice: which of the two holds the field is anyone's
    guess.

    >>> check_header(["id", "customer", "id"], "t.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    slalang.errors.DataError: t.csv:1: column 'id' appears twice in the header (columns 1 ...
    """
    seen: dict[str, int] = {}
    for k, name in enumerate(names, 1):
        if name in seen:
            raise DataError(f"column {name!r} appears twice in the header (columns "
                            f"{seen[name]} and {k})", file=file, row=1, field=name)
        seen[name] = k


def text_encoding(encoding: str, file: str) -> str:
    """Check that ``encoding`` names a codec that turns bytes into text (not rot13, hex or
    zlib, which Python also calls codecs).

    >>> text_encoding("latin-1", "t.csv")
    'latin-1'
    >>> text_encoding("rot13", "t.csv")
    Traceback (most recent call last):
    slalang.errors.DataError: t.csv: 'rot13' is not a text encoding (e.g. utf-8, latin-1, cp1252)
    """
    import codecs

    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r} (e.g. utf-8, latin-1, cp1252)",
                        file=file) from None
    if not getattr(info, "_is_text_encoding", True):
        raise DataError(f"{encoding!r} is not a text encoding (e.g. utf-8, latin-1, cp1252)",
                        file=file)
    return encoding


def read_csv(data: pa.Buffer | bytes, file: str, types: Mapping[str, pa.DataType], *,
             delimiter: str = ",", null_values: tuple[str, ...] = ("",),
             encoding: str = "utf8", bad_rows: list[tuple[int, str]] | None = None,
             repeated: bool = False) -> pa.Table:
    """Read CSV bytes with explicit column types; every column not in ``types`` is a string.
    A name the header writes twice is refused, or with ``repeated`` (a tool's export read
    through a mapping, which names the columns it uses) labelled by :func:`unique_header`.

    Raises ``pa.ArrowInvalid`` when a value does not convert (the caller retries as strings)
    and :class:`DataError` for a malformed file. Given a ``bad_rows`` list, a malformed row
    (a wrong number of fields, an unbalanced quote) does not refuse the file: the row comes
    back as nulls and ``(its index in the table, the reason)`` goes into the list, for the
    caller to reject with its row number.
    """
    if bad_rows is not None:
        bad_rows.clear()
    if find_byte(data, ord("\n")) < 0 and not any(w in encoding for w in ("16", "32")):
        # a header alone without its line break (an export of no rows): pyarrow refused it,
        # "Empty CSV file or block: cannot infer number of columns"
        data = pa.py_buffer(memoryview(data).tobytes() + b"\n")
    utf8 = encoding.lower().replace("-", "").replace("_", "") == "utf8"
    if not utf8:
        text_encoding(encoding, file)
    plain = csv_header(data, file, delimiter, repeated=True) if utf8 else _decoded_header(
        data, file, delimiter, encoding)
    header = plain
    if repeated:
        header = unique_header(plain)
    else:
        check_header(plain, file)
    column_types = {name: types.get(name, pa.string()) for name in header}
    convert = pacsv.ConvertOptions(
        column_types=column_types, null_values=list(null_values),
        strings_can_be_null=True, quoted_strings_can_be_null=True)
    names = named_as(header, header_fields(data, delimiter) if utf8 else plain)
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=BLOCK_BYTES,
                                           **names),
            parse_options=parse_options(data, delimiter),
            convert_options=convert,
        )
    except (UnicodeError, ValueError) as exc:  # from the codec of a non-UTF-8 encoding
        if not isinstance(exc, pa.ArrowInvalid):
            raise DataError(f"cannot read the file as {encoding}: {exc}",
                            file=file) from None
        error = _malformed(exc, data, file, delimiter, header, utf8)
        if bad_rows is None or not isinstance(error, DataError) or error.row is None:
            raise error from None
    try:
        text = memoryview(data).tobytes().decode(encoding)
    except UnicodeError:
        raise not_utf8(io.BytesIO(memoryview(data)), file, delimiter=delimiter) if utf8 \
            else DataError(f"cannot read the file as {encoding}", file=file) from None
    repaired, found = _without_bad_rows(text, delimiter, len(header))
    encoded = repaired.encode("utf-8")  # once: the whole file's text
    try:
        table = pacsv.read_csv(
            pa.BufferReader(encoded),
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, **names),
            parse_options=parse_options(encoded, delimiter),
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        raise _malformed(exc, encoded, file, delimiter, header, True) from None
    bad_rows.extend(found)
    return table


def parse_options(data: pa.Buffer | bytes, delimiter: str = ",") -> pacsv.ParseOptions:
    """How pyarrow is to parse ``data``: a line break may sit inside a quoted value
    (RFC 4180) wherever the data holds a quote. pyarrow cuts its input into blocks at line
    breaks; told that values hold none, it cut inside a quoted value whenever a block ended
    there, and refused a valid export (a multi-line description at the 16th MiB) as
    malformed. The quote-aware cutting costs a fifth more time, so data without a quote is
    spared it."""
    quote = has_byte(data, ord('"'))
    return pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quote)


def has_byte(data: pa.Buffer | bytes, byte: int) -> bool:
    """Whether ``byte`` occurs in ``data`` (without copying a memory-mapped buffer)."""
    return find_byte(data, byte) >= 0


def find_byte(data: pa.Buffer | bytes, byte: int, start: int = 0) -> int:
    """The offset of the first ``byte`` at or after ``start``, -1 if none: the C library's
    memchr on the buffer where the platform has one (a few ms over 100 MB), else numpy a
    megabyte at a time."""
    view = memoryview(data).cast("B")
    size = len(view)
    if start >= size:
        return -1
    memchr = _memchr()
    if isinstance(data, pa.Buffer) and memchr is not None:
        hit = memchr(data.address + start, byte, size - start)
        return -1 if hit is None else hit - data.address
    import numpy as np

    raw = np.frombuffer(view, dtype=np.uint8)
    for lo in range(start, size, 1 << 20):
        found = np.flatnonzero(raw[lo:lo + (1 << 20)] == byte)
        if len(found):
            return lo + int(found[0])
    return -1


@functools.cache
def _memchr():
    """The C library's memchr, None where there is none to call."""
    try:
        import ctypes

        fn = ctypes.CDLL(None).memchr
    except (OSError, AttributeError, TypeError):
        return None
    fn.restype, fn.argtypes = ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    return fn


def _closed(lines: list[str], delimiter: str) -> bool:
    """Whether the quotes of a record running to the end of the file are closed."""
    try:
        next(csv.reader((line + "\n" for line in lines), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" not in str(exc)
    return True


def _without_bad_rows(text: str, delimiter: str, width: int
                      ) -> tuple[str, list[tuple[int, str]]]:
    """The CSV text with each malformed record replaced by a row of nulls, and (index of that
    row among the records, reason) for each. A record whose quote never closes takes only its
    first line down with it: the lines after it are read again as records of their own.

    >>> text, bad = _without_bad_rows('id,c\\nT1,A\\nT2\\nT3,"B\\nT4,C\\n', ",", 2)
    >>> text.splitlines()
    ['id,c', 'T1,A', '"",""', '"",""', 'T4,C']
    >>> bad[0]
    (1, 'malformed CSV row: 1 field(s) where the header has 2')
    >>> bad[1]
    (2, 'malformed CSV row: a quote is never closed')
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = [lines[0] + "\n"] if lines else []
    placeholder = delimiter.join(['""'] * width) + "\n"  # quoted empties: null everywhere
    bad: list[tuple[int, str]] = []
    i, index = 1, 0
    while i < len(lines):
        if not lines[i].strip():  # pyarrow skips empty lines: they are no record
            i += 1
            continue
        used = 0

        def feed(start: int = i):
            nonlocal used
            for k in range(start, len(lines)):
                used = k - start + 1
                yield lines[k] + "\n"

        try:
            fields = next(csv.reader(feed(), delimiter=delimiter))
        except csv.Error as exc:
            fields, used = [f"({exc})"], 1
        if used > 1 and i + used == len(lines) and not _closed(lines[i:], delimiter):
            fields = []  # a quote open until the end of the file
        reason = (None if len(fields) == width else
                  f"malformed CSV row: {len(fields)} field(s) where the header has {width}"
                  if used == 1 else "malformed CSV row: a quote is never closed")
        if reason is None:
            out.extend(line + "\n" for line in lines[i:i + used])
            i += used
        else:
            bad.append((index, reason))
            out.append(placeholder)
            i += 1
        index += 1
    return "".join(out), bad


def _malformed(exc: pa.ArrowInvalid, data: pa.Buffer | bytes, file: str, delimiter: str,
               header: list[str], utf8: bool) -> Exception:
    """The error to raise for a CSV that pyarrow refuses."""
    text = str(exc)
    if is_utf8_error(text) and utf8:
        return not_utf8(io.BytesIO(memoryview(data)), file, delimiter=delimiter)
    if "conversion error" in text:
        return exc
    row = _bad_row(data, delimiter, len(header))
    return DataError(f"malformed CSV: {text.splitlines()[0]}", file=file, row=row)


def _decoded_header(data: pa.Buffer | bytes, file: str, delimiter: str, encoding: str
                    ) -> list[str]:
    """The header of a file in another encoding than UTF-8 (UTF-16 has no ASCII newline)."""
    import codecs

    try:
        head = codecs.getincrementaldecoder(encoding)(errors="replace").decode(
            bytes(memoryview(data)[:65536]))
    except UnicodeError as exc:
        raise DataError(f"cannot read the file as {encoding}: {exc}", file=file) from None
    names = next(csv.reader(io.StringIO(head), delimiter=delimiter), [])
    names = [n.strip() for n in names]
    if not names or names == [""]:
        raise DataError("empty file: no header row", file=file, row=1)
    return names


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
            other = (other_delimiter(header or _read_anyhow(line, delimiter), delimiter)
                     if delimiter is not None else None)
            if other is not None:  # the "field" was the whole header line
                field = None
                hint += (f"; the header reads as one column: the file looks delimited by "
                         f"{other!r}, which a mapping names as csv: {{delimiter: {other!r}}}")
            return DataError(f"not UTF-8 text: byte 0x{line[exc.start]:02x} cannot be decoded; "
                             f"{hint}", file=file, row=number, field=field)
        if delimiter is not None and header is None:
            header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return DataError(f"not UTF-8 text; {hint}", file=file)


def _read_anyhow(line: bytes, delimiter: str | None) -> list[str] | None:
    """The fields of a header line that is not UTF-8, its bad bytes replaced."""
    if delimiter is None:
        return None
    text = line.decode("utf-8", errors="replace")
    return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])


def other_delimiter(header: list[str] | None, delimiter: str | None = None) -> str | None:
    """The separator a header read as one column seems to use (not ``delimiter``, the one
    it was read with); None when it has several columns, or no likely separator in it.

    >>> other_delimiter(["id;customer"], ","), other_delimiter(["id", "customer"], ",")
    (';', None)
    """
    if not header or len(header) != 1:
        return None
    return next((d for d in (";", "\t", "|", ",") if d != delimiter and d in header[0]), None)


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
