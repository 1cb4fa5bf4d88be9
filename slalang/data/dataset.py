"""A partitioned ticket dataset: the input of distributed evaluation (``slalang convert``).

A directory holding ``slalang-dataset.json`` and Parquet files ``part-00000.parquet``, ...
Each partition is a run of consecutive tickets of the export, already validated, one row per
ticket with its status events nested (``events: list<struct<at, status, priority>>``), so a
partition is evaluated alone: no event lives in another file. Partitions follow the export's
order; tickets keep their source row, and the manifest keeps what belongs to the whole input
(the rows refused while converting, the input files' hash, the creation range), so a dataset
evaluated partition by partition gives the bytes the export evaluated in memory gives.

Columns: ``id`` (string); ``customer``, ``tier``, ``priority``, ``category``, ``service``
(dictionary strings, null when absent); ``created_at``, ``first_response_at``,
``resolved_at``, ``closed_at`` (int64 epoch seconds, null when absent); ``source_row``
(int64); ``events`` (list of ``at`` int64, ``status`` and ``priority`` strings, null when the
event does not change that field); extra fields as ``extra.<name>`` strings.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from slalang.data.counts import InputCounts
from slalang.data.table import (
    CATEGORICAL_COLUMNS,
    INSTANT_COLUMNS,
    NAT,
    Categorical,
    Ignored,
    Rejection,
    TicketTable,
)
from slalang.errors import DataError

MANIFEST = "slalang-dataset.json"
FORMAT = "slalang-tickets"
#: 2: each partition's rows and bytes, and the manifest's own checksum
VERSION = 2
#: tickets per partition by default: a partition is a task of a few seconds
DEFAULT_PARTITION_ROWS = 250_000
_EXTRA = "extra."


def is_dataset(path: str | Path) -> bool:
    """Whether ``path`` is a dataset directory (it holds a manifest)."""
    return Path(path).is_dir() and (Path(path) / MANIFEST).is_file()


@dataclass(frozen=True)
class Manifest:
    """What the dataset's partitions share."""

    directory: str
    #: the export the dataset was made from (rejections and invalid tickets name it)
    source: str
    partitions: tuple[str, ...]
    tickets: int
    #: the input files' sha256, as the in-memory reader computes it
    data_hash: str
    #: the rows refused while converting, in the reader's order
    rejected: tuple[Rejection, ...]
    #: the earliest and latest creation instant of the tickets kept (NAT: none)
    created_min: int
    created_max: int
    #: what the reading did with the export, in numbers (as read_tickets counts it)
    input: InputCounts | None = None
    #: each partition's tickets and file size, as written (a partition that is not the file
    #: written is refused by name: :func:`check_partition`)
    partition_rows: tuple[int, ...] = ()
    partition_bytes: tuple[int, ...] = ()
    #: the text of the export's rejected ticket rows (row -> line), so that ``explain``
    #: finds the row of a ticket it cannot find without the export, which may be gone
    rejected_lines: dict[int, str] = dataclasses.field(default_factory=dict)

    def paths(self) -> list[str]:
        return [str(Path(self.directory) / p) for p in self.partitions]

    def files(self) -> list[PartitionFile]:
        """Each partition's path with what it must hold."""
        return [PartitionFile(p, r, b) for p, r, b in zip(
            self.paths(), self.partition_rows, self.partition_bytes, strict=True)]


@dataclass(frozen=True)
class PartitionFile:
    """A partition's file and what the manifest says it holds: its tickets and its size.
    Table formats keep the same in their manifests (Iceberg's ``record_count`` and
    ``file_size_in_bytes``): a file replaced, truncated or copied over another is found
    before its rows are counted twice or not at all."""

    path: str
    rows: int
    size: int

    def __str__(self) -> str:
        return self.path


def _damaged(what: str, file: Path) -> DataError:
    return DataError(f"{what}: the dataset is damaged; convert the export again",
                     file=str(file))


