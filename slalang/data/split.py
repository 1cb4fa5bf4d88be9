"""Reading a plain CSV export in parallel: byte ranges parsed by worker processes.

The sequential chunked reader (:mod:`slalang.data.stream`) parses every file in the main
process, the tickets twice, while the workers only evaluate: on two cores the main process
is the bottleneck. Here each file is cut into byte ranges at line starts and every range is
parsed once, by whichever worker is free (docs/evaluation/scale.md):

* a range of tickets is parsed into its typed table, kept in an Arrow IPC file (a
  *segment*, read back memory-mapped, never parsed again) and validated (every check but
  the repeated id, which spans segments and is settled once all ids are indexed), and its
  ids come back as numbers (``T0000001``) for the id index; a chunk of tickets is carved
  from the segments by row number, so a chunk holds exactly ``chunk_rows`` tickets whatever
  the ranges;
* a range of events is parsed, each event validated and looked up in the tickets' id index,
  and the kept ones written to one binary file sorted by chunk of tickets, with the offset
  of each chunk's events in it; a chunk's events are its slices of every range's file, in
  range order, so they keep their file order.

A range does not know how many rows come before it: its rows are numbered from 2 while it is
read, and shifted once every range has been counted (pyarrow skips empty lines, so counting
line breaks would not give the reader's numbers).

A worker keeps the memory a range freed for its next range: giving Arrow's pool back to the
system after each one (as the sequential reader does between its chunks) made every range
fault its 50 MB in anew, 7 GB of fresh pages in a 10m run (10.1-10.4 s against 7.3-7.7 s, the
same peak resident size).

A cut is made after a line break; a quoted value holding a line break would put a cut
inside it. A range whose quotes do not pair up at every line break raises
:class:`NoSplit`, and the sequential reader reads the file instead.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from slalang.data.build import RawEvents, RawTickets, assemble
from slalang.data.canonical import events_from_table, instants_from_table, tickets_from_table
from slalang.data.instants import Parsed
from slalang.data.invisible import strip_invisible
from slalang.data.segment_types import BASE, fits, narrowed, widened
from slalang.data.source import has_byte, is_utf8_error
from slalang.data.stream import (
    _DICT,
    _INSTANT,
    HashedIds,
    NumberedIds,
    _header,
    add_duplicates,
    checked_events,
    grow_labels,
    id_numbers,
)
from slalang.data.table import (
    CATEGORICAL_COLUMNS,
    INSTANT_COLUMNS,
    NAT,
    Categorical,
    Rejection,
    TicketTable,
)

#: bytes of tickets parsed as one segment (about 80,000 tickets of the benchmark's shape)
SEGMENT_BYTES = 8 << 20
#: bytes of events parsed as one range
EVENT_RANGE_BYTES = 16 << 20
#: the least block pyarrow parses at once. A range is parsed as one block whatever its
#: length (a range ends at the end of a line, which can be longer than the target): its
#: rows never straddle two blocks, and a segment's dictionaries are one, as an Arrow IPC
#: file requires (two blocks gave "Dictionary replacement detected")
BLOCK_BYTES = 1 << 24


class NoSplit(Exception):
    """The file cannot be cut at line breaks: a quoted value holds one."""


class RangeError(Exception):
    """pyarrow refused a range: ``kind`` is ``utf8``, ``conversion`` or ``malformed`` (the
    main process turns it into the error the sequential reader gives)."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(kind, text)
        self.kind, self.text = kind, text


@dataclass(frozen=True)
class Layout:
    """A CSV file cut into byte ranges at line starts (the header line excluded)."""

    path: str
    names: list[str]
    ranges: list[tuple[int, int]]


