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
from slalang.data.fold import fold_updates
from slalang.data.instants import Parsed, parse_instants
from slalang.data.invisible import strip_invisible, strip_text
from slalang.data.rules import (
    describe_rule,
    missing_column,
    one_column,
    repeated_header,
    rule_mask,
)
from slalang.data.source import Digest, read_bytes, read_csv
from slalang.data.table import (
    CATEGORICAL_COLUMNS,
    INSTANT_COLUMNS,
    NAT,
    Ignored,
    Rejection,
    TicketTable,
)
from slalang.errors import DataError

#: a field's source: a column name, fallback columns (the first non-empty wins), or
#: ``{"constant": value}``
Source = str | list | dict
#: the key of a value map's default entry (every value the map does not list)
DEFAULT_KEY = "*"


@cache
def mapping_schema() -> dict:
    """The published JSON Schema of mapping files."""
    text = resources.files("slalang").joinpath("schemas/mapping.schema.json").read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class FileSettings:
    """How one file of an export is written: CSV dialect and timestamps."""

    delimiter: str = ","
    null_values: tuple[str, ...] = ("",)
    encoding: str = "utf8"
    timestamp_format: str | None = None
    timezone: str | None = None

    def csv_options(self) -> dict:
        return {"delimiter": self.delimiter, "null_values": self.null_values,
                "encoding": self.encoding}


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
    #: rules for rows to skip in the tickets (or updates) file, see :mod:`slalang.data.rules`
    ignore: tuple[dict, ...] = ()
    #: the events file's own settings (None: the tickets file's) and ignore rules
    events_settings: FileSettings | None = None
    events_ignore: tuple[dict, ...] = ()
    #: first response from the status history: ``{"statuses": [...]}`` or
    #: ``{"not_statuses": [...]}`` (the first event with a status in / not in the list)
    first_response: dict = field(default_factory=dict)
    #: how to read the export (``source:``): format and its settings, see
    #: :mod:`slalang.data.sources`; ``events_source``: the same for the events
    source_options: dict = field(default_factory=dict)
    events_source: dict = field(default_factory=dict)
    #: named lookups into another array or file (``{lookup: NAME, key: ...}`` sources)
    lookups: dict[str, dict] = field(default_factory=dict)

    # -- reading ---------------------------------------------------------------------------

    @property
    def settings(self) -> FileSettings:
        """The tickets file's settings."""
        return FileSettings(self.delimiter, self.null_values, self.encoding,
                            self.timestamp_format, self.timezone)

    def csv_options(self) -> dict:
        return self.settings.csv_options()

    def read(self, path: str | Path, events: str | Path | None = None) -> TicketTable:
        """Read an export through this mapping (the caller checks ``max_errors``)."""
        from slalang.data.sources.mapped import Reading, events_input, relocate

        file = str(path)
        if self.shape != "event_log":
            events = events_input(self, path, events)
        digest = Reading(path, events)
        settings = self.settings
        table = self._table(path, digest, settings)
        ignored: list[Ignored] = []
        if self.shape == "event_log":
            if events is not None:
                raise DataError("an event-log mapping reads one file; drop the events file",
                                file=str(events))
            skip = self._skip(table, file, self.ignore, ignored)
            raw, raw_events, row_problems, status_ignored, invisible = self._fold(
                table, file, skip, settings)
            ignored += status_ignored
            out = assemble(raw, raw_events, data_hash=digest.hexdigest())
            out.invisible_ids += invisible
            out.rejected = sorted(out.rejected + row_problems, key=lambda r: r.row)
            out.rows_read = table.num_rows
        else:
            skip = self._skip(table, file, self.ignore, ignored)
            raw = self._tickets(table.filter(pa.array(~skip)), file,
                                np.flatnonzero(~skip) + 2, settings)
            if events is None:
                raw_events = RawEvents.empty()
            else:
                ev_settings = self.events_settings or settings
                ev_table = self._table(events, digest, ev_settings, "events.csv")
                ev_skip = self._skip(ev_table, str(events), self.events_ignore, ignored)
                ev_skip |= self._of_skipped(table, skip, file, ev_table, ev_skip, str(events),
                                            ignored)
                raw_events = self._events(ev_table, str(events), ev_skip, ev_settings, ignored)
            out = assemble(raw, raw_events, data_hash=digest.hexdigest())
            out.rows_read = table.num_rows
            out.events_read = 0 if events is None else ev_table.num_rows
            if self.first_response and "first_response_at" not in self.fields:
                out.first_response_at = first_response_from_events(out, self.first_response)
        out.ignored = ignored
        out.notes.update(self._clock_changes(table, file, events,
                                             ev_table if self.shape != "event_log" and
                                             events is not None else None))
        out.zone = self.timezone
        out.shape = self.shape
        return relocate(out, digest)

    def _table(self, path: str | Path, digest: Digest, settings: FileSettings,
               key: str = "csv") -> pa.Table:
        """The file as a table of strings; ``key`` names its settings in the mapping (for the
        message when its header reads as one column)."""
        from slalang.data.sources.mapped import mapped_table

        # any format, page files, lookups: the registry (slalang.data.sources)
        table = mapped_table(self, path, digest, settings.csv_options())
        if table is None:
            bad: list[tuple[int, str]] = []
            # a column the export repeats is labelled, refused only where the mapping uses it
            table = read_csv(read_bytes(path, digest), str(path), {}, bad_rows=bad,
                             repeated=True, **settings.csv_options())
            one_column(table, str(path), settings.delimiter, key)
            if bad:  # malformed rows came back as nulls: reject each with its reason
                from slalang.data.sources import Rows
                from slalang.data.sources.mapped import Reading

                if isinstance(digest, Reading):
                    rows = Rows.one_file(table, str(path))
                    rows.problems.update(bad)
                    digest.located[str(path)] = rows
        # a non-breaking space or zero-width character in a header must not hide a column
        names = [strip_text(n).strip() for n in table.column_names]
        return table.rename_columns(names) if names != table.column_names else table

    def _skip(self, table: pa.Table, file: str, rules: tuple[dict, ...],
              ignored: list[Ignored]) -> np.ndarray:
        """The rows to skip: repeated header rows (concatenated exports) and the mapping's
        ``ignore`` rules; each reason counted in ``ignored``."""
        skip = repeated_header(table)
        _count(ignored, file, skip, "a repeated header row (exports concatenated)")
        for rule in rules:
            hit = rule_mask(table, rule, file) & ~skip
            _count(ignored, file, hit, f"ignore rule {describe_rule(rule)}")
            skip |= hit
        return skip

    def _column(self, table: pa.Table, source: Source | None, file: str, what: str,
                settings: FileSettings | None = None) -> pa.Array | None:
        """The strings of a mapped field (a column, fallback columns, or a constant repeated),
        value-mapped."""
        if source is None:
            return None
        return self._translate(raw_column(table, source, file, what), what)

    def _translate(self, arr: pa.Array, what: str) -> pa.Array:
        return translate(arr, self.values.get(what))

    def _clock_changes(self, table: pa.Table, file: str, events: str | Path | None,
                       ev_table: pa.Table | None) -> dict[str, tuple[int, tuple[str, ...]]]:
        """The naive times that fall in an hour a clock change repeats or skips, counted
        with their first rows (``file:row``) for the warnings: they were read as the rule
        says, in silence, and a status read an hour early can change a verdict."""
        from slalang.data.instants import clock_change_rows

        found: dict[str, list[str]] = {"instants_ambiguous": [], "instants_nonexistent": []}
        total = dict.fromkeys(found, 0)
        where = [(table, file, self.settings,
                  [self.fields.get(c) for c in INSTANT_COLUMNS]
                  + ([self.event_log.get("at")] if self.shape == "event_log" else []))]
        if ev_table is not None:
            where.append((ev_table, str(events), self.events_settings or self.settings,
                          [self.events.get("at", "at")]))
        for t, name, settings, sources in where:
            for source in sources:
                if source is None or isinstance(source, dict):
                    continue
                arr = raw_column(t, source, name, "at")
                amb, non = clock_change_rows(arr, settings.timestamp_format, settings.timezone)
                for key, rows in (("instants_ambiguous", amb), ("instants_nonexistent", non)):
                    total[key] += len(rows)
                    found[key] += [f"{name}:{int(k) + 2}" for k in rows[:3]]
        return {k: (total[k], tuple(sorted(set(v))[:3])) for k, v in found.items() if total[k]}

    def _instants(self, table: pa.Table, source: Source | None, file: str, what: str,
                  settings: FileSettings | None = None) -> Parsed | None:
        arr = self._column(table, source, file, what)
        if arr is None:
            return None
        s = settings or self.settings
        parsed = parse_instants(arr, s.timestamp_format, s.timezone)
        if parsed.errors:
            hint = mapping_hint(s.timestamp_format)
            parsed.errors = {r: f"{e}; {hint}" for r, e in parsed.errors.items()}
        return parsed

    def _tickets(self, table: pa.Table, file: str, rows: np.ndarray,
                 settings: FileSettings) -> RawTickets:
        n = table.num_rows
        f = self.fields
        return RawTickets(
            file=file, n=n, rows=rows.astype(np.int64),
            ids=self._column(table, f["id"], file, "id"),
            categorical={c: self._column(table, f.get(c), file, c) for c in CATEGORICAL_COLUMNS},
            instants={c: p for c in INSTANT_COLUMNS
                      if (p := self._instants(table, f.get(c), file, c, settings)) is not None},
            extra={name: _objects(self._column(table, src, file, name))
                   for name, src in self.extra.items()},
        )

    def _of_skipped(self, tickets: pa.Table, skip: np.ndarray, file: str, events: pa.Table,
                    ev_skip: np.ndarray, ev_file: str, ignored: list[Ignored]) -> np.ndarray:
        """The events of the tickets an ignore rule skipped, counted as ignored with them:
        they were rejected as "event for unknown ticket", so a mapping whose rule leaves out
        cancelled tickets failed ``mapping check`` and ``--max-errors``."""
        import pyarrow.compute as pc

        from slalang.data.invisible import strip_invisible

        if not skip.any():
            return np.zeros(events.num_rows, dtype=bool)
        ids = raw_column(tickets, self.fields.get("id", "id"), file, "id")
        gone = strip_invisible(ids.filter(pa.array(skip)))[0]
        owners = strip_invisible(raw_column(events, self.events.get("ticket_id", "ticket_id"),
                                            ev_file, "ticket_id"))[0]
        kept = strip_invisible(ids.filter(pa.array(~skip)))[0]

        def among(values: pa.Array) -> np.ndarray:
            return np.asarray(pc.fill_null(pc.is_in(owners, value_set=values), False)
                              .to_numpy(zero_copy_only=False), dtype=bool)

        # an id both skipped and kept (a repeated row): its events are the kept ticket's
        hit = among(gone) & ~among(kept) & ~ev_skip
        _count(ignored, ev_file, hit, "the status events of a ticket an ignore rule skipped")
        return hit

    def _events(self, table: pa.Table, file: str, skip: np.ndarray, settings: FileSettings,
                ignored: list[Ignored]) -> RawEvents:
        e = self.events
        status_source = e.get("status")
        if status_source is not None:
            # a status the mapping translates to null: the row is ignored, not refused
            raw = raw_column(table, status_source, file, "status")
            nulled = _nulled(raw, self._translate(raw, "status")) & ~skip
            for value, mask in _by_value(raw, nulled):
                _count(ignored, file, mask, f"status {value!r} mapped to null")
            skip = skip | nulled
        keep = np.flatnonzero(~skip)
        table = table.filter(pa.array(~skip))
        m = table.num_rows
        none = pa.nulls(m, pa.string())
        return RawEvents(
            file=file, rows=(keep + 2).astype(np.int64),
            ticket=self._column(table, e.get("ticket_id", "ticket_id"), file, "ticket_id"),
            at=self._instants(table, e.get("at", "at"), file, "at",  # type: ignore[arg-type]
                              settings),
            status=self._column(table, status_source, file, "status") or none,
            priority=self._column(table, e.get("priority"), file, "priority") or none,
        )

    # -- the event-log fold ----------------------------------------------------------------

    def _fold(self, table: pa.Table, file: str, skip: np.ndarray, settings: FileSettings
              ) -> tuple[RawTickets, RawEvents, list[Rejection], list[Ignored], int]:
        n = table.num_rows
        log, f = self.event_log, self.fields
        rows = np.arange(2, n + 2, dtype=np.int64)
        ids = self._column(table, f["id"], file, "id")
        clean, invisible = strip_invisible(ids)
        if invisible:  # counted on the rows folded, not on a repeated header
            changed = _bool(pc.fill_null(pc.not_equal(ids, clean), False))
            invisible = int(np.count_nonzero(changed & ~skip))
        ids = clean
        at_source = log["at"]
        at = self._instants(table, at_source, file, "at", settings)
        raw_status = raw_column(table, log["status"], file, "status")
        status = self._translate(raw_status, "status")
        problems: list[Rejection] = []
        usable = ~skip
        missing = _bool(pc.fill_null(pc.equal(ids, ""), True)) & usable
        problems += [Rejection(file, int(rows[r]), _name(f["id"]), "missing ticket id")
                     for r in np.flatnonzero(missing)]
        usable &= ~missing
        for r in sorted(at.errors):  # type: ignore[union-attr]
            if usable[r]:
                problems.append(Rejection(file, int(rows[r]), _name(at_source),
                                          at.errors[r]))  # type: ignore[union-attr]
                usable[r] = False
        no_at = (at.values == NAT) & usable  # type: ignore[union-attr]
        problems += [Rejection(file, int(rows[r]), _name(at_source), "missing event time")
                     for r in np.flatnonzero(no_at)]
        usable &= ~no_at
        # a status the mapping translates to null marks a row to ignore (e.g. a placeholder)
        nulled = _nulled(raw_status, status) & usable
        status_ignored: list[Ignored] = []
        for value, mask in _by_value(raw_status, nulled):
            _count(status_ignored, file, mask, f"status {value!r} mapped to null")
        usable &= ~nulled

        s_codes, s_labels = _encode(status)
        prio = self._column(table, f.get("priority"), file, "priority")
        p_codes, p_labels = _encode(prio) if prio is not None else (np.full(n, -1, np.int32),
                                                                    [])
        first_statuses = set(log.get("first_response", {}).get("statuses", []))
        closed_set = set(log.get("closed_statuses", ["closed"]))
        done_set = set(log.get("resolved_statuses", ["resolved"])) | closed_set
        folded = fold_updates(
            _codes(ids), at.values, s_codes, p_codes, usable,  # type: ignore[union-attr]
            response_codes=np.array([x in first_statuses for x in s_labels], dtype=bool),
            done_codes=np.array([x in done_set for x in s_labels], dtype=bool),
            closed_codes=np.array([x in closed_set for x in s_labels], dtype=bool))
        first, last = folded.first, folded.last
        k = len(first)

        def at_last(arr: pa.Array | None) -> pa.Array | None:
            return None if arr is None else pc.take(arr, pa.array(last))

        instants: dict[str, Parsed] = {}
        derived = {"created_at": folded.created, "first_response_at": folded.response,
                   "resolved_at": folded.resolved, "closed_at": folded.closed}
        ticket_of_row = np.full(n, -1, dtype=np.int64)
        ticket_of_row[last] = np.arange(k)
        for col in INSTANT_COLUMNS:
            if col in f:  # a column wins over the fold; read on the ticket's latest row
                parsed = self._instants(table, f[col], file, col, settings)
                errors = {int(ticket_of_row[r]): e
                          for r, e in parsed.errors.items()  # type: ignore[union-attr]
                          if ticket_of_row[r] >= 0}
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
        events = RawEvents(
            file=file, rows=rows[first][folded.owner] if k else np.zeros(0, np.int64),
            ticket=folded.owner, at=Parsed(folded.at, {}),
            status=_dictionary(folded.status, s_labels),
            priority=_dictionary(folded.priority, p_labels),
        )
        return tickets, events, problems, status_ignored, invisible

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
    if isinstance(source, list):
        return source[0]
    return source if isinstance(source, str) else None


