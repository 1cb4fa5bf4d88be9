"""Reading canonical CSV exports in chunks of tickets, in bounded memory.

The chunked evaluation (:mod:`slalang.evaluation.streaming`) never holds a whole export: it
reads the tickets file a fixed number of rows at a time and gives each chunk of tickets its
events. Events may come in any order, so they are first sorted into one temporary file per
chunk of tickets (:class:`EventBlocks`): a pass over the events file with a fixed-size window.

Every chunk is validated by the same :func:`~slalang.data.build.assemble` as the in-memory
reader, so rows are refused with the same reasons. The only check that spans chunks is the
duplicate id (the first occurrence wins): :class:`TicketChunks` reads the id column once,
up front, and tells each chunk which of its rows repeat an earlier id. That index of ids
(:class:`NumberedIds`, 9 bytes a ticket, or :class:`HashedIds`, about 16 bytes plus the id)
is the one part whose size grows with the input; it is dropped once the events are placed.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from slalang.data.build import RawEvents, RawTickets, assemble, categorical, event_problems
from slalang.data.canonical import events_from_table, tickets_from_table
from slalang.data.checks import derive_resolution, refuse_early_events_listed
from slalang.data.counts import InputCounts
from slalang.data.ids import IdIndex, _digits
from slalang.data.instants import Parsed
from slalang.data.invisible import strip_invisible
from slalang.data.read import is_blank, is_one_line, no_tickets
from slalang.data.source import (
    csv_header,
    header_fields,
    is_utf8_error,
    kind_of,
    missing_canonical_column,
    named_as,
    not_utf8,
)
from slalang.data.table import CATEGORICAL_COLUMNS, INSTANT_COLUMNS, NAT, Rejection, TicketTable
from slalang.errors import DataError

#: bytes pyarrow reads at a time (the chunk of rows is assembled from such blocks)
BLOCK_SIZE = 1 << 22
_INSTANT = pa.timestamp("s", tz="UTC")
_DICT = pa.dictionary(pa.int32(), pa.string())


class NotStreamable(Exception):
    """The input needs the in-memory reader (the message says why)."""


class _Conversion(Exception):
    """An instant column holds a value the typed reader refuses: read instants as text."""


class _Malformed(_Conversion):
    """A malformed row (wrong number of fields, an unbalanced quote): the in-memory reader
    rejects just that row, so the file is read there (raised, like :class:`_Conversion`,
    before any verdict is written)."""


def stream_refusal(tickets: str | Path, events: str | Path | None,
                   mapping: object | None) -> str | None:
    """Why these inputs cannot be read in chunks (None when they can).

    >>> stream_refusal("t.jsonl", None, None)
    'JSON Lines tickets are read whole'
    >>> stream_refusal("t.csv", "e.csv", None) is None
    True

    Raises DataError for an input that is a pipe, not a file (it would be read once).
    """
    from slalang.data.source import require_file

    for path in (tickets, events):
        if path is not None:
            require_file(path)
    if mapping is not None:
        return "a mapping reads the export whole"
    try:
        if kind_of(tickets) != "csv":
            return "JSON Lines tickets are read whole"
        if events is not None and kind_of(events) != "csv":
            return "the events file is not CSV"
    except DataError:
        return "only CSV tickets are read in chunks"
    if any(p is not None and _zipped(p) for p in (tickets, events)):
        return "a zip archive is read whole"
    return None


def _zipped(path: str | Path) -> bool:
    """Whether a file is a zip archive (the chunked reader streams plain and gzip files)."""
    from slalang.data.sources.compressed import compression_of

    try:
        with open(path, "rb") as fh:
            return compression_of(fh.read(4)) == "zip"
    except OSError:
        return False  # the reader names the missing file


def _open(path: str | Path) -> pa.NativeFile:
    try:
        with open(path, "rb") as fh:
            gzipped = fh.read(2) == b"\x1f\x8b"
        return pa.input_stream(str(path), compression="gzip" if gzipped else None)
    except (OSError, pa.ArrowException) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataError(f"cannot read the file: {reason}", file=str(path)) from None


def gzip_error(exc: Exception, path: str | Path) -> DataError | None:
    """What a gzip stream's failure (pyarrow's decompressor) is, in the words the in-memory
    reader uses for the same file (:mod:`slalang.data.sources.compressed`); None when
    ``exc`` is not one. pyarrow's own ("Truncated compressed stream") named no file."""
    text = str(exc)
    if "Truncated compressed stream" in text:
        reason = "the gzip data is truncated"
    elif "incorrect header check" in text:  # a next member that is not gzip
        reason = "trailing bytes after the gzip data"
    elif "zlib" in text or "gzip" in text.lower():
        reason = text
    else:
        return None
    return DataError(f"cannot decompress the file: {reason}", file=str(path))