def manifest_check(doc: dict) -> str:
    """The manifest's checksum: the sha256 of its content but the checksum, keys sorted, so a
    hand edit (a partition dropped or listed twice, a creation range changed) is found
    before it changes an answer."""
    import hashlib

    body = {k: v for k, v in doc.items() if k != "check"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def read_manifest(path: str | Path) -> Manifest:
    """The manifest of the dataset at ``path`` (DataError when it is not one, or when it is
    not as ``slalang convert`` wrote it)."""
    file = Path(path) / MANIFEST
    if not Path(path).exists():
        raise DataError("no such file or directory", file=str(path))
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"not a slalang dataset ({exc})", file=str(file)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(f"not a {FORMAT} dataset", file=str(file))
    if doc.get("version") != VERSION:
        older = isinstance(doc.get("version"), int) and doc["version"] < VERSION
        which = ("written by an older slalang" if older else
                 "not a version this slalang reads")
        raise DataError(f"a {FORMAT} dataset of version {doc.get('version')!r}, {which} (it "
                        f"reads version {VERSION}): convert the export again", file=str(file))
    missing = [k for k in ("source", "partitions", "tickets", "data_hash", "rejected",
                           "created_min", "created_max", "partition_rows", "partition_bytes",
                           "check") if k not in doc]
    if missing:
        raise _damaged(f"the manifest lacks {', '.join(map(repr, missing))}", file)
    parts = doc["partitions"]
    if not isinstance(parts, list):
        raise _damaged("the manifest's partitions are not a list", file)
    for part in parts:
        # a partition is a file of the dataset's folder: a manifest naming another path
        # (../../etc/passwd, /data/x.parquet) would have the run read a file outside it
        if not isinstance(part, str) or part != Path(part).name or part in ("", ".", ".."):
            raise DataError(f"the manifest names a partition outside the dataset: {part!r}",
                            file=str(file))
    if not parts:
        raise _damaged("the manifest lists no partition (a dataset holds at least one "
                       "ticket)", file)
    if len(set(parts)) != len(parts):
        raise _damaged("the manifest lists a partition twice", file)
    if doc["check"] != manifest_check(doc):
        raise _damaged("the manifest is not as `slalang convert` wrote it (its checksum "
                       "does not match: it was edited)", file)
    try:
        return _manifest(str(path), doc)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        # a checksum made anew over a manifest edited by hand
        raise _damaged(f"the manifest cannot be read ({type(exc).__name__}: {exc})",
                       file) from None


def _manifest(directory: str, doc: dict) -> Manifest:
    counts = doc.get("input")
    if counts is not None:
        counts = InputCounts(**{**counts, "ignored": tuple(Ignored(**i) for i in counts["ignored"]),
                                "notes": {k: (n, tuple(ids)) for k, (n, ids)
                                          in counts["notes"].items()}})
    rows = tuple(_count(r) for r in doc["partition_rows"])
    sizes = tuple(_count(b) for b in doc["partition_bytes"])
    m = Manifest(directory, str(doc["source"]), tuple(doc["partitions"]), _count(doc["tickets"]),
                 str(doc["data_hash"]), tuple(Rejection(*r) for r in doc["rejected"]),
                 _instant(doc["created_min"]), _instant(doc["created_max"]), counts, rows,
                 sizes)
    lines = doc.get("rejected_lines", {})
    if not isinstance(lines, dict):
        raise ValueError("rejected_lines is not a mapping")
    m = dataclasses.replace(m, rejected_lines={int(k): str(v) for k, v in lines.items()})
    if not (len(rows) == len(sizes) == len(m.partitions)) or sum(rows) != m.tickets:
        raise ValueError("the partitions' rows do not add up to the dataset's tickets")
    return m


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value


def _instant(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            value == NAT or -(1 << 62) < value < 1 << 62):
        raise ValueError(f"{value!r} is not an instant")
    return value


#: the columns every partition has (extra fields come as ``extra.<name>``)
PARTITION_COLUMNS = ("id", *CATEGORICAL_COLUMNS, *INSTANT_COLUMNS, "source_row", "events")


def check_partition(part: PartitionFile | str) -> None:
    """Before a partition is read: the file the manifest lists, of the size written
    (a DataError naming it otherwise). A bare path is not checked."""
    if not isinstance(part, PartitionFile):
        return
    try:
        st = os.stat(part.path)
    except FileNotFoundError as exc:
        raise _partition_error(part.path, exc) from None
    except OSError as exc:
        raise DataError(f"a partition cannot be read ({exc.strerror}): the dataset is "
                        "damaged; convert the export again", file=part.path) from None
    if not stat.S_ISREG(st.st_mode):
        raise _damaged("a partition is not a file", Path(part.path))
    if st.st_size != part.size:
        raise _damaged(f"a partition is not the file `slalang convert` wrote ({st.st_size:,} "
                       f"bytes; the manifest says {part.size:,})", Path(part.path))


def check_partition_table(part: PartitionFile | str, table: pa.Table) -> None:
    """After a partition is read: its tickets and columns as written."""
    missing = [c for c in PARTITION_COLUMNS if c not in table.column_names]
    if missing:
        raise _damaged(f"a partition lacks the column(s) {', '.join(map(repr, missing))}",
                       Path(str(part)))
    if isinstance(part, PartitionFile) and table.num_rows != part.rows:
        raise _damaged(f"a partition holds {table.num_rows:,} tickets; the manifest says "
                       f"{part.rows:,}", Path(part.path))


def _categorical_arrow(c: Categorical) -> pa.Array:
    labels = pa.array(list(c.labels), type=pa.string())
    codes = np.asarray(c.codes, dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), labels)