def mapping_hint(fmt: str | None) -> str:
    """What to change in the mapping when a timestamp does not read."""
    if fmt is None:
        return ("if the export writes times another way, give their strptime format as "
                "timestamps.format in the mapping (and timestamps.timezone for naive times)")
    return f"fix timestamps.format ({fmt!r}) in the mapping to match the export"


def raw_column(table: pa.Table, source: Source, file: str, what: str) -> pa.Array:
    """The strings of a source before any value map: a column, the first non-empty of
    fallback columns, or a constant repeated."""
    n = table.num_rows
    if isinstance(source, dict) and "lookup" in source:
        from slalang.data.sources.mapped import lookup_column

        source = lookup_column(source)  # the reader added the looked-up column
    if isinstance(source, dict):
        value = source["constant"]
        return pa.array([None if value is None else str(value)] * n, pa.string())
    names = source if isinstance(source, list) else [source]
    parts = []
    for name in names:
        if name not in table.column_names:
            raise missing_column(table, name, file, what)
        arr = _one_chunk(table.column(name))
        if not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        # an empty cell falls back to the next column, as a null does
        parts.append(pc.if_else(pc.equal(arr, ""), None, arr) if len(names) > 1 else arr)
    return parts[0] if len(parts) == 1 else pc.coalesce(*parts)