@contextmanager
def _decompressing(path: str | Path) -> Iterator[None]:
    """Within it, a gzip stream's failure is a DataError naming the file."""
    try:
        yield
    except (OSError, pa.ArrowException) as exc:
        error = gzip_error(exc, path)
        if error is None:
            raise
        raise error from None


def _head(path: str | Path) -> bytes:
    """The file's first 64 KiB and one byte (decompressed, without a byte-order mark): enough
    to tell an empty file or a lone header."""
    with _open(path) as stream, _decompressing(path):
        head = stream.read(65537)
    return head[3:] if head[:3] == b"\xef\xbb\xbf" else head


def _first_line(path: str | Path) -> bytes:
    """The file's first line (decompressed, without a byte-order mark), read 64 KiB at a
    time up to :data:`~slalang.data.source.MAX_HEADER_BYTES`."""
    from slalang.data.source import MAX_HEADER_BYTES

    head = b""
    with _open(path) as stream, _decompressing(path):
        while b"\n" not in head and len(head) < MAX_HEADER_BYTES:
            block = stream.read(65536)
            if not block:
                break
            head += block
    return head[3:] if head[:3] == b"\xef\xbb\xbf" else head


def _header(path: str | Path) -> list[str]:
    return csv_header(_first_line(path), str(path))


