"""Where a mapping meets the readers: the table of a file in any format, lookups, and the
file and row each refused row really came from.

:class:`slalang.data.Mapping` reads its export as one table of string columns whose rows are
numbered from 2, as in a CSV file with a header. For any other input (JSON records, several
page files, a spreadsheet, a query) :func:`mapped_table` reads the rows through the format's
reader and remembers where each came from; :func:`relocate` then rewrites every refused row
to its real file and row (the JSON record, the page file, the spreadsheet row), so messages
stay exact whatever the format.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.source import Digest
from slalang.data.sources import Rows, expand, format_of, read_source
from slalang.data.table import Rejection, TicketTable
from slalang.errors import DataError

if TYPE_CHECKING:
    from slalang.data.mapping import Mapping

#: the marker of an events "file" that is the tickets file itself (events nested in tickets)
NESTED = "#events"


class Reading(Digest):
    """The state of one mapped read: the digest of every byte read, the inputs, and where the
    rows of each input came from."""

    def __init__(self, tickets: str | Path, events: str | Path | None) -> None:
        super().__init__()
        self.tickets = str(tickets)
        self.events = None if events is None else str(events)
        self.located: dict[str, Rows] = {}
        self.lookups: dict[str, dict[str, str | None]] = {}
        #: documents already parsed, by (file, format, member, records)
        self.parsed: dict = {}


def events_input(mapping: Mapping, tickets: str | Path, events: str | Path | None
                 ) -> str | Path | None:
    """The events input: the file given, or the tickets file itself when the mapping takes
    the events from arrays nested in the tickets (``events_source`` without an events file)."""
    if events is None and mapping.events_source:
        return f"{tickets}{NESTED}"
    return events


def lookup_column(source: dict) -> str:
    """The column name under which a lookup source's values are put in the table.

    >>> lookup_column({"lookup": "org", "key": "organization_id"})
    'org[organization_id]'
    """
    return f"{source['lookup']}[{source['key']}]"


def _sources(mapping: Mapping, role: str) -> list:
    if role == "events":
        return list(mapping.events.values())
    found = list(mapping.fields.values()) + list(mapping.extra.values())
    if mapping.shape == "event_log":
        found += [mapping.event_log.get("at"), mapping.event_log.get("status")]
    return found


def _strings(source: object) -> list[str]:
    if isinstance(source, str):
        return [source]
    if isinstance(source, list):
        return [s for item in source for s in _strings(item)]
    if isinstance(source, dict) and "lookup" in source:
        return _strings(source["key"])
    return []


def wanted(mapping: Mapping, role: str) -> list[str]:
    """The columns (or paths) the mapping reads from the tickets or the events input."""
    out: list[str] = []
    rules = mapping.events_ignore if role == "events" else mapping.ignore
    for source in [*_sources(mapping, role), *(r.get("column") for r in rules)]:
        out += [s for s in _strings(source) if s not in out]
    if role == "events":
        for name in ("ticket_id", "at"):
            if name not in mapping.events and name not in out:
                out.append(name)
    return out


def mapped_table(mapping: Mapping, path: str | Path, reading: Digest, csv_options: dict
                 ) -> pa.Table | None:
    """The table of ``path`` read through the registry, or None when it is a plain CSV file
    the mapping reads itself (the fast path every CSV mapping took before)."""
    given = str(path)
    role = "events" if isinstance(reading, Reading) and given == reading.events else "tickets"
    real = given[: -len(NESTED)] if given.endswith(NESTED) else given
    options = dict(mapping.events_source if role == "events" else mapping.source_options)
    if role == "events" and given.endswith(NESTED):
        options.setdefault("format", mapping.source_options.get("format"))
    fmt = options.get("format") or format_of(real)
    options["format"] = fmt
    uses_lookup = any(isinstance(s, dict) and "lookup" in s for s in _sources(mapping, role))
    if fmt == "csv":
        if not uses_lookup and given == real and expand(real) == [real]:
            return None
        for key, value in csv_options.items():
            options.setdefault(key, value)
    rows = read_source(real, options, wanted(mapping, role), reading)
    table = rows.table
    for source in _sources(mapping, role):
        if isinstance(source, dict) and "lookup" in source:
            table = _add_lookup(mapping, table, source, reading, real)
    if isinstance(reading, Reading):
        reading.located[given] = rows
    return table


def _add_lookup(mapping: Mapping, table: pa.Table, source: dict, reading: Digest,
                tickets: str) -> pa.Table:
    name = lookup_column(source)
    if name in table.column_names:
        return table
    spec = mapping.lookups.get(source["lookup"])
    if spec is None:
        raise DataError(f"no lookup named {source['lookup']!r} in the mapping (lookups: "
                        f"{', '.join(mapping.lookups) or 'none'})", file=mapping.source)
    values = _lookup_values(mapping, source["lookup"], spec, reading, tickets)
    key = source["key"]
    if key not in table.column_names:
        from slalang.data.rules import missing_column
        from slalang.data.source import repeated_columns

        if repeated_columns(table.column_names, key):
            raise missing_column(table, key, tickets, "a lookup's key")
        raise DataError(f"the lookup key {key!r} is not in the file", file=tickets, field=key)
    keys = table.column(key)
    if not pa.types.is_string(keys.type):
        keys = pc.cast(keys, pa.string())
    encoded = pc.dictionary_encode(keys).combine_chunks()
    labels = [values.get(k) if k is not None else None
              for k in encoded.dictionary.to_pylist()]
    column = pc.take(pa.array(labels, pa.string()), encoded.indices)
    return table.append_column(name, column)


def _lookup_values(mapping: Mapping, name: str, spec: dict, reading: Digest, tickets: str
                   ) -> dict[str, str | None]:
    cache = reading.lookups if isinstance(reading, Reading) else {}
    if name in cache:
        return cache[name]
    if spec.get("from") == "events":
        if not isinstance(reading, Reading) or reading.events is None:
            raise DataError(f"the lookup {name!r} reads the events file, and none was given",
                            file=mapping.source)
        path = reading.events
    elif "file" in spec:
        path = str(Path(tickets).parent / spec["file"]) if not Path(spec["file"]).is_absolute(
        ) else spec["file"]
    else:
        path = tickets
    options = {k: spec[k] for k in ("format", "records", "where", "unnest", "member", "sheet")
               if k in spec}
    rows = read_source(path, options, [spec["key"], spec["value"]], reading)
    keys = rows.table.column(spec["key"]).to_pylist()
    vals = rows.table.column(spec["value"]).to_pylist()
    out: dict[str, str | None] = {}
    last = spec.get("pick", "first") == "last"
    # the first (or last) matching row decides, even when its value is null: a later row
    # may undo an earlier one (a reopening after a resolution)
    for k, v in zip(keys, vals, strict=True):
        if k is None:
            continue
        if last or k not in out:
            out[k] = v
    cache[name] = out
    return out


def relocate(out: TicketTable, reading: Digest) -> TicketTable:
    """Rewrite refused rows (and the tickets' source rows) from table positions to the file
    and row each came from; a row no reader could parse gets the reader's reason."""
    if not isinstance(reading, Reading) or not reading.located:
        return out
    rejected = []
    for r in out.rejected:
        rows = reading.located.get(r.file)
        if rows is not None and 2 <= r.row < rows.n + 2:
            k = r.row - 2
            file, row = rows.where(k)
            if k in rows.problems:
                r = Rejection(file, row, None, rows.problems[k])
            else:
                r = dataclasses.replace(r, file=file, row=row)
        rejected.append(r)
    # the same record may give several refused rows (a ticket's nested events): keep one
    seen: set = set()
    unique = []
    for r in rejected:
        key = (r.file, r.row, r.field, r.reason)
        if key not in seen:
            seen.add(key)
            unique.append(r)
    out.rejected = unique
    ignored = []
    for skipped in getattr(out, "ignored", None) or []:
        rows = reading.located.get(skipped.file)
        if rows is not None and 2 <= skipped.first_row < rows.n + 2:
            file, row = rows.where(skipped.first_row - 2)
            skipped = dataclasses.replace(skipped, file=file, first_row=row)
        ignored.append(skipped)
    if ignored:
        out.ignored = ignored
    rows = reading.located.get(out.source)
    if rows is not None:
        out.source_files = tuple(rows.files)
    if rows is not None and len(out.source_row):
        at = out.source_row - 2
        out.source_file_index = np.asarray(rows.file_index, dtype=np.int64)[at]
        out.source_row = np.asarray(rows.rows, dtype=np.int64)[at]
    elif rows is not None:
        out.source_file_index = np.zeros(0, np.int64)
    return out