def translate(arr: pa.Array, table: dict[str, str | None] | None) -> pa.Array:
    """Apply a value map (its ``"*"`` entry, when present, to every value it does not list);
    unlisted values pass unchanged otherwise."""
    if not table:
        return arr
    # translate the distinct values once, then spread them back over the rows
    encoded = pc.dictionary_encode(arr)
    default = table.get(DEFAULT_KEY, _UNCHANGED)
    labels = [None if v is None else table.get(v, v if default is _UNCHANGED else default)
              for v in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(labels, pa.string()), encoded.indices)


_UNCHANGED = object()


def _nulled(raw: pa.Array, mapped: pa.Array) -> np.ndarray:
    """Rows whose value the value map turned into null (ignored on purpose)."""
    return _bool(pc.and_(pc.is_null(mapped), pc.is_valid(raw)))


def _bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def _by_value(raw: pa.Array, mask: np.ndarray):
    """(value, rows with it) for the distinct values of ``raw`` on the rows of ``mask``."""
    if not mask.any():
        return
    codes, labels = _encode(raw)
    picked = codes[mask]
    for code in np.unique(picked).tolist():
        yield labels[code], mask & (codes == code)


def _count(ignored: list[Ignored], file: str, mask: np.ndarray, reason: str) -> None:
    hits = np.flatnonzero(mask)
    if len(hits):
        ignored.append(Ignored(file, reason, len(hits), int(hits[0]) + 2))


