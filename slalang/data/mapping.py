"""Mappings: turn a real export into the canonical form without code.

A mapping is a YAML file (validated by ``slalang/schemas/mapping.schema.json``) that says which
column holds each canonical field (or a constant for the whole export), how to translate status
and priority values, how to read timestamps (a ``strptime`` format and the time zone of naive
times), and which extra fields to keep. Two shapes:

- ``shape: ticket``: a row per ticket, optionally with a separate status-events file;
- ``shape: event_log``: a row per update/snapshot (ServiceNow's audit log, an event log). The
  rows of a ticket, in time order, are folded into one ticket: an event whenever the mapped
  status or priority changes; the first response is the first snapshot whose status is in a
  configured set (or a column); the resolution is the last entry into a resolved/closed status
  of a ticket that ends resolved or closed.

See ``docs/data/mappings.md`` for the reference and a walkthrough.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.build import RawEvents, RawTickets, assemble
from slalang.data.instants import Parsed, parse_instants
from slalang.data.source import Digest, kind_of, read_bytes, read_csv
from slalang.data.table import CATEGORICAL_COLUMNS, INSTANT_COLUMNS, NAT, Rejection, TicketTable
from slalang.errors import DataError

#: a field's source: a column name, or ``{"constant": value}``
Source = str | dict


@cache
def mapping_schema() -> dict:
    """The published JSON Schema of mapping files."""
    text = resources.files("slalang").joinpath("schemas/mapping.schema.json").read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Mapping:
    """A loaded, validated mapping (see the module docstring)."""

    name: str
    shape: str
    fields: dict[str, Source]
    extra: dict[str, Source] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    timestamp_format: str | None = None
    timezone: str | None = None
    delimiter: str = ","
    null_values: tuple[str, ...] = ("",)
    encoding: str = "utf8"
    event_log: dict = field(default_factory=dict)
    events: dict[str, Source] = field(default_factory=dict)
    downtime: dict[str, Source] = field(default_factory=dict)
    source: str = ""

    # -- reading ---------------------------------------------------------------------------

    def csv_options(self) -> dict:
        return {"delimiter": self.delimiter, "null_values": self.null_values,
                "encoding": self.encoding}

    def read(self, path: str | Path, events: str | Path | None = None) -> TicketTable:
        """Read an export through this mapping (the caller checks ``max_errors``)."""
        file = str(path)
        digest = Digest()
        table = self._table(path, digest)
        if self.shape == "event_log":
            if events is not None:
                raise DataError("an event-log mapping reads one file; drop the events file",
                                file=str(events))
            raw, raw_events, row_problems = self._fold(table, file)
            out = assemble(raw, raw_events, data_hash=digest.hexdigest())
            out.rejected = sorted(out.rejected + row_problems, key=lambda r: r.row)
            return out
        raw = self._tickets(table, file)
        raw_events = (RawEvents.empty() if events is None
                      else self._events(self._table(events, digest), str(events)))
        return assemble(raw, raw_events, data_hash=digest.hexdigest())

    def _table(self, path: str | Path, digest: Digest) -> pa.Table:
        if kind_of(path) != "csv":
            raise DataError("mappings read CSV exports", file=str(path))
        return read_csv(read_bytes(path, digest), str(path), {}, **self.csv_options())

    def _column(self, table: pa.Table, source: Source | None, file: str, what: str
                ) -> pa.Array | None:
        """The strings of a mapped field (a column, or a constant repeated), value-mapped."""
        if source is None:
            return None
        n = table.num_rows
        if isinstance(source, dict):
            value = source["constant"]
            arr = pa.array([None if value is None else str(value)] * n, pa.string())
        else:
            if source not in table.column_names:
                raise DataError(f"the mapping's column {source!r} for {what} is not in the file "
                                f"(columns: {', '.join(table.column_names)})",
                                file=file, row=1, field=source)
            arr = _one_chunk(table.column(source))
            if not pa.types.is_string(arr.type):
                arr = pc.cast(arr, pa.string())
        return self._translate(arr, what)

    def _translate(self, arr: pa.Array, what: str) -> pa.Array:
        table = self.values.get(what)
        if not table:
            return arr
        # translate the distinct values once, then spread them back over the rows
        encoded = pc.dictionary_encode(arr)
        labels = [table.get(v, v) if v is not None else None
                  for v in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(labels, pa.string()), encoded.indices)

    def _instants(self, table: pa.Table, source: Source | None, file: str, what: str
                  ) -> Parsed | None:
        arr = self._column(table, source, file, what)
        if arr is None:
            return None
        return parse_instants(arr, self.timestamp_format, self.timezone)

    def _tickets(self, table: pa.Table, file: str) -> RawTickets:
        n = table.num_rows
        f = self.fields
        return RawTickets(
            file=file, n=n, rows=np.arange(2, n + 2, dtype=np.int64),
            ids=self._column(table, f["id"], file, "id"),
            categorical={c: self._column(table, f.get(c), file, c) for c in CATEGORICAL_COLUMNS},
            instants={c: p for c in INSTANT_COLUMNS
                      if (p := self._instants(table, f.get(c), file, c)) is not None},
            extra={name: _objects(self._column(table, src, file, name))
                   for name, src in self.extra.items()},
        )

    def _events(self, table: pa.Table, file: str) -> RawEvents:
        m = table.num_rows
        e = self.events
        none = pa.nulls(m, pa.string())
        return RawEvents(
            file=file, rows=np.arange(2, m + 2, dtype=np.int64),
            ticket=self._column(table, e.get("ticket_id", "ticket_id"), file, "ticket_id"),
            at=self._instants(table, e.get("at", "at"), file, "at"),  # type: ignore[arg-type]
            status=self._column(table, e.get("status"), file, "status") or none,
            priority=self._column(table, e.get("priority"), file, "priority") or none,
        )

    # -- the event-log fold ----------------------------------------------------------------

    def _fold(self, table: pa.Table, file: str
              ) -> tuple[RawTickets, RawEvents, list[Rejection]]:
        n = table.num_rows
        log, f = self.event_log, self.fields
        rows = np.arange(2, n + 2, dtype=np.int64)
        ids = self._column(table, f["id"], file, "id")
        at_source = log["at"]
        at = self._instants(table, at_source, file, "at")
        raw_status = self._column(table, log["status"], file, "status_raw")
        status = self._translate(raw_status, "status") if raw_status is not None else None
        problems: list[Rejection] = []
        usable = np.ones(n, dtype=bool)
        id_list = ids.to_pylist()
        for r in range(n):
            if id_list[r] in (None, ""):
                problems.append(Rejection(file, int(rows[r]), _name(f["id"]), "missing ticket id"))
                usable[r] = False
        for r, reason in at.errors.items():
            if usable[r]:
                problems.append(Rejection(file, int(rows[r]), _name(at_source), reason))
                usable[r] = False
        for r in np.flatnonzero((at.values == NAT) & usable):
            problems.append(Rejection(file, int(rows[r]), _name(at_source), "missing event time"))
            usable[r] = False
        # a status the mapping translates to null marks a row to ignore (e.g. a placeholder)
        status_list = status.to_pylist()
        raw_list = raw_status.to_pylist()
        ignored = np.array([s is None and raw is not None
                            for s, raw in zip(status_list, raw_list, strict=True)], dtype=bool)
        usable &= ~ignored

        codes = _codes(ids)
        keep = np.flatnonzero(usable)
        # group rows by ticket (first-seen order), each in time order, ties in file order
        first_seen = np.full(int(codes.max()) + 1 if n else 0, n, dtype=np.int64)
        np.minimum.at(first_seen, codes[keep], keep)
        order = keep[np.lexsort((keep, at.values[keep], first_seen[codes[keep]]))]

        prio = self._column(table, f.get("priority"), file, "priority")
        prio_list = prio.to_pylist() if prio is not None else [None] * n
        first_statuses = set(log.get("first_response", {}).get("statuses", []))
        closed_set = set(log.get("closed_statuses", ["closed"]))
        done_set = set(log.get("resolved_statuses", ["resolved"])) | closed_set
        at_values = at.values

        t_first: list[int] = []  # per ticket: its first row
        t_last: list[int] = []  # its last row (the ticket's latest state)
        t_response: list[int] = []
        t_resolved: list[int] = []
        t_closed: list[int] = []
        t_created: list[int] = []
        ev_owner: list[int] = []
        ev_at: list[int] = []
        ev_status: list[str | None] = []
        ev_prio: list[str | None] = []
        prev_code = -1
        cur_status = cur_prio = None
        response = resolved = closed = NAT
        for r in order.tolist():
            code = codes[r]
            when = int(at_values[r])
            s, p = status_list[r], prio_list[r]
            if code != prev_code:  # a new ticket
                if prev_code >= 0:
                    t_response.append(response)
                    t_resolved.append(resolved if cur_status in done_set else NAT)
                    t_closed.append(closed if cur_status in closed_set else NAT)
                prev_code = code
                t_first.append(r)
                t_last.append(r)
                t_created.append(when)
                cur_status, cur_prio = None, p
                response = resolved = closed = NAT
                emit_p = None
            else:
                t_last[-1] = r
                emit_p = p if p is not None and p != cur_prio else None
                if emit_p is not None:
                    cur_prio = p
            emit_s = s if s is not None and s != cur_status else None
            if emit_s is not None:
                if s in done_set and cur_status not in done_set:
                    resolved = when  # (re)entering done: the latest resolution so far
                if s in closed_set and cur_status not in closed_set:
                    closed = when
                cur_status = s
            if response == NAT and s in first_statuses:
                response = when
            if emit_s is not None or emit_p is not None:
                ev_owner.append(len(t_first) - 1)
                ev_at.append(when)
                ev_status.append(emit_s)
                ev_prio.append(emit_p)
        if prev_code >= 0:
            t_response.append(response)
            t_resolved.append(resolved if cur_status in done_set else NAT)
            t_closed.append(closed if cur_status in closed_set else NAT)

        first = np.array(t_first, dtype=np.int64)
        last = np.array(t_last, dtype=np.int64)
        k = len(first)

        def at_last(arr: pa.Array | None) -> pa.Array | None:
            return None if arr is None else pc.take(arr, pa.array(last))

        instants: dict[str, Parsed] = {}
        derived = {"created_at": np.array(t_created, dtype=np.int64),
                   "first_response_at": np.array(t_response, dtype=np.int64),
                   "resolved_at": np.array(t_resolved, dtype=np.int64),
                   "closed_at": np.array(t_closed, dtype=np.int64)}
        for col in INSTANT_COLUMNS:
            if col in f:  # a column wins over the fold; read on the ticket's latest row
                parsed = self._instants(table, f[col], file, col)
                errors = {}
                for t, r in enumerate(last.tolist()):
                    if r in parsed.errors:  # type: ignore[union-attr]
                        errors[t] = parsed.errors[r]  # type: ignore[union-attr]
                instants[col] = Parsed(parsed.values[last], errors)  # type: ignore[union-attr]
            elif col != "first_response_at" or first_statuses:
                instants[col] = Parsed(derived[col], {})
        categorical = {c: at_last(self._column(table, f.get(c), file, c))
                       for c in CATEGORICAL_COLUMNS if c != "priority"}
        categorical["priority"] = None if prio is None else pc.take(prio, pa.array(first))
        tickets = RawTickets(
            file=file, n=k, rows=rows[first], ids=pc.take(ids, pa.array(first)),
            categorical=categorical, instants=instants,
            extra={name: _objects(at_last(self._column(table, src, file, name)))
                   for name, src in self.extra.items()},
        )
        owner = np.array(ev_owner, dtype=np.int64)
        events = RawEvents(
            file=file, rows=rows[first][owner] if k else np.zeros(0, np.int64), ticket=owner,
            at=Parsed(np.array(ev_at, dtype=np.int64), {}),
            status=pa.array(ev_status, pa.string()), priority=pa.array(ev_prio, pa.string()),
        )
        return tickets, events, problems

    # -- downtime --------------------------------------------------------------------------

    def downtime_columns(self, cols: dict[str, list], n: int) -> dict[str, list]:
        """Rename downtime columns (and apply constants and value maps) for the reader."""
        if not self.downtime:
            return cols
        out = {k: v for k, v in cols.items() if k == "__problem__"}
        for name, src in self.downtime.items():
            if isinstance(src, dict):
                out[name] = [src["constant"]] * n
            elif src in cols:
                out[name] = cols[src]
            else:
                continue
            table = self.values.get(name)
            if table:
                out[name] = [table.get(v, v) if v is not None else None for v in out[name]]
        return out


def _name(source: Source) -> str | None:
    return source if isinstance(source, str) else None


def _one_chunk(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _codes(ids: pa.Array) -> np.ndarray:
    encoded = pc.dictionary_encode(ids)
    return np.asarray(pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False),
                      dtype=np.int64)


def _objects(arr: pa.Array | None) -> np.ndarray:
    values = [] if arr is None else arr.to_pylist()
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def load_mapping(path: str | Path) -> Mapping:
    """Load and validate a mapping YAML file.

    Raises:
        DataError: unreadable file, invalid YAML, or a mapping the schema refuses (the message
            names the offending key).
    """
    import jsonschema  # only mappings need these: imported on first use
    import yaml

    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read the mapping: {exc.strerror or exc}", file=file) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=file,
                        row=mark.line + 1 if mark else None) from None
    validator = jsonschema.Draft202012Validator(mapping_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(f"invalid mapping at {where}: {err.message}{more}", file=file)
    timestamps = doc.get("timestamps", {})
    zone = timestamps.get("timezone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise DataError(f"unknown time zone {zone!r}", file=file,
                            field="timestamps.timezone") from None
    csv = doc.get("csv", {})
    return Mapping(
        name=doc.get("name", Path(path).stem),
        shape=doc["shape"],
        fields=doc["fields"],
        extra=doc.get("extra", {}),
        values={k: {str(a): (None if b is None else str(b)) for a, b in v.items()}
                for k, v in doc.get("values", {}).items()},
        timestamp_format=timestamps.get("format"),
        timezone=zone,
        delimiter=csv.get("delimiter", ","),
        null_values=tuple(csv.get("null_values", [""])),
        encoding=csv.get("encoding", "utf8"),
        event_log=doc.get("event_log", {}),
        events=doc.get("events", {}),
        downtime=doc.get("downtime", {}),
        source=file,
    )