def _instants_arrow(a: np.ndarray) -> pa.Array:
    a = np.asarray(a, dtype=np.int64)
    return pa.array(a, mask=a == NAT)


def table_to_arrow(t: TicketTable) -> pa.Table:
    """One partition's columns (see the module docstring)."""
    events = pa.StructArray.from_arrays(
        [_instants_arrow(t.event_at), _categorical_arrow(t.event_status).cast(pa.string()),
         _categorical_arrow(t.event_priority).cast(pa.string())],
        names=["at", "status", "priority"])
    nested = pa.ListArray.from_arrays(pa.array(np.asarray(t.event_offsets, dtype=np.int32)),
                                      events)
    columns: dict[str, pa.Array] = {"id": pa.array(np.asarray(t.id, dtype=object),
                                                   type=pa.string())}
    columns.update({c: _categorical_arrow(getattr(t, c)) for c in CATEGORICAL_COLUMNS})
    columns.update({c: _instants_arrow(getattr(t, c)) for c in INSTANT_COLUMNS})
    columns["source_row"] = pa.array(np.asarray(t.source_row, dtype=np.int64))
    columns["events"] = nested
    for name, values in t.extra.items():
        columns[_EXTRA + name] = pa.array(np.asarray(values, dtype=object), type=pa.string())
    return pa.table(columns)


def _categorical(column: pa.ChunkedArray | pa.Array) -> Categorical:
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    codes = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    return Categorical(codes, tuple(arr.dictionary.to_pylist()))


def _instants(column) -> np.ndarray:
    return np.asarray(column.fill_null(NAT).to_numpy(zero_copy_only=False), dtype=np.int64)


def arrow_to_table(table: pa.Table, source: str, data_hash: str = "",
                   rejected: tuple[Rejection, ...] = ()) -> TicketTable:
    """A partition (or several, concatenated) back as a TicketTable."""
    nested = table.column("events").combine_chunks()
    offsets = nested.offsets.to_numpy().astype(np.int64)
    offsets = offsets - offsets[0]
    events = nested.flatten()
    return TicketTable(
        id=np.asarray(table.column("id").to_numpy(zero_copy_only=False), dtype=object),
        **{c: _categorical(table.column(c)) for c in CATEGORICAL_COLUMNS},
        **{c: _instants(table.column(c)) for c in INSTANT_COLUMNS},
        event_offsets=offsets,
        event_at=_instants(events.field("at")),
        event_status=_categorical(events.field("status")),
        event_priority=_categorical(events.field("priority")),
        extra={name[len(_EXTRA):]: np.asarray(
            table.column(name).to_numpy(zero_copy_only=False), dtype=object)
            for name in table.column_names if name.startswith(_EXTRA)},
        source_row=np.asarray(table.column("source_row").to_numpy(), dtype=np.int64),
        source=source, rejected=list(rejected), data_hash=data_hash)