def _bad_row(path: str | Path, width: int) -> int | None:
    """The first row whose number of fields differs from the header's, read as a stream."""
    with _open(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        for number, fields in enumerate(csv.reader(text), 1):
            if fields and len(fields) != width:
                return number
    return None


def _lines(stream: pa.NativeFile) -> Iterator[bytes]:
    """The stream's lines (bytes, end of line kept), a byte-order mark dropped."""
    reader = io.BufferedReader(stream)  # type: ignore[arg-type]
    first = True
    for line in reader:
        if first and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        first = False
        yield line


def csv_chunks(path: str | Path, types: dict[str, pa.DataType], rows: int,
               include: list[str] | None = None) -> Iterator[tuple[int, pa.Table]]:
    """The CSV file ``rows`` rows at a time: ``(row number of the first, table)``.

    Columns not in ``types`` are strings; an empty value is null. At least one table comes
    out (empty for a header-only file). Raises :class:`DataError` for a malformed file.
    """
    file = str(path)
    header = _header(path)
    names = include if include is not None else header
    for name in names:
        if name not in header:
            raise missing_canonical_column(name, list(header), file)
    convert = pacsv.ConvertOptions(
        column_types={n: types.get(n, pa.string()) for n in names}, null_values=[""],
        strings_can_be_null=True, quoted_strings_can_be_null=True,
        include_columns=names)
    pending: list[pa.RecordBatch] = []
    count, first, done = 0, 2, False
    named = named_as(header, header_fields(_first_line(path)))
    stream = _open(path)
    try:
        # a line break may sit in a quoted value wherever a block ends (RFC 4180): read
        # as a stream, the quote-aware cutting costs nothing measurable
        reader = pacsv.open_csv(stream, read_options=pacsv.ReadOptions(
            block_size=BLOCK_SIZE, **named),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=convert)
        for batch in reader:
            pending.append(batch)
            count += batch.num_rows
            while count >= rows:
                table = pa.Table.from_batches(pending, schema=reader.schema)
                yield first, table.slice(0, rows)
                done = True
                first += rows
                rest = table.slice(rows)
                pending, count = rest.to_batches(), rest.num_rows
    except (OSError, pa.ArrowException) as exc:
        gzip = gzip_error(exc, path)
        if gzip is not None:
            raise gzip from None
        if not isinstance(exc, pa.ArrowInvalid):
            raise
        text = str(exc)
        if is_utf8_error(text):  # not a bad instant: no retry, the row is named
            with _open(path) as stream:
                raise not_utf8(_lines(stream), file, delimiter=",") from None
        if "conversion error" in text:
            raise _Conversion(text) from None
        row = _bad_row(path, len(header))
        raise _Malformed(
            f"row {row} of {file} is malformed, and the in-memory reader rejects it alone"
            if row is not None else  # no row of the wrong width: pyarrow's refusal alone
            f"{file} holds a row the streaming parser cannot read, and the in-memory reader "
            "names it") from None
    finally:
        stream.close()
    if count or not done:
        yield first, pa.Table.from_batches(pending, schema=reader.schema)


def file_digest(paths: list[str | Path]) -> Future:
    """sha256 of the files' bytes, in order, on a helper thread (the in-memory reader's
    ``data_hash``); ``.result()`` is the hex digest."""

    def work() -> str:
        hasher = hashlib.sha256()
        for p in paths:
            with open(p, "rb") as fh:
                _hash_file(hasher, fh)
        return hasher.hexdigest()

    return _POOL.submit(work)


_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slalang-stream-hash")
#: bytes read and hashed at a time, into one buffer (hashlib lets other threads run while it
#: hashes more than 2 KiB). Mapping the files instead, a 64 MiB window at a time, cost 0.66-0.69
#: s of CPU a GB against 0.58 s read into a buffer that stays in the CPU's cache (10m: 5.73 s
#: against 5.65 s, 11.0 against 10.86 s of CPU); a mapping of a whole file would also count
#: it in the process's resident size (2 GB at 10m) though it is the page cache's
_HASH_BLOCK = 1 << 20


def _hash_file(hasher, fh) -> None:
    """Feed a file's bytes to ``hasher``, read into one small buffer again and again (no
    fresh page per block, no copy of the whole file)."""
    block = bytearray(_HASH_BLOCK)
    with memoryview(block) as view:
        while got := fh.readinto(block):
            hasher.update(view[:got])


def _string_parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets as int64, n + 1 of them; the data bytes) of a string array."""
    bufs = arr.buffers()
    kind = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=kind)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(
        1, np.uint8)
    return offsets.astype(np.int64), data


def _hash_strings(arr: pa.Array) -> np.ndarray:
    """A 64-bit FNV-1a hash of each string (uint64), one vectorised pass per byte position."""
    offsets, data = _string_parts(arr)
    start, length = offsets[:-1], np.diff(offsets)
    h = np.full(len(arr), 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    live = np.arange(len(arr))
    for k in range(int(length.max()) if len(arr) else 0):
        live = live[length[live] > k]  # strings longer than k (usually all of them)
        h[live] = (h[live] ^ data[start[live] + k].astype(np.uint64)) * prime
    return h ^ length.astype(np.uint64)  # the length too: "a" and "a\0" differ


_PREFIX_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def _numbers(arr: pa.Array, prefix: bytes | None = None
             ) -> tuple[np.ndarray, np.ndarray, bytes] | None:
    """Ids made of one common ``prefix`` and a decimal number (``T1`` .. ``T10000000``):
    ``(numbers, digits, prefix)``, the number (int64; -1 for a null, an id of another shape or
    a number too long) and how many digits write it (``T01``: 1 and 2). The prefix is by
    default the letters that open the first id; None when there is no id to take it from."""
    offsets, data = _string_parts(arr)
    start, length = offsets[:-1], np.diff(offsets)
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if prefix is None:
        rows = np.flatnonzero(valid & (length > 0))
        if not len(rows):
            return None
        first = int(rows[0])
        head = bytes(data[start[first]:start[first] + length[first]])
        prefix = head[:len(head) - len(head.lstrip(_PREFIX_BYTES))]
    p = len(prefix)
    fixed = _fixed_width(data, start, length, valid, prefix)
    if fixed is not None:
        return fixed
    tail = length - p
    ok = valid & (tail >= 1) & (tail <= 18)
    for k, byte in enumerate(prefix):
        live = np.flatnonzero(ok)
        ok[live] = data[start[live] + k] == byte
    numbers = np.zeros(len(arr), dtype=np.int64)
    live = np.flatnonzero(ok)
    for k in range(int(tail[live].max()) if len(live) else 0):
        live = live[tail[live] > k]
        digit = data[start[live] + p + k].astype(np.int64) - 48
        ok[live[(digit < 0) | (digit > 9)]] = False
        numbers[live] = numbers[live] * 10 + digit
    numbers[~ok] = -1
    return numbers, np.where(ok, tail, 0).astype(np.uint8), prefix


def _fixed_width(data: np.ndarray, start: np.ndarray, length: np.ndarray, valid: np.ndarray,
                 prefix: bytes) -> tuple[np.ndarray, np.ndarray, bytes] | None:
    """:func:`_numbers` for ids all of one width and none null (an export's usual ids,
    ``T0000001``): the bytes as a matrix, a column per position, instead of a gather per
    position; None for other ids."""
    n, p = len(start), len(prefix)
    if not n or not valid.all():
        return None
    width = int(length[0])
    if not 1 <= width - p <= 18 or (length != width).any():
        return None
    first = int(start[0])
    grid = data[first:first + n * width].reshape(n, width)
    ok = np.ones(n, dtype=bool)
    for k, byte in enumerate(prefix):
        ok &= grid[:, k] == byte
    numbers = _digits(grid[:, p:], strict=False)  # negative where a byte is not a digit
    assert numbers is not None  # 1 to 18 digits: checked above
    ok &= numbers >= 0
    numbers[~ok] = -1
    return numbers, np.where(ok, width - p, 0).astype(np.uint8), prefix


def id_numbers(ids: pa.Array) -> tuple[np.ndarray, np.ndarray, bytes] | None:
    """A piece of the id column (invisible characters stripped) as :class:`NumberedIds`
    takes it: ``(numbers, digits, prefix)``; None when an id is not of that shape."""
    parsed = _numbers(ids)
    if parsed is None or (parsed[0] < 0).any():
        return None
    return parsed


def _index_file(directory: str, name: str) -> str:
    """Where an index keeps its ``name`` array in ``directory`` (made there, or saved)."""
    return os.path.join(directory, f"index-{name}.npy")


def _lookup_array(directory: str | None, name: str, n: int, kind) -> np.ndarray:
    """An array of ``n`` for an index: in this process's memory, or a ``.npy`` file made in
    ``directory`` and memory-mapped (on the chunked engine's scratch in shared memory, the
    main process faults in none of its own pages for it, and the workers map the same file)."""
    if directory is None:
        return np.empty(n, dtype=kind)
    path = _index_file(directory, name)
    array = np.lib.format.open_memmap(path, mode="w+", dtype=kind, shape=(n,))
    # the file is sparse: a page written where the scratch's file system has no room left
    # killed the run with SIGBUS, no message (a nearly full /dev/shm). Its room is taken now,
    # or refused now with ENOSPC, which the scratch folder's owner says in words.
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):  # a file system without it
            del array
            raise OSError(exc.errno, exc.strerror, path) from None  # the file it was for
    finally:
        os.close(fd)
    return array


def _increasing(pieces: list[np.ndarray]) -> bool:
    """Whether the numbers, pieces in order, strictly increase throughout."""
    last = None
    for piece in pieces:
        if not len(piece):
            continue
        if (last is not None and piece[0] <= last) or not (piece[1:] > piece[:-1]).all():
            return False
        last = piece[-1]
    return True


class NumberedIds:
    """Ids of one shape, a common prefix and a number (``T0000001``, ``INC12345``), numbered
    densely: a table from number to row. An id is its prefix, number and count of digits, so
    the index keeps 9 bytes per ticket and never the strings. Same answers as
    :class:`~slalang.data.ids.IdIndex` (the first row wins).

    >>> index = NumberedIds.build([pa.array(["T1", "T2"]), pa.array(["T1", "T3"])])
    >>> index.first_occurrence().tolist(), index.lookup(pa.array(["T3", "T01", "X1"])).tolist()
    ([0, 1, 0, 3], [3, -1, -1])
    >>> NumberedIds.build([pa.array(["T1", "T01"])]) is None   # two ids, one number
    True
    """

    def __init__(self, prefix: bytes, low: int, table: np.ndarray, digits: np.ndarray,
                 first: np.ndarray | None) -> None:
        self.prefix, self._low, self._table, self._digits = prefix, low, table, digits
        self._first = first

    def save(self, directory: str) -> tuple[bytes, int, str, str]:
        """The index written into ``directory`` for other processes to :meth:`load` (its
        lookups only: the first occurrences stay here); an index built there
        (:meth:`from_numbers`) is only flushed."""
        files = []
        for name, array in (("table", self._table), ("digits", self._digits)):
            path = _index_file(directory, name)
            if isinstance(array, np.memmap) and array.filename == os.path.abspath(path):
                array.flush()
            else:
                np.save(path, array)
            files.append(path)
        return self.prefix, self._low, files[0], files[1]

    @classmethod
    def load(cls, files: tuple[bytes, int, str, str]) -> NumberedIds:
        """An index :meth:`save` wrote, for lookups."""
        prefix, low, table, digits = files
        # mapped, not read: the workers share the pages, none copies 50 MB of its own
        return cls(prefix, low, np.load(table, mmap_mode="r"), np.load(digits, mmap_mode="r"),
                   None)

    @classmethod
    def build(cls, columns: Iterator[pa.Array] | list[pa.Array]) -> NumberedIds | None:
        """From the id column in pieces; None when the ids are not all of this shape."""
        prefix, numbers, digits = None, [], []
        for column in columns:
            if not len(column):
                continue
            parsed = _numbers(column, prefix)
            if parsed is None or (parsed[0] < 0).any():
                return None
            numbers.append(parsed[0])
            digits.append(parsed[1])
            prefix = parsed[2]
        if prefix is None:
            return None
        return cls.from_numbers(prefix, numbers, digits)

    @classmethod
    def from_numbers(cls, prefix: bytes, numbers: list[np.ndarray], digits: list[np.ndarray],
                     directory: str | None = None) -> NumberedIds | None:
        """From the ids already parsed by :func:`id_numbers` (pieces in file order, one
        prefix); None when they are too sparse or two ids share a number. ``directory``: the
        lookup arrays are made as files there, memory-mapped (what :meth:`save` ships to
        other processes), not in this process's memory."""
        n = sum(len(p) for p in numbers)
        if not n:
            return None
        low = min(int(p.min()) for p in numbers if len(p))
        high = max(int(p.max()) for p in numbers if len(p))
        if high - low > 4 * n + 1024:
            return None
        # row numbers in 32 bits when they fit: half the memory (the index is shipped to the
        # chunked evaluation's worker processes)
        kind = np.int32 if n < 2**31 - 1 else np.int64
        table = _lookup_array(directory, "table", high - low + 1, kind)
        table.fill(-1)
        dig = _lookup_array(directory, "digits", n, np.uint8)
        np.concatenate(digits, out=dig)
        if _increasing(numbers):
            # ids in increasing order (an export sorted by id): no id repeats, every row is
            # its id's first; filled piece by piece, without one array of all the numbers
            at = 0
            for piece in numbers:
                table[piece - low] = np.arange(at, at + len(piece), dtype=kind)
                at += len(piece)
            numbers.clear()
            return cls(prefix, low, table, dig, None)
        num = np.concatenate(numbers)
        numbers.clear()  # the caller's pieces: the concatenation holds them now
        num -= low
        # written last row first, a slice at a time, so that the first row of a repeated id
        # wins without a second array of n row numbers
        step = 1 << 20
        for end in range(n, 0, -step):
            begin = max(end - step, 0)
            table[num[begin:end][::-1]] = np.arange(end - 1, begin - 1, -1, dtype=kind)
        first = table[num]
        del num
        if (dig[first] != dig).any():  # T1 and T01: two ids with one number
            return None
        return cls(prefix, low, table, dig, first)

    def first_occurrence(self) -> np.ndarray:
        """For each id, the index of the first row with the same id."""
        if self._first is None:  # no id repeats
            return np.arange(len(self._digits), dtype=np.int64)
        return self._first

    def repeated(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows repeating an earlier id, and the first row of each (without an array of
        every row when no id repeats)."""
        if self._first is None:
            none = np.zeros(0, dtype=np.int64)
            return none, none
        return repeated_rows(self._first)

    def lookup(self, query: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The index of the (first) ticket with each queried id, -1 when there is none."""
        if isinstance(query, pa.ChunkedArray):
            query = query.combine_chunks() if query.num_chunks != 1 else query.chunk(0)
        numbers, digits, _ = _numbers(query, self.prefix)  # type: ignore[misc]
        slot = numbers - self._low  # an id of another shape (-1) falls below: low >= 0
        inside = (slot >= 0) & (slot < len(self._table))
        if inside.all():  # the usual case: every event's ticket within the table's range
            cand = self._table[slot]
        else:
            cand = np.full(len(slot), -1, dtype=self._table.dtype)
            cand[inside] = self._table[slot[inside]]
        found = cand >= 0
        if found.all():
            hit = self._digits[cand] == digits
        else:
            hit = found & (self._digits[np.where(found, cand, 0)] == digits)
        return cand if hit.all() else np.where(hit, cand, -1)


class HashedIds:
    """Any ticket ids indexed once for many lookups (``pyarrow.compute.index_in`` would
    rebuild its hash table of all ids for every window of events): sorted 64-bit hashes,
    every hit verified against the id itself, so a hash collision cannot give a wrong answer.
    Same answers as :class:`~slalang.data.ids.IdIndex`: the first row wins, null ids match
    nothing.

    >>> index = HashedIds(pa.array(["b", "a", None, "b"]))
    >>> index.first_occurrence().tolist(), index.lookup(pa.array(["b", "c", None])).tolist()
    ([0, 1, -1, 0], [0, -1, -1])
    """

    def __init__(self, ids: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks() if ids.num_chunks != 1 else ids.chunk(0)
        self.ids = ids
        valid = np.flatnonzero(np.asarray(self.ids.is_valid().to_numpy(zero_copy_only=False)))
        hashes = _hash_strings(self.ids)[valid]
        order = np.argsort(hashes, kind="stable")
        self._order, self._sorted = valid[order], hashes[order]
        del hashes, order
        same = np.flatnonzero(self._sorted[1:] == self._sorted[:-1])
        # two different ids with one hash (about one chance in a million for ten million
        # ids): every lookup then goes through pyarrow, slower but exact
        self._collision = bool(len(same)) and not self._equal(self._order[same],
                                                              self._order[same + 1]).all()

    def _equal(self, a: np.ndarray | None, b: np.ndarray, query: pa.Array | None = None
               ) -> np.ndarray:
        left = self.ids.take(pa.array(a)) if query is None else query
        eq = pc.equal(left, self.ids.take(pa.array(b)))
        return np.asarray(pc.fill_null(eq, False).to_numpy(zero_copy_only=False), dtype=bool)

    def first_occurrence(self) -> np.ndarray:
        """For each id, the index of the first row with the same id (-1 for a null id)."""
        if self._collision:
            return IdIndex(self.ids).first_occurrence()
        first = np.full(len(self.ids), -1, dtype=np.int64)
        m = len(self._sorted)
        new_run = np.ones(m, dtype=bool)
        new_run[1:] = self._sorted[1:] != self._sorted[:-1]
        run_start = np.maximum.accumulate(np.where(new_run, np.arange(m), 0))
        first[self._order] = self._order[run_start]  # stable sort: a run starts at its first
        return first

    def lookup(self, query: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The index of the (first) ticket with each queried id, -1 when there is none."""
        if isinstance(query, pa.ChunkedArray):
            query = query.combine_chunks() if query.num_chunks != 1 else query.chunk(0)
        if self._collision or not len(self._sorted):
            found = pc.index_in(query, value_set=self.ids, skip_nulls=True)
            return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False),
                              dtype=np.int64)
        h = _hash_strings(query)
        by_hash = np.argsort(h)  # binary searches in order: several times faster
        pos = np.empty(len(h), dtype=np.int64)
        pos[by_hash] = np.searchsorted(self._sorted, h[by_hash])
        pos = np.minimum(pos, len(self._sorted) - 1)
        cand = self._order[pos]
        hit = (self._sorted[pos] == h) & self._equal(None, cand, query)
        return np.where(hit, cand, -1)


def repeated_rows(first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From each row's first occurrence (-1: a null id, never repeated): the rows repeating
    an earlier id, and the first row of each."""
    rows = np.flatnonzero((first >= 0) & (first != np.arange(len(first))))
    return rows, first[rows].astype(np.int64)


def id_index(path: str | Path) -> NumberedIds | HashedIds:
    """The index of the tickets file's ids (read as a stream of the id column)."""

    def columns() -> Iterator[pa.Array]:
        for _, table in csv_chunks(path, {}, 1 << 18, include=["id"]):
            yield strip_invisible(table.column("id"))[0]  # as assemble strips them
            release_memory()

    numbered = NumberedIds.build(columns())
    if numbered is not None:
        return numbered
    return HashedIds(pa.chunked_array(list(columns()), pa.string()))


class TicketChunks:
    """The tickets CSV as :class:`TicketTable` chunks of ``rows`` tickets, duplicate ids
    refused across chunks as :func:`~slalang.data.read_tickets` refuses them in one table."""

    def __init__(self, path: str | Path, rows: int) -> None:
        self.path, self.file, self.rows = path, str(path), rows
        self.text_instants = False
        #: rejections only a chunk with its events finds (a status event before creation)
        self.late_rejected: list[Rejection] = []
        head = _head(path)
        if is_blank(head):
            raise no_tickets(self.file, "the file is empty")
        if is_one_line(head):
            raise no_tickets(self.file, "only a header row")
        self.index: NumberedIds | HashedIds | None = id_index(path)
        first = self.index.first_occurrence()
        self.n = len(first)
        if not self.n:
            raise no_tickets(self.file, "only a header row")
        # rows repeating an earlier id; the first occurrence wins
        self.dup_rows, self.dup_first = repeated_rows(first)

    def drop_index(self) -> None:
        """Free the id index once the events are placed (the duplicates stay)."""
        self.index = None

    def _types(self) -> dict[str, pa.DataType]:
        types = {c: _DICT for c in CATEGORICAL_COLUMNS}
        if not self.text_instants:
            types.update({c: _INSTANT for c in INSTANT_COLUMNS})
        return types

    def raw(self) -> Iterator[tuple[int, RawTickets]]:
        """``(index of the first ticket, raw chunk)`` with repeated ids as problems."""
        for first_row, table in csv_chunks(self.path, self._types(), self.rows):
            start = first_row - 2
            raw = tickets_from_table(table, self.file, first_row)
            lo, hi = np.searchsorted(self.dup_rows, [start, start + raw.n])
            add_duplicates(raw, self.dup_rows[lo:hi] - start, self.dup_first[lo:hi])
            yield start, raw

    def tables(self, events: EventBlocks | None = None) -> Iterator[tuple[int, TicketTable]]:
        """``(index of the first ticket, table)`` per chunk, with its events when given."""
        for k, (start, raw) in enumerate(self.raw()):
            ev = events.read(k, start) if events is not None else RawEvents.empty()
            table = assemble(raw, ev)
            if events is not None:  # as read_tickets does, once the events are there
                table, added = refuse_early_events_listed(table)
                self.late_rejected += added
                table = derive_resolution(table)
            yield start, table
            release_memory()


def add_duplicates(raw: RawTickets, local: np.ndarray, first: np.ndarray) -> None:
    """Refuse a chunk's rows ``local`` (indices in the chunk) as repeating the ids first seen
    at the tickets ``first`` (indices in the file)."""
    if not len(local):
        return
    # the id as the whole read names it: its invisible characters stripped
    text = strip_invisible(raw.ids.take(pa.array(local)))[0].to_pylist()
    for i, t, f in zip(local.tolist(), text, first.tolist(), strict=True):
        if t:  # an empty id is refused as missing, not as repeated
            raw.problems.append((i, "id", f"duplicate ticket id {t!r} (first seen on row "
                                 f"{f + 2})"))


def release_memory() -> None:
    """Give the memory pyarrow's allocator keeps for reuse back to the system: between
    chunks it would otherwise stay counted in the process's resident size."""
    pa.default_memory_pool().release_unused()


#: one placed event: global ticket index, instant, status and priority codes, source row
EVENT_RECORD = np.dtype([("ticket", "<i8"), ("at", "<i8"), ("status", "<i4"),
                         ("priority", "<i4"), ("row", "<i8")])


class EventBlocks:
    """The events file sorted into one temporary file per chunk of tickets.

    Events are validated as the in-memory reader validates them (unknown ticket, missing or
    bad instant, neither status nor priority: refused, in ``rejected``); the rest are kept in
    file order within each chunk, so ties in time keep their input order.
    """

    def __init__(self, directory: str | Path, rows: int,
                 created: np.ndarray | None = None) -> None:
        self.directory, self.rows = Path(directory), rows
        #: each ticket's creation (NAT when refused), to find the tickets with an event
        #: before creation as the events are placed: ``early`` marks them
        self.created = created
        self.early = np.zeros(len(created) if created is not None else 0, dtype=bool)
        self.status_labels: list[str] = []
        self.priority_labels: list[str] = []
        self.rejected: list[Rejection] = []
        self.count = 0
        #: event ticket ids that carried invisible characters (stripped)
        self.invisible = 0

    def _path(self, block: int) -> Path:
        return self.directory / f"events-{block:06d}.bin"

    def place(self, path: str | Path, tickets: TicketChunks, text_instants: bool) -> None:
        """Read the events file in windows and append each event to its chunk's file."""
        types = {"status": _DICT, "priority": _DICT}
        if not text_instants:
            types["at"] = _INSTANT
        index = tickets.index
        if index is None:
            raise ValueError("the tickets' id index was dropped before the events were placed")
        for first_row, table in csv_chunks(path, types, self.rows):
            ids, cleaned = strip_invisible(table.column("ticket_id"))
            self.invisible += cleaned
            self.add(events_from_table(table, str(path), first_row), index.lookup(ids))
            release_memory()

    def add(self, events: RawEvents, owner: np.ndarray) -> None:
        rejected, records = event_records(events, owner, self.status_labels,
                                          self.priority_labels)
        self.rejected += rejected
        if self.created is not None and len(records):
            owners = records["ticket"]
            self.early[owners[records["at"] < self.created[owners]]] = True
        self.count += len(records)
        block = records["ticket"] // self.rows
        order = np.argsort(block, kind="stable")
        records, block = records[order], block[order]
        cuts = np.flatnonzero(np.diff(block)) + 1
        for part in np.split(records, cuts) if len(records) else ():
            with open(self._path(int(part["ticket"][0]) // self.rows), "ab") as fh:
                part.tofile(fh)

    def read(self, block: int, start: int) -> RawEvents:
        """The events of chunk ``block`` (tickets from ``start``), owners local to it."""
        path = self._path(block)
        records = np.fromfile(path, dtype=EVENT_RECORD) if path.exists() else np.zeros(
            0, dtype=EVENT_RECORD)
        if path.exists():
            os.unlink(path)  # read once: the disk is given back as the evaluation goes
        return raw_events(records, start, self.status_labels, self.priority_labels)


def raw_events(records: np.ndarray, start: int, status_labels: list[str],
               priority_labels: list[str]) -> RawEvents:
    """Placed event records (:data:`EVENT_RECORD`) as the events of the chunk whose first
    ticket is ``start``."""
    return RawEvents(
        file="", rows=records["row"].copy(), ticket=records["ticket"] - start,
        at=Parsed(records["at"].copy(), {}),
        status=_dictionary(records["status"], status_labels),
        priority=_dictionary(records["priority"], priority_labels))


def _codes(values, m: int, labels: list[str]) -> np.ndarray:
    """Codes of ``values`` in ``labels``, labels seen for the first time appended."""
    cat = categorical(values, m)
    remap = np.array(grow_labels(labels, cat.labels) + [-1], dtype=np.int32)
    return remap[cat.codes]


def grow_labels(labels: list[str], new: Sequence[str]) -> list[int]:
    """The index of each of ``new`` in ``labels``, a label seen for the first time appended
    (labels keep the order a sequential read first sees them in).

    >>> labels = ["open"]
    >>> grow_labels(labels, ["closed", "open"]), labels
    ([1, 0], ['open', 'closed'])
    """
    known = {x: i for i, x in enumerate(labels)}
    for x in new:
        if x not in known:
            known[x] = len(labels)
            labels.append(x)
    return [known[x] for x in new]


def checked_events(events: RawEvents, owner: np.ndarray, status_labels: list[str],
                   priority_labels: list[str]
                   ) -> tuple[list[Rejection], np.ndarray | None, np.ndarray, np.ndarray]:
    """Events validated as the in-memory reader validates them (unknown ticket, missing or
    bad instant, neither status nor priority; ``owner``: each event's ticket index, -1
    unknown): the rejections, the indices of the events kept (None: all of them), and every
    event's status and priority codes in the labels, which grow as new ones are seen."""
    m = len(events.rows)
    status = _codes(events.status, m, status_labels)
    prio = _codes(events.priority, m, priority_labels)
    # out of range is refused here, with the events file's row (the chunk's assembly would
    # refuse it too late, without the file)
    problems, ok = event_problems(events, owner, status, prio, ids=events.ticket)
    rejected = [Rejection(events.file, int(events.rows[j]), f, r)
                for j, f, r in sorted(problems)]
    return rejected, None if ok.all() else np.flatnonzero(ok), status, prio


def event_records(events: RawEvents, owner: np.ndarray, status_labels: list[str],
                  priority_labels: list[str]) -> tuple[list[Rejection], np.ndarray]:
    """:func:`checked_events`, the kept events as :data:`EVENT_RECORD` in file order."""
    rejected, keep, status, prio = checked_events(events, owner, status_labels,
                                                  priority_labels)
    keep = np.arange(len(owner)) if keep is None else keep
    records = np.empty(len(keep), dtype=EVENT_RECORD)
    records["ticket"] = owner[keep]
    records["at"] = events.at.values[keep]
    records["status"] = status[keep]
    records["priority"] = prio[keep]
    records["row"] = events.rows[keep]
    return rejected, records


def _dictionary(codes: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, type=pa.string()))


def rejection_order(tickets_file: str):
    """The order :func:`~slalang.data.read_tickets` gives rejections: the tickets file
    first, then by file and row."""
    return lambda r: (r.file != tickets_file, r.file, r.row)


@dataclass
class Prepared:
    """A CSV export ready to be read chunk by chunk: ``chunks.tables(blocks)`` gives each
    validated chunk with its events."""

    chunks: TicketChunks
    blocks: EventBlocks
    #: the rows refused so far (tickets and events), in the reader's order
    rejected: list[Rejection]
    #: the creation instants of the tickets the in-memory reader keeps (when asked)
    created: np.ndarray | None
    #: rows read: tickets and events, refused ones included
    rows_read: int = 0

    def input_counts(self, evaluated: int, invisible: int, notes: dict) -> InputCounts:
        """The input in numbers once every chunk was read: ``evaluated`` tickets kept,
        ``invisible`` ids cleaned in the tickets (the events' are the blocks'), the chunks'
        ``notes`` gathered."""
        chunks, blocks = self.chunks, self.blocks
        return InputCounts(chunks.file, "ticket", chunks.n, evaluated, chunks.n - evaluated,
                           (), invisible + blocks.invisible, None, notes,
                           blocks.count + len(blocks.rejected))


def prepare_chunks(tickets: str | Path, events: str | Path | None, rows: int,
                   directory: str | Path, keep_created: bool = False,
                   max_errors: int | None = None, progress=None) -> Prepared:
    """Passes 1 to 3 of a chunked read (docs/evaluation/scale.md): the ids, every chunk
    validated (the rejections; the creation instants when ``keep_created``), the events
    sorted into one file per chunk under ``directory``. ``progress("read", tickets done,
    tickets)`` is called as the chunks pass."""
    from slalang.data.counts import all_rejected
    from slalang.data.read import check_errors

    chunks = TicketChunks(tickets, rows)
    # without a period, every kept ticket's creation, to infer it once the events have
    # refused the tickets with an event before creation (8 bytes a ticket, only then)
    created = np.full(chunks.n, NAT, dtype=np.int64) if keep_created else None
    ingest: list[Rejection] = []
    for attempt in (0, 1):
        try:
            ingest = []
            kept = 0
            for start, table in chunks.tables():
                ingest += table.rejected
                kept += table.n
                if progress is not None:
                    progress("read", start + table.n, chunks.n)
                if created is not None and table.n:
                    created[np.asarray(table.source_row) - 2] = table.created_at
            break
        except _Conversion:
            if attempt:
                raise
            chunks.text_instants = True  # as read_tickets: instants as text, errors per row
    blocks = EventBlocks(directory, rows, created)
    if events is not None:
        try:
            blocks.place(events, chunks, chunks.text_instants)
        except _Conversion:
            blocks = EventBlocks(directory, rows, created)
            for leftover in Path(directory).iterdir():
                leftover.unlink()
            blocks.place(events, chunks, True)
    chunks.drop_index()
    ingest = sorted(ingest + blocks.rejected, key=rejection_order(str(tickets)))
    rows_read = chunks.n + blocks.count + len(blocks.rejected)
    check_errors(ingest, max_errors, rows_read, so_far=True)  # the late ones to come
    if not kept:  # as read_tickets: nothing to measure is an error, never a green run
        raise all_rejected(str(tickets), chunks.n, ingest)
    kept_created = created[(created != NAT) & ~blocks.early] if created is not None else None
    return Prepared(chunks, blocks, ingest, kept_created, rows_read)