def layout(path: str | Path, target: int) -> Layout:
    """The file's header and its rows cut into ranges of about ``target`` bytes."""
    names = _header(path)
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head_end = _line_end(fh, 0, size)
        fh.seek(0)
        if fh.read(head_end).count(b'"') % 2:
            raise NoSplit("a line break inside a quoted header")
        cuts = [head_end]
        while cuts[-1] + target < size:
            cut = _line_end(fh, cuts[-1] + target, size)
            if cut >= size:
                break
            cuts.append(cut)
    cuts.append(size)
    pairs = zip(cuts[:-1], cuts[1:], strict=True)
    return Layout(str(path), names, [(a, b) for a, b in pairs if b > a])


def _line_end(fh, pos: int, size: int) -> int:
    """The offset just after the first line break at or after ``pos`` (``size`` if none)."""
    fh.seek(pos)
    while pos < size:
        block = fh.read(1 << 16)
        if not block:
            break
        at = block.find(b"\n")
        if at >= 0:
            return pos + at + 1
        pos += len(block)
    return size


def _quotes_pair(data: pa.Buffer | bytes) -> bool:
    """Whether every line break of ``data`` (which starts at a row's start) lies outside
    quotes, and the quotes close by its end."""
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(raw == 34)
    if len(quotes) % 2:
        return False
    breaks = np.flatnonzero(raw == 10)
    return not (np.searchsorted(quotes, breaks) % 2).any()


_BOM = "\ufeff".encode()


def read_range(path: str, start: int, end: int, names: list[str],
               types: dict[str, pa.DataType]) -> pa.Table:
    """Rows ``start:end`` (bytes) of a CSV file as a table, as
    :func:`~slalang.data.stream.csv_chunks` reads them (columns not in ``types`` strings, an
    empty value null), on this thread alone (the workers are the parallelism)."""
    # the range memory-mapped, not read into a fresh buffer: no copy of it (the 10m run's
    # wall time did not move, its CPU is elsewhere; a copy less all the same)
    data = pa.memory_map(path).read_at(end - start, start)  # the map lives with the buffer
    if start and bytes(data[:3]) == _BOM:
        # pyarrow drops a byte-order mark at the start of its input, where the sequential
        # reader keeps it in the row's first value (an id with an invisible character, said
        # so and stripped): the line break before the range is read with it (an empty line,
        # which the parser skips), so the mark is not at the start any more
        data = pa.memory_map(path).read_at(end - start + 1, start - 1)
    if has_byte(data, ord('"')) and not _quotes_pair(data):
        raise NoSplit(f"a line break inside a quoted value of {path}")
    convert = pacsv.ConvertOptions(
        column_types={n: types.get(n, pa.string()) for n in names}, null_values=[""],
        strings_can_be_null=True, quoted_strings_can_be_null=True)
    block = max(BLOCK_BYTES, end - start + 1)  # the range in one block
    try:
        return pacsv.read_csv(pa.BufferReader(data), read_options=pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=block), convert_options=convert)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        kind = ("utf8" if is_utf8_error(text) else "conversion" if "conversion error" in text
                else "malformed")
        raise RangeError(kind, text) from None


def ticket_types(text_instants: bool) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {c: _DICT for c in CATEGORICAL_COLUMNS}
    if not text_instants:
        types.update({c: _INSTANT for c in INSTANT_COLUMNS})
    return types


# -- tickets: segments ----------------------------------------------------------------------

@dataclass
class Segment:
    """A range of tickets read: its IPC file, its rows, its ids as numbers (None when they
    are not all of that shape), and the rows it refuses on its own (every check but the
    repeated id, which spans segments: rows numbered from 2 in the segment)."""

    path: str
    rows: int
    numbers: tuple[np.ndarray, np.ndarray, bytes] | None
    rejected: list[Rejection] = dataclasses.field(default_factory=list)
    #: the first ticket's index in the file (set once every segment is counted)
    first: int = 0
    #: the first and last creation among the rows it keeps (NAT, NAT: none): a guess of
    #: the default period, before repeated ids and early events refuse more
    span: tuple[int, int] = (NAT, NAT)