def _read_parquet(part: PartitionFile | str) -> pa.Table:
    """A partition's table; a DataError naming it when it is missing, not Parquet or not as
    written (the dataset is incomplete or damaged: it is written again from the export)."""
    import pyarrow.parquet as pq

    check_partition(part)
    try:
        table = pq.read_table(str(part))
    except (OSError, pa.ArrowInvalid) as exc:
        raise _partition_error(str(part), exc) from None
    check_partition_table(part, table)
    return table


def _partition_error(path: str | Path, exc: Exception) -> DataError:
    """What a partition that cannot be read (``exc``) is said to be."""
    if isinstance(exc, FileNotFoundError):
        return DataError("a partition the manifest lists is missing: the dataset is "
                         "incomplete; convert the export again", file=str(path))
    return DataError(f"a partition cannot be read ({_reason(exc)}): the dataset is "
                     "damaged; convert the export again", file=str(path))


def _reason(exc: Exception) -> str:
    """Arrow's message without the path it repeats ("Could not open Parquet input source
    '<path>': Parquet magic bytes not found in footer. ...": its first sentence after it)."""
    text = str(exc).split("': ", 1)[-1]
    return text.split(". ", 1)[0].rstrip(".")


def read_partition(part: PartitionFile | str, source: str) -> TicketTable:
    """One partition as a TicketTable (its rejections and hash are the manifest's)."""
    return arrow_to_table(_read_parquet(part), source)


def read_dataset(path: str | Path) -> TicketTable:
    """The whole dataset as one TicketTable: what ``read_tickets`` gives for the export it
    was made from."""
    m = read_manifest(path)
    try:
        table = pa.concat_tables([_read_parquet(p) for p in m.files()])
    except pa.ArrowInvalid as exc:  # a schema of its own: a partition from elsewhere
        raise _damaged(f"its partitions' columns differ ({_reason(exc)})", Path(path)) from None
    whole = arrow_to_table(table, m.source, m.data_hash, m.rejected)
    if m.input is not None:  # what read_tickets would have said about the export
        c = m.input
        whole = dataclasses.replace(whole, rows_read=c.read, ignored=list(c.ignored),
                                    invisible_ids=c.invisible_ids, zone=c.zone, shape=c.shape,
                                    events_read=c.events_read, notes=dict(c.notes),
                                    input_counts=c)
    return whole


def read_dataset_ticket(path: str | Path, ticket_id: str) -> TicketTable:
    """The dataset's row for one ticket (an empty table when it holds none), with the
    manifest's rejections: what :func:`read_dataset` gives, narrowed to that ticket.

    ``slalang explain`` needs one ticket: reading the 10m dataset whole for it took 20 s and
    4.2 GB, the filtered scan 0.3 s and 0.26 GB.
    The filter is given to the Parquet scan, so a partition whose id range (the row groups'
    statistics) cannot hold the ticket is skipped unread, and only the matching rows of the
    others are kept.
    """
    import pyarrow.dataset as ds

    m = read_manifest(path)
    for part in m.files():  # each the file written: a stat each, nothing read
        check_partition(part)
    try:
        found = ds.dataset(m.paths(), format="parquet").to_table(
            filter=ds.field("id") == ticket_id)
    except (OSError, pa.ArrowInvalid):
        import pyarrow.parquet as pq

        for p in m.paths():  # which partition, and why: each one's footer, then its rows
            try:
                pq.ParquetFile(p).close()
                ds.dataset(p, format="parquet").to_table(filter=ds.field("id") == ticket_id)
            except (OSError, pa.ArrowInvalid) as exc:
                raise _partition_error(p, exc) from None
        raise
    return arrow_to_table(found, m.source, m.data_hash, m.rejected)


@dataclass
class _Converted:
    """The partitions written, and what the manifest says of the whole export."""

    parts: list[str]
    tickets: int
    created_min: int | None
    created_max: int | None
    rejected: list[Rejection]
    data_hash: str
    counts: InputCounts


