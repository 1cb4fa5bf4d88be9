"""One ticket's rows out of a large canonical CSV export, read chunk by chunk.

``slalang explain`` needs a single ticket: its ticket rows and its status events. Reading a
10m export whole for that took 25 s and 7.4 GB. Streamed, only the rows that name the ticket
(invisible characters stripped, as the reader strips them) are kept, numbered as in the
files, and the reader's own assembly and checks run on them: 3.6 s and 0.4 GB. Every rule
that decides a ticket's fate looks at that ticket's rows alone (a repeated id: the first
row wins; an event before creation refuses it), so its row, events and refusals are the
ones the whole read gives.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.build import RawEvents, assemble
from slalang.data.canonical import _DICT, _INSTANT, events_from_table, tickets_from_table
from slalang.data.checks import derive_resolution, refuse_early_events
from slalang.data.invisible import strip_invisible
from slalang.data.split import ticket_types
from slalang.data.table import TicketTable
from slalang.errors import DataError

#: rows parsed at a time
CHUNK_ROWS = 1_000_000


def ticket_rows(tickets: str | Path, events: str | Path | None, ticket_id: str
                ) -> TicketTable | None:
    """The table of the rows about ``ticket_id`` in a canonical CSV export (its ticket rows,
    its events), as :func:`~slalang.data.read_tickets` reads them; None when the export is
    not one that streams (JSON Lines, a zip archive) or a row needs the whole read to be
    reported (an unreadable value, a malformed row): the caller reads it whole."""
    from slalang.data.stream import _Conversion, stream_refusal

    if stream_refusal(tickets, events, None) is not None:
        return None
    try:
        table, rows = _kept(tickets, ticket_types(False), "id", ticket_id)
        raw = tickets_from_table(table, str(tickets))
        raw.rows = rows
        if events is None:
            raw_events = RawEvents.empty()
        else:
            table, rows = _kept(events, {"at": _INSTANT, "status": _DICT, "priority": _DICT},
                                "ticket_id", ticket_id)
            raw_events = events_from_table(table, str(events))
            raw_events.rows = rows
    except (_Conversion, DataError):
        return None
    return derive_resolution(refuse_early_events(assemble(raw, raw_events)))


def _kept(path: str | Path, types: dict[str, pa.DataType], column: str, ticket_id: str
          ) -> tuple[pa.Table, np.ndarray]:
    """The rows of ``path`` whose ``column`` names the ticket, and their row numbers."""
    from slalang.data.stream import _header, csv_chunks

    if column not in _header(path):
        raise DataError(f"missing column {column!r}", file=str(path))  # said by the whole read
    parts: list[pa.Table] = []
    numbers: list[np.ndarray] = []
    for first, chunk in csv_chunks(path, types, CHUNK_ROWS):
        if not parts:
            parts.append(chunk.slice(0, 0))  # the schema, when no row names the ticket
        ids = strip_invisible(chunk.column(column))[0]
        hits = np.flatnonzero(pc.fill_null(pc.equal(ids, ticket_id), False).to_numpy(
            zero_copy_only=False))
        if len(hits):
            parts.append(chunk.take(pa.array(hits)))
            numbers.append(hits.astype(np.int64) + first)
    rows = np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int64)
    return pa.concat_tables(parts), rows