def _encode(arr: pa.Array) -> tuple[np.ndarray, list]:
    """int32 codes (-1 for null) and their labels."""
    encoded = pc.dictionary_encode(_one_chunk(arr))
    codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False),
                       dtype=np.int32)
    return codes, encoded.dictionary.to_pylist()


def _dictionary(codes: np.ndarray, labels: list) -> pa.DictionaryArray:
    indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, type=pa.string()))


def first_response_from_events(table: TicketTable, rule: dict) -> np.ndarray:
    """Each ticket's first response: its column where present, else the first status event
    whose status is in ``rule["statuses"]`` (or not in ``rule["not_statuses"]``)."""
    labels = table.event_status.labels
    if "statuses" in rule:
        wanted = set(rule["statuses"])
        hit_label = [x in wanted for x in labels]
    else:
        unwanted = set(rule.get("not_statuses", []))
        hit_label = [x not in unwanted for x in labels]
    hit = np.append(np.array(hit_label, dtype=bool), False)[table.event_status.codes]
    out = np.array(table.first_response_at, dtype=np.int64, copy=True)
    events = np.flatnonzero(hit)
    if not len(events):
        return out
    owner = np.searchsorted(table.event_offsets, events, side="right") - 1
    first = np.ones(len(events), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]  # events are sorted by (ticket, instant)
    owner, at = owner[first], table.event_at[events[first]]
    fill = out[owner] == NAT
    out[owner[fill]] = at[fill]
    return out


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