#: the ticket columns without which no row can be validated (the caller names the missing)
REQUIRED = ("id", "customer", "created_at")


def read_segment(path: str, start: int, end: int, names: list[str], text_instants: bool,
                 out: str) -> Segment:
    """Parse a range of tickets, keep its table in ``out`` (Arrow IPC), validate its rows,
    return its ids' numbers (or the range's error: the caller chooses among the ranges'
    errors)."""
    try:
        table = read_range(path, start, end, names, ticket_types(text_instants))
    except (RangeError, NoSplit) as exc:
        return exc  # type: ignore[return-value]
    stored = narrowed(table)
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, stored.schema) as writer:
        writer.write_table(stored)
    del stored
    numbers = None
    if table.num_rows and "id" in names:
        ids = strip_invisible(table.column("id"))[0]  # as the index strips them
        numbers = id_numbers(ids)
    rejected: list[Rejection] = []
    span = (NAT, NAT)
    if table.num_rows and all(c in names for c in REQUIRED):
        # repeated ids are settled once every segment's ids are indexed
        kept = assemble(tickets_from_table(table, path), RawEvents.empty(),
                        repeats_known=True)
        rejected = kept.rejected
        if kept.n:
            span = (int(kept.created_at.min()), int(kept.created_at.max()))
    return Segment(out, table.num_rows, numbers, rejected, span=span)


def ticket_rejections(file: str, segments: list[Segment], dup_rows: np.ndarray,
                      dup_first: np.ndarray) -> list[Rejection]:
    """Every ticket row refused, numbered in the file: the segments' own rejections, and a
    repeated id's, which comes first (the sequential reader checks it before anything
    else): it replaces whatever the segment found on that row. As there, an empty id is
    refused as missing, not as repeated."""
    repeated: dict[int, Rejection] = {}
    for s in segments:
        lo, hi = np.searchsorted(dup_rows, [s.first, s.first + s.rows])
        if hi == lo:
            continue
        local = dup_rows[lo:hi] - s.first
        # the id as the whole read names it: its invisible characters stripped
        text = strip_invisible(_read_ipc(s.path).column("id").take(pa.array(local)))[0]
        text = text.to_pylist()
        for g, t, f in zip(dup_rows[lo:hi].tolist(), text, dup_first[lo:hi].tolist(),
                           strict=True):
            if t:
                repeated[g] = Rejection(file, g + 2, "id", f"duplicate ticket id {t!r} "
                                        f"(first seen on row {f + 2})")
    out = [dataclasses.replace(r, row=r.row + s.first) for s in segments for r in s.rejected
           if r.row - 2 + s.first not in repeated]
    return out + list(repeated.values())


def segment_index(segments: list[Segment], directory: str | None = None
                  ) -> NumberedIds | HashedIds:
    """The id index of the tickets read as segments (numbers when every id is of one shape,
    else hashes of the ids read back from the segments); ``directory``: a numbered index is
    made there as files, to ship to the workers (:meth:`NumberedIds.save`)."""
    parts = [s.numbers for s in segments if s.rows]
    for s in segments:
        s.numbers = None  # held by ``parts`` until the index holds them
    if parts and all(p is not None for p in parts) and len({p[2] for p in parts}) == 1:
        numbered = NumberedIds.from_numbers(parts[0][2], [p[0] for p in parts],
                                            [p[1] for p in parts], directory)
        if numbered is not None:
            return numbered
    columns = [strip_invisible(_read_ipc(s.path).column("id"))[0] for s in segments]
    return HashedIds(pa.chunked_array(columns, pa.string()))


def _read_ipc(path: str) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


@dataclass(frozen=True)
class TicketSlice:
    """Where one chunk of tickets lies in the segments, and its repeated ids."""

    file: str
    #: index of the chunk's first ticket in the file
    start: int
    #: (segment file, first row in it, rows)
    parts: tuple[tuple[str, int, int], ...]
    #: the chunk's rows (indices in the chunk) repeating an earlier id, and the first rows
    dup_rows: np.ndarray
    dup_first: np.ndarray


