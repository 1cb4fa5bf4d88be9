"""Parquet: the natural input of data pipelines (and of a distributed engine later).

Two uses:

- **the canonical columns** (:func:`canonical`, no mapping): ``id``, ``customer``, ``tier``,
  ``priority``, ``category``, ``service``, the instants (``timestamp`` with a time zone, or
  ISO 8601 text with an offset) and any extra column; the status history either as an
  ``events`` column of ``list<struct<at, status, priority>>`` or as a second Parquet file of
  ``ticket_id, at, status, priority`` rows;
- **a tool's columns through a mapping** (:func:`read`): every column as text, like a CSV.

Parquet has no header row: a row's number is its 1-based position in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.build import RawEvents, RawTickets
from slalang.data.instants import Parsed, parse_instants
from slalang.data.source import missing_canonical_column, read_bytes
from slalang.data.sources import Digest, Rows, SourceSpec
from slalang.data.sources.jsonrecords import text
from slalang.data.table import CATEGORICAL_COLUMNS, INSTANT_COLUMNS, NAT
from slalang.errors import DataError

TICKET_FIELDS = ("id", *CATEGORICAL_COLUMNS, *INSTANT_COLUMNS)


def read_parquet(file: str, digest: Digest, member: str | None = None) -> pa.Table:
    """A Parquet file's table (gzip or zip around it unpacked)."""
    import pyarrow.parquet as pq

    data = read_bytes(file, digest, member=member)  # type: ignore[arg-type]
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"not a readable Parquet file: {exc}", file=file) from None


def as_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Any column as strings: instants as ISO 8601 (UTC ``Z`` when the type has a zone),
    nested values as compact JSON, everything else as pyarrow writes it."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = arr.type
    if pa.types.is_string(kind):
        return arr
    if pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        return pc.cast(arr, pa.string())
    if pa.types.is_timestamp(kind):
        if kind.tz is None:
            return pc.strftime(arr, "%Y-%m-%dT%H:%M:%S")
        return pc.strftime(pc.cast(arr, pa.timestamp(kind.unit, "UTC")), "%Y-%m-%dT%H:%M:%SZ")
    if pa.types.is_nested(kind):
        return pa.array([text(v) for v in arr.to_pylist()], pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(arr, "true", "false")
    return pc.cast(arr, pa.string())


def read(spec: SourceSpec, wanted: Sequence[str], digest: Digest) -> Rows:
    """Every column of every file, as text (for a mapping)."""
    parts = []
    for file in spec.paths:
        table = read_parquet(file, digest, spec.options.get("member"))
        table = pa.table([as_text(c) for c in table.columns], names=table.column_names)
        parts.append(Rows.one_file(table, file, first_row=1))
    return Rows.concat(parts)


def _instants(column: pa.ChunkedArray, file: str, name: str) -> Parsed:
    if pa.types.is_timestamp(column.type):
        if column.type.tz is None:
            raise DataError(f"the column {name!r} holds timestamps without a time zone; write "
                            "them with one (e.g. timestamp[s, tz=UTC])", file=file, field=name)
        from slalang.data.instants import _floor_seconds

        return Parsed(_floor_seconds(column), {})
    return parse_instants(as_text(column))


def _require(table: pa.Table, file: str, names: Sequence[str]) -> None:
    for name in names:
        if name not in table.column_names:
            raise missing_canonical_column(name, table.column_names, file, row=None)


def canonical(path: str | Path, events: str | Path | None, digest: Digest
              ) -> tuple[RawTickets, RawEvents]:
    """The canonical columns of a Parquet file (and its events: nested, or a second file)."""
    file = str(path)
    table = read_parquet(file, digest)
    _require(table, file, ("id", "customer", "created_at"))
    n = table.num_rows
    rows = np.arange(1, n + 1, dtype=np.int64)
    problems: list[tuple[int, str | None, str]] = []
    has = table.column_names
    tickets = RawTickets(
        file=file, n=n, rows=rows, ids=as_text(table.column("id")),
        categorical={c: as_text(table.column(c)) for c in CATEGORICAL_COLUMNS if c in has},
        instants={c: _instants(table.column(c), file, c) for c in INSTANT_COLUMNS if c in has},
        extra={c: _objects(table.column(c)) for c in has
               if c not in TICKET_FIELDS and c != "events"},
        problems=problems,
    )
    if "events" in has:
        if events is not None:
            raise DataError("the tickets carry their events (an events column): drop the "
                            "events file, or the column", file=str(events))
        return tickets, _nested_events(table.column("events"), rows, file, problems)
    if events is None:
        return tickets, RawEvents.empty()
    ev_file = str(events)
    ev = read_parquet(ev_file, digest)
    _require(ev, ev_file, ("ticket_id", "at"))
    m = ev.num_rows
    none = pa.nulls(m, pa.string())
    return tickets, RawEvents(
        file=ev_file, rows=np.arange(1, m + 1, dtype=np.int64),
        ticket=as_text(ev.column("ticket_id")), at=_instants(ev.column("at"), ev_file, "at"),
        status=as_text(ev.column("status")) if "status" in ev.column_names else none,
        priority=as_text(ev.column("priority")) if "priority" in ev.column_names else none)


def _nested_events(column: pa.ChunkedArray, rows: np.ndarray, file: str,
                   problems: list[tuple[int, str | None, str]]) -> RawEvents:
    """A ``list<struct<at, status, priority>>`` column: each ticket's events, owned by its row
    (an unreadable event refuses its ticket, as for JSON Lines)."""
    kind = column.type
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)) or not pa.types.is_struct(
            kind.value_type):
        raise DataError(f"the events column must be a list of structs (at, status, priority), "
                        f"not {kind}", file=file, field="events")
    arr = column.combine_chunks()
    flat = pc.list_flatten(arr)
    owner = np.asarray(pc.list_parent_indices(arr).to_numpy(zero_copy_only=False),
                       dtype=np.int64)
    fields = [flat.type.field(k).name for k in range(flat.type.num_fields)]
    if "at" not in fields:
        raise DataError("the events column's structs have no 'at' field", file=file,
                        field="events")
    at = _instants(pa.chunked_array([flat.field("at")]), file, "events.at")
    for j in sorted(set(at.errors) | set(np.flatnonzero(at.values == NAT).tolist())):
        problems.append((int(owner[j]), "events.at", at.errors.get(j, "missing event time")))
    m = len(flat)
    none = pa.nulls(m, pa.string())
    return RawEvents(
        file=file, rows=rows[owner], ticket=owner, at=Parsed(at.values, {}),
        status=as_text(flat.field("status")) if "status" in fields else none,
        priority=as_text(flat.field("priority")) if "priority" in fields else none)


def _objects(column: pa.ChunkedArray) -> np.ndarray:
    out = np.empty(len(column), dtype=object)
    out[:] = column.to_pylist()
    return out