def _convert_into(tickets: str | Path, events: str | Path | None, mapping: object | None,
                  rows: int, work: Path, tmp: str, progress) -> _Converted:
    """The export's partitions written into ``work``: a plain CSV export by the split
    reader's worker processes (each chunk assembled and written in a worker), a gzipped one
    too once decompressed into ``tmp`` (else chunk by chunk in this process), anything else
    read whole. A row only the whole read can name (a malformed one, an unreadable instant)
    sends it to the whole read, as it sends ``evaluate``; the partitions written so far are
    dropped."""
    from slalang.data.inflate import NotInflated, gzipped
    from slalang.data.split import NoSplit
    from slalang.data.split_passes import splittable
    from slalang.data.stream import _Conversion, _Malformed, stream_refusal
    from slalang.evaluation.scratch import scratch_full

    if stream_refusal(tickets, events, mapping) is None:
        try:
            if splittable(tickets, events):
                try:
                    return _convert_split(tickets, events, rows, work, tmp, progress)
                except NoSplit:  # a quoted line break: the sequential reader reads it
                    _clear(work)
            elif gzipped(tickets, events):
                try:
                    return _convert_inflated(tickets, events, rows, work, tmp, progress)
                except (NoSplit, NotInflated):  # the sequential reader reads the files
                    _clear(work)
                except OSError as exc:  # the split reader's files did not fit beside the
                    # copies (removed now): the sequential reader needs less room
                    if scratch_full(exc, tmp) is None:
                        raise
                    _clear(work)
            return _convert_batches(tickets, events, mapping, rows, work, tmp, progress)
        except (_Malformed, _Conversion):
            _clear(work)
    return _convert_batches(tickets, events, mapping, rows, work, tmp, progress, whole=True)


def _clear(work: Path) -> None:
    for leftover in work.glob("*"):
        leftover.unlink()


def _convert_inflated(tickets: str | Path, events: str | Path | None, rows: int, work: Path,
                      tmp: str, progress) -> _Converted:
    """:func:`_convert_split` on the gzipped files decompressed into ``tmp``
    (:mod:`slalang.data.inflate`): the hash of the user's files, their names in what is
    said and kept."""
    import shutil

    from slalang.data.inflate import inflate, renamed_counts, renamed_error, renamed_rows
    from slalang.data.stream import file_digest

    digest = file_digest([tickets] + ([events] if events is not None else []))
    if progress is not None:
        progress("read", 0, 0)  # decompressing: a step without counts, its time shown
    folder = tempfile.mkdtemp(prefix="inflated-", dir=tmp)
    try:
        copies, names = inflate([tickets, events], folder)
        try:
            done = _convert_split(copies[0], copies[1], rows, work, tmp, progress, digest,
                                  read_done=lambda: shutil.rmtree(folder, ignore_errors=True))
        except Exception as exc:  # what it says names the user's files, not the copies
            raise renamed_error(exc, names) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return dataclasses.replace(done, rejected=list(renamed_rows(done.rejected, names)),
                               counts=renamed_counts(done.counts, names))