def ticket_slices(file: str, segments: list[Segment], rows: int, dup_rows: np.ndarray,
                  dup_first: np.ndarray) -> list[TicketSlice]:
    """The chunks of ``rows`` tickets, each as its slices of the segments."""
    n = sum(s.rows for s in segments)
    first = 0
    for s in segments:
        s.first, first = first, first + s.rows
    out = []
    for start in range(0, n, rows):
        end = min(start + rows, n)
        parts = tuple((s.path, max(start - s.first, 0), min(end, s.first + s.rows)
                       - max(start, s.first))
                      for s in segments if s.rows and s.first < end and s.first + s.rows > start)
        lo, hi = np.searchsorted(dup_rows, [start, end])
        out.append(TicketSlice(file, start, parts, dup_rows[lo:hi] - start, dup_first[lo:hi]))
    return out


def chunk_tickets(chunk: TicketSlice) -> RawTickets:
    """A chunk's tickets as :class:`RawTickets`, repeated ids refused (as
    :meth:`~slalang.data.stream.TicketChunks.raw` gives them)."""
    tables = [widened(_read_ipc(path).slice(lo, length)) for path, lo, length in chunk.parts]
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    raw = tickets_from_table(table, chunk.file, chunk.start + 2)
    add_duplicates(raw, chunk.dup_rows, chunk.dup_first)
    return raw


# -- events: ranges placed per chunk --------------------------------------------------------

@dataclass
class EventRange:
    """A range of events read and placed: its file of records sorted by chunk and the
    offsets of each chunk's records in it, its rejections (rows local to the range), the
    labels its codes refer to, and what the input counts need."""

    path: str
    rows: int
    offsets: np.ndarray
    rejected: list[Rejection]
    status_labels: list[str]
    priority_labels: list[str]
    invisible: int
    #: the rows before this range (set once every range is counted)
    shift: int = 0
    #: its records are :data:`NARROW_PLACED` (else :data:`PLACED`)
    narrow: bool = False


#: an index shipped to worker processes as files (:meth:`NumberedIds.save`): (prefix, low,
#: table .npy, digits .npy)
IndexFiles = tuple[bytes, int, str, str]
_index_cache: dict[IndexFiles, NumberedIds] = {}


def _index(ref: NumberedIds | HashedIds | IndexFiles) -> NumberedIds | HashedIds:
    if not isinstance(ref, tuple):
        return ref
    if ref not in _index_cache:  # loaded once per worker process
        _index_cache.clear()
        _index_cache[ref] = NumberedIds.load(ref)
    return _index_cache[ref]


def drop_index() -> None:
    """Forget the index loaded in this process (the events are placed)."""
    _index_cache.clear()