def _check_patterns(doc: dict, file: str) -> None:
    """Refuse an ignore rule whose ``matches`` pattern is no regular expression (the run
    failed on the first table with "internal error: ArrowInvalid: Invalid regular
    expression"), naming its key as the schema's errors do."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rules = [("ignore", doc.get("ignore") or ()),
             ("events/ignore", (doc.get("events") or {}).get("ignore") or ())]
    for where, listed in rules:
        for k, rule in enumerate(listed):
            pattern = rule.get("matches") if isinstance(rule, dict) else None
            if pattern is None:
                continue
            try:  # the engine that applies it (RE2), on one value
                pc.match_substring_regex(pa.array([""]), str(pattern))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                reason = str(exc).split(": ", 1)[-1]
                raise DataError(f"invalid mapping at {where}/{k}/matches: {pattern!r} is not a "
                                f"regular expression ({reason})", file=file) from None


def load_mapping(path: str | Path) -> Mapping:
    """Load and validate a mapping YAML file.

    Raises:
        DataError: unreadable file, invalid YAML, or a mapping the schema refuses (the message
            names the offending key).
    """
    import jsonschema  # only mappings need these: imported on first use

    from slalang.bounded_yaml import load_yaml_file

    file = str(path)
    # bounded: size, nesting and alias expansion (a mapping may come from anyone)
    doc = load_yaml_file(path, "mapping")
    validator = jsonschema.Draft202012Validator(mapping_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(f"invalid mapping at {where}: {err.message}{more}", file=file)
    _check_patterns(doc, file)
    timestamps = doc.get("timestamps", {})
    zone = _zone(timestamps.get("timezone"), file, "timestamps.timezone")
    csv = doc.get("csv", {})
    events = dict(doc.get("events", {}))
    ev_csv, ev_times = events.pop("csv", None), events.pop("timestamps", None)
    events_ignore = tuple(events.pop("ignore", ()))
    events_settings = None
    if ev_csv is not None or ev_times is not None:
        both_csv = {**csv, **(ev_csv or {})}
        both_times = {**timestamps, **(ev_times or {})}
        events_settings = FileSettings(
            delimiter=both_csv.get("delimiter", ","),
            null_values=tuple(both_csv.get("null_values", [""])),
            encoding=both_csv.get("encoding", "utf8"),
            timestamp_format=both_times.get("format"),
            timezone=_zone(both_times.get("timezone"), file, "events.timestamps.timezone"))
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
        events=events,
        downtime=doc.get("downtime", {}),
        source=file,
        ignore=tuple(doc.get("ignore", ())),
        events_settings=events_settings,
        events_ignore=events_ignore,
        first_response=doc.get("first_response", {}),
        source_options=doc.get("source", {}),
        events_source=doc.get("events_source", {}),
        lookups=doc.get("lookups", {}),
    )


def _zone(zone: str | None, file: str, key: str) -> str | None:
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
            shown = zone if len(zone) <= 60 else zone[:57] + "..."
            raise DataError(f"unknown time zone {shown!r}", file=file, field=key) from None
    return zone