def _convert_split(tickets: str | Path, events: str | Path | None, rows: int, work: Path,
                   tmp: str, progress, digest=None, read_done=None) -> _Converted:
    """The split reader's passes on worker processes, then each chunk assembled and written
    as a partition in a worker (:func:`write_chunk`): the 10m export in about a third of the
    time the sequential reader took. ``digest``: the files' hash being computed (default:
    of ``tickets`` and ``events``); ``read_done()`` is called once the files are read into
    the chunks."""
    from slalang.data.checks import add_notes
    from slalang.data.split_passes import split_passes, ticket_layout
    from slalang.data.stream import file_digest, rejection_order
    from slalang.workpool import PROCESS_BYTES, TaskPool, default_workers

    if digest is None:
        digest = file_digest([tickets] + ([events] if events is not None else []))
    layout = ticket_layout(tickets)
    workers = default_workers() if os.path.getsize(tickets) >= PROCESS_BYTES else 1
    with TaskPool(workers) as pool:
        read = split_passes(layout, events, rows, tmp, pool, None, progress)
        if read_done is not None:
            read_done()
        tasks = [(t, e, str(work / f".chunk-{k:06d}.parquet"))
                 for k, (t, e) in enumerate(zip(read.tickets_at, read.events_at, strict=True))]
        parts: list[str] = []
        n = invisible = 0
        lo = hi = None
        notes: dict = {}
        late: list[Rejection] = []
        for k, ((_, _, path), res) in enumerate(zip(tasks, pool.map(write_chunk, tasks),
                                                    strict=True), start=1):
            if res.tickets:  # named in order, the chunks all of whose tickets were refused
                # left out, as the sequential reader leaves them
                name = f"part-{len(parts):05d}.parquet"
                os.replace(path, work / name)
                parts.append(name)
                n += res.tickets
                lo = res.created[0] if lo is None else min(lo, res.created[0])
                hi = res.created[1] if hi is None else max(hi, res.created[1])
            invisible += res.invisible
            late += res.late
            add_notes(notes, res.notes)
            if progress is not None:
                progress("write", k, len(tasks))
    rejected = sorted(read.ingest + late, key=rejection_order(read.file))
    counts = InputCounts(read.file, "ticket", read.n, n, read.n - n, (),
                         invisible + sum(r.invisible for r in read.ranges), None, notes,
                         read.ev_count + len(read.ev_rejected))
    return _Converted(parts, n, lo, hi, rejected, digest.result(), counts)


@dataclass
class WrittenChunk:
    """What a worker says of the chunk it wrote."""

    tickets: int
    #: the first and last creation among them (meaningless when there are none)
    created: tuple[int, int]
    invisible: int
    notes: dict
    #: tickets refused for a status event before their creation
    late: list[Rejection]


def write_chunk(tickets, events, path: str) -> WrittenChunk:
    """In a worker: a chunk assembled as the sequential reader assembles it
    (:func:`slalang.data.split.chunk_table`), written to ``path`` as a partition when it
    keeps a ticket."""
    from slalang.data.checks import derive_resolution
    from slalang.data.split import chunk_table, drop_index

    drop_index()  # the events are placed: the id index is not needed any more
    table, late = chunk_table(tickets, events)
    table = derive_resolution(table)
    created = (NAT, NAT)
    if table.n:
        _write_partition(table, Path(path))
        created = (int(table.created_at.min()), int(table.created_at.max()))
    return WrittenChunk(table.n, created, table.invisible_ids, dict(table.notes), late)


def _convert_batches(tickets: str | Path, events: str | Path | None, mapping: object | None,
                     rows: int, work: Path, tmp: str, progress, whole: bool = False
                     ) -> _Converted:
    """The export's partitions read here (:func:`_batches`), each written on a thread while
    the next is read (both mostly outside the GIL: the 10m export took 20 s written in turn,
    14.5 s so)."""
    parts: list[str] = []
    n, lo, hi = 0, None, None
    summary = None
    with ThreadPoolExecutor(1, thread_name_prefix="slalang-convert") as writer:
        pending: deque[Future] = deque()
        for table, done in _batches(tickets, events, mapping, rows, tmp, progress, whole):
            if table is None:
                summary = done
                continue
            if not table.n:
                continue
            name = f"part-{len(parts):05d}.parquet"
            while len(pending) >= _WRITES_PENDING:  # memory: a few partitions at most
                pending.popleft().result()
            pending.append(writer.submit(_write_partition, table, work / name))
            parts.append(name)
            n += table.n
            created = np.asarray(table.created_at)
            lo = int(created.min()) if lo is None else min(lo, int(created.min()))
            hi = int(created.max()) if hi is None else max(hi, int(created.max()))
        while pending:
            pending.popleft().result()
    rejected, data_hash, counts = summary  # type: ignore[misc]
    return _Converted(parts, n, lo, hi, list(rejected), data_hash, counts)