def place_range(path: str, start: int, end: int, names: list[str], text_instants: bool,
                index: NumberedIds | HashedIds | IndexFiles, rows: int, chunks: int,
                out: str) -> EventRange:
    """Parse a range of events, validate them, and write the kept ones to ``out`` sorted by
    their chunk of ``rows`` tickets (``chunks`` chunks)."""
    types = {"status": _DICT, "priority": _DICT}
    if not text_instants:
        types["at"] = _INSTANT
    try:
        table = read_range(path, start, end, names, types)
    except (RangeError, NoSplit) as exc:
        return exc  # type: ignore[return-value]
    n = table.num_rows
    ids, cleaned = strip_invisible(table.column("ticket_id"))
    events = events_from_table(table, path)
    status: list[str] = []
    priority: list[str] = []
    owner = _index(index).lookup(ids)
    rejected, keep, status_codes, priority_codes = checked_events(events, owner, status,
                                                                  priority)
    at = events.at.values
    del table, ids, events
    if max(len(status), len(priority)) > 1 << 15:  # codes in 16 bits (-1: none)
        return NoSplit("more than 32,768 statuses or priorities in a range")  # type: ignore
    if keep is not None:  # some refused
        owner = owner[keep]
    block = owner // rows
    # stable, by chunk (a radix sort when the chunks' numbers fit 16 bits): each kept event
    # is gathered once, straight into its place
    order = np.argsort(block.astype(np.uint16) if chunks <= 1 << 16 else block, kind="stable")
    where = order if keep is None else keep[order]
    kept_at = at[where]
    # the instants as 32-bit seconds from a base when all of the range's fit (12-byte
    # records: a quarter less shared memory written and read), else as they are
    narrow = not len(kept_at) or fits(int(kept_at.min()), int(kept_at.max()))
    placed = np.empty(len(order), dtype=NARROW_PLACED if narrow else PLACED)
    placed["ticket"] = (owner - block * rows)[order]
    placed["at"] = kept_at - BASE if narrow else kept_at
    placed["status"] = status_codes[where]
    placed["priority"] = priority_codes[where]
    offsets = np.zeros(chunks + 1, dtype=np.int64)
    np.cumsum(np.bincount(block, minlength=chunks), out=offsets[1:])
    placed.tofile(out)
    return EventRange(out, n, offsets, rejected, status, priority, cleaned, narrow=narrow)


def label_maps(ranges: list[EventRange]) -> tuple[list[str], list[str], list[tuple]]:
    """The labels of every range in first-seen order (as a sequential read sees them), and
    for each range the arrays mapping its codes to those (code -1 stays -1; None when the
    range's codes are the file's)."""
    status: list[str] = []
    priority: list[str] = []
    maps = []
    for r in ranges:
        pair = []
        for local, labels in ((r.status_labels, status), (r.priority_labels, priority)):
            codes = grow_labels(labels, local)
            # None when the codes are the file's already (the usual case): nothing to map
            pair.append(None if codes == list(range(len(codes))) else
                        np.array(codes + [-1], dtype=np.int32))
        maps.append(tuple(pair))
    return status, priority, maps


@dataclass(frozen=True)
class EventSlice:
    """Where one chunk's events lie: (file, first record, records, status map, priority
    map, whether the records are narrow) per range, and the labels the maps lead to."""

    parts: tuple[tuple[str, int, int, np.ndarray | None, np.ndarray | None, bool], ...]
    status_labels: list[str]
    priority_labels: list[str]


def event_slices(ranges: list[EventRange], chunks: int) -> list[EventSlice]:
    """Each chunk's events as slices of the ranges' files."""
    status, priority, maps = label_maps(ranges)
    out = []
    for k in range(chunks):
        parts = tuple((r.path, int(r.offsets[k]), int(r.offsets[k + 1] - r.offsets[k]),
                       m[0], m[1], r.narrow)
                      for r, m in zip(ranges, maps, strict=True)
                      if r.offsets[k + 1] > r.offsets[k])
        out.append(EventSlice(parts, status, priority))
    return out


#: an event placed by :func:`place_range`: its ticket's index in the chunk, its instant,
#: codes in the range's labels (16 bytes, 12 in :data:`NARROW_PLACED`: the files are written
#: and read once each). No row: every event to refuse is refused as its range is read, with
#: its row; a placed event is never refused
PLACED = np.dtype([("ticket", "<i4"), ("status", "<i2"), ("priority", "<i2"),
                   ("at", "<i8")])
#: the same with the instant as int32 seconds from :data:`BASE` (a range whose instants all
#: fit: 1952 to 2088), 12 bytes
NARROW_PLACED = np.dtype([("ticket", "<i4"), ("status", "<i2"), ("priority", "<i2"),
                          ("at", "<i4")])


def chunk_records(chunk: EventSlice | None) -> np.ndarray:
    """A chunk's events in file order (:data:`PLACED`, codes the ranges' own), read from each
    range's file into one array: a chunk has a slice of every range (68 at 10m), and mapping
    each slice cost 30 us, reading it a few (a hundred chunks, two passes)."""
    if chunk is None or not chunk.parts:
        return np.zeros(0, dtype=PLACED)
    out = np.empty(sum(count for _, _, count, *_ in chunk.parts), dtype=PLACED)
    at = 0
    for path, first, count, *_, narrow in chunk.parts:
        kind = NARROW_PLACED if narrow else PLACED
        into = np.empty(count, dtype=kind) if narrow else out[at:at + count]
        size = count * kind.itemsize
        fd = os.open(path, os.O_RDONLY)
        try:
            got = os.preadv(fd, [into.view(np.uint8)], first * kind.itemsize)
        finally:
            os.close(fd)
        if got != size:
            raise OSError(f"{path}: {got} bytes read of {size} (the file was cut short)")
        if narrow:
            place = out[at:at + count]
            for name in ("ticket", "status", "priority"):
                place[name] = into[name]
            place["at"] = into["at"]
            place["at"] += BASE
        at += count
    return out


def chunk_events(chunk: EventSlice | None, start: int) -> RawEvents:
    """A chunk's events as :class:`RawEvents` (owners local to the chunk, codes the file's;
    rows -1: a placed event is never refused, see :data:`PLACED`)."""
    if chunk is None:
        return RawEvents.empty()
    records = chunk_records(chunk)
    status = records["status"].astype(np.int32)
    priority = records["priority"].astype(np.int32)
    at = 0
    for _, _, count, smap, pmap, _ in chunk.parts:
        part = slice(at, at + count)
        if smap is not None:
            status[part] = smap[status[part]]
        if pmap is not None:
            priority[part] = pmap[priority[part]]
        at += count
    rows = np.full(len(records), -1, dtype=np.int64)
    return RawEvents(file="", rows=rows, ticket=records["ticket"].astype(np.int64),
                     at=Parsed(records["at"].copy(), {}),
                     status=Categorical(status, tuple(chunk.status_labels)),
                     priority=Categorical(priority, tuple(chunk.priority_labels)))


# -- the default period ---------------------------------------------------------------------

def chunk_span(tickets: TicketSlice, events: EventSlice | None, refused: np.ndarray
               ) -> tuple[int, int]:
    """The first and last creation among a chunk's kept tickets (``refused``: indices in the
    chunk of the others), tickets with an event before their creation left out, as the
    in-memory reader keeps them: what the default period is inferred from. (NAT, NAT) when
    none is kept."""
    tables = [widened(_read_ipc(path).select(["created_at"]).slice(lo, length))
              for path, lo, length in tickets.parts]
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    created = instants_from_table(table, ("created_at",))["created_at"].values
    keep = np.ones(len(created), dtype=bool)
    keep[refused] = False
    records = chunk_records(events)
    owner = records["ticket"]
    keep[owner[records["at"] < created[owner]]] = False
    if not keep.any():
        return NAT, NAT
    kept = created[keep]
    return int(kept.min()), int(kept.max())


def chunk_table(tickets: TicketSlice, events: EventSlice | None
                ) -> tuple[TicketTable, list[Rejection]]:
    """A chunk assembled as the sequential reader assembles it, its tickets with a status
    event before their creation refused (found once the chunk has its events), and those
    refusals."""
    from slalang.data.checks import refuse_early_events_listed

    return refuse_early_events_listed(assemble(chunk_tickets(tickets),
                                               chunk_events(events, tickets.start),
                                               repeats_known=True))


def early_rejections(tickets: TicketSlice, events: EventSlice | None) -> list[Rejection]:
    """A chunk's tickets refused for a status event before their creation."""
    return chunk_table(tickets, events)[1]


def shifted(rejected: list[Rejection], shift: int) -> list[Rejection]:
    """Rejections numbered in a range, numbered in the file."""
    return [dataclasses.replace(r, row=r.row + shift) for r in rejected] if shift else rejected