def _batches(tickets: str | Path, events: str | Path | None, mapping: object | None,
             rows: int, workdir: str, progress, whole: bool = False
             ) -> Iterator[tuple[TicketTable | None, object]]:
    """The export's validated tickets ``rows`` at a time, then ``(None, summary)`` with
    (rejected, data_hash, counts): chunk by chunk for a CSV export, read whole otherwise
    (``whole``: read whole anyway)."""
    from slalang.data.stream import stream_refusal

    if not whole and stream_refusal(tickets, events, mapping) is None:
        from slalang.data.checks import add_notes
        from slalang.data.read import check_errors  # noqa: F401 - same rules as the reader
        from slalang.data.stream import file_digest, prepare_chunks, rejection_order

        digest = file_digest([tickets] + ([events] if events is not None else []))
        prepared = prepare_chunks(tickets, events, rows, workdir, False, None, progress)
        chunks, blocks = prepared.chunks, prepared.blocks
        evaluated = invisible = 0
        notes: dict = {}
        for _, table in chunks.tables(blocks):  # counted as the chunked evaluation counts
            evaluated += table.n
            invisible += table.invisible_ids
            add_notes(notes, table.notes)
            yield table, None
        rejected = sorted(prepared.rejected + chunks.late_rejected,
                          key=rejection_order(str(tickets)))
        yield None, (rejected, digest.result(),
                     prepared.input_counts(evaluated, invisible, notes))
        return
    from slalang.data import read_tickets

    whole = read_tickets(tickets, events=events, mapping=mapping)
    for lo in range(0, max(whole.n, 1), rows):
        yield whole.take(np.arange(lo, min(lo + rows, whole.n))), None
    yield None, (list(whole.rejected), whole.data_hash, InputCounts.of(whole, whole.shape))


#: partitions read and waiting for the writer thread, at most
_WRITES_PENDING = 2


def _write_partition(table: TicketTable, path: Path) -> None:
    """One partition's Parquet file. Only the categorical columns are dictionary-encoded:
    they are dictionaries already, while trying the ids (unique) and the instants as
    dictionaries cost a third of the writing (250,000 tickets: 86 against 120-175 ms) for a
    larger file. Statistics are kept: a ticket is looked up by the ids' ranges."""
    import pyarrow.parquet as pq

    pq.write_table(table_to_arrow(table), path, use_dictionary=list(CATEGORICAL_COLUMNS))


#: the rejected rows whose text the manifest keeps, at most (a dataset is not a copy of a
#: broken export): beyond, ``explain`` reads them from the export if it is still there
MAX_REJECTED_LINES = 10_000


def _rejected_lines(tickets: str | Path, rejected: list[Rejection]) -> dict[str, str]:
    """The text of the first :data:`MAX_REJECTED_LINES` rejected rows of the tickets file
    (a row is a line: ticket ids never span lines), read in one pass up to the last."""
    import gzip

    rows = sorted({r.row for r in rejected if r.file == str(tickets)})[:MAX_REJECTED_LINES]
    if not rows:
        return {}
    wanted, last, found = set(rows), rows[-1], {}
    with open(tickets, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    try:
        with opener(tickets, "rb") as fh:
            for k, line in enumerate(fh, start=1):
                if k in wanted:
                    found[str(k)] = line.decode("utf-8", errors="replace").rstrip("\r\n")
                if k >= last:
                    break
    except (OSError, EOFError):  # a zip or a damaged file: its rows are named, not kept
        pass
    return found


def _partition_facts(work: Path, parts: list[str]) -> dict[str, list[int]]:
    """Each partition's tickets (its footer's row count) and size, as written."""
    import pyarrow.parquet as pq

    rows, sizes = [], []
    for name in parts:
        with pq.ParquetFile(work / name) as f:
            rows.append(f.metadata.num_rows)
        sizes.append(os.path.getsize(work / name))
    return {"partition_rows": rows, "partition_bytes": sizes}


#: the most tickets a partition may hold (the 10m bench export in one partition, forty
#: times the default). Row numbers are int32 in the split reader (it divides them by the
#: partition size: 2**31 was an internal OverflowError) and a partition's events are nested
#: with 32-bit offsets: this bound leaves room for 200 events a ticket
MAX_PARTITION_ROWS = 10_000_000

def convert(tickets: str | Path, out: str | Path, events: str | Path | None = None, *,
            mapping: object | None = None, partition_rows: int = DEFAULT_PARTITION_ROWS,
            progress: Callable[[str, int, int], None] | None = None) -> Manifest:
    """Write the export as a partitioned dataset in the new directory ``out``.

    A plain CSV export is read by the split reader on worker processes, each assembling and
    writing its chunks as partitions; a gzipped one chunk by chunk here (memory bounded);
    other formats and mapped exports, and an export with a row only the whole read names
    (a malformed one), are read whole first. Raises DataError as the reader does, and before
    anything is read when ``out`` cannot take a dataset: it exists and is not an empty
    directory (nothing is replaced), it is a symlink that leads nowhere, it is the current
    folder (which the dataset would replace), or it is inside a dataset. A symlink to an
    empty directory is followed: the dataset takes that directory's place and the link is
    kept, as an output file's symlink is followed. ``partition_rows`` is from 1 to
    :data:`MAX_PARTITION_ROWS` (ValueError otherwise).

    The dataset is written in a folder beside its target and renamed into place at the end,
    so no half-written dataset is ever seen; when another run wrote one there meanwhile,
    DataError and nothing replaced. The folders of a conversion that was killed are removed
    by the next one.
    """
    import shutil

    from slalang.data.dataset_folders import (
        SCRATCH_PREFIX,
        WORK_MARK,
        moved_into_place,
        output_folder,
        process_prefix,
        remove_stale,
    )

    if not 1 <= partition_rows <= MAX_PARTITION_ROWS:
        raise ValueError(f"partition_rows must be from 1 to {MAX_PARTITION_ROWS:,}")
    target = output_folder(out)
    parent = Path(out).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder is to be, no permission
        raise DataError(f"cannot create the dataset's folder {str(parent)!r} "
                        f"({exc.strerror or exc})", file=str(out)) from None
    remove_stale(tempfile.gettempdir(), SCRATCH_PREFIX)
    remove_stale(target.parent, f".{target.name}{WORK_MARK}")
    # written beside the target and renamed at the end: no half-written dataset
    try:
        work = Path(tempfile.mkdtemp(prefix=process_prefix(f".{target.name}{WORK_MARK}"),
                                     dir=target.parent))
    except OSError as exc:  # no permission to write in the folder
        raise DataError(f"cannot write in the dataset's folder {str(target.parent)!r} "
                        f"({exc.strerror or exc})", file=str(out)) from None
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(work, 0o777 & ~umask)  # mkdtemp makes it private; a dataset is shared
        tmp = tempfile.mkdtemp(prefix=process_prefix(SCRATCH_PREFIX))
        try:
            done = _convert_into(tickets, events, mapping, partition_rows, work, tmp,
                                 progress)
        except OSError as exc:  # the temporary files' folder full: said so, with what to do
            from slalang.evaluation.scratch import scratch_full

            full = scratch_full(exc, tmp)
            if full is None:
                raise
            raise full from None  # (it said "48083 requested and 7850 written")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        parts, n, lo, hi = done.parts, done.tickets, done.created_min, done.created_max
        rejected, data_hash, counts = done.rejected, done.data_hash, done.counts
        if not n:  # every ticket refused (some only once their events were read): as
            # read_tickets says it, never an empty dataset that measures nothing
            from slalang.data.counts import all_rejected

            raise all_rejected(str(tickets), counts.read, rejected)
        doc = {"format": FORMAT, "version": VERSION, "source": str(tickets),
               "events": str(events) if events is not None else None,
               "partitions": parts, "tickets": n, "data_hash": data_hash,
               "created_min": NAT if lo is None else lo, "created_max": NAT if hi is None else hi,
               "rejected": [[r.file, r.row, r.field, r.reason] for r in rejected],
               "input": {**dataclasses.asdict(counts),
                         "ignored": [dataclasses.asdict(i) for i in counts.ignored]},
               **_partition_facts(work, parts),
               "rejected_lines": _rejected_lines(tickets, rejected)}
        doc["check"] = manifest_check(doc)
        (work / MANIFEST).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        moved_into_place(work, target, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return read_manifest(Path(out))
