"""Checks on an assembled :class:`TicketTable` that need a ticket and its events together.

:func:`~slalang.data.build.assemble` validates rows one at a time; the check here compares a
ticket's status history with its creation, which only the assembled table has side by side.
Both readers (in memory and in chunks) call it on every table they build.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from slalang.data.table import Rejection, TicketTable, to_datetime


def refuse_early_events(table: TicketTable) -> TicketTable:
    """Refuse the tickets with a status event dated before their ``created_at``.

    Such an event could pause (or stop) a clock before it started; like a resolution before
    creation, the ticket is refused (field ``events``, on the ticket's row) and takes its
    events with it. Returns the table itself when no ticket is refused.

    >>> from slalang.data import Categorical
    >>> none = Categorical.absent(2)
    >>> t = TicketTable(id=np.array(["A", "B"], dtype=object), customer=none, tier=none,
    ...     priority=none, category=none, service=none,
    ...     created_at=np.array([100, 100]), first_response_at=np.array([0, 0]),
    ...     resolved_at=np.array([0, 0]), closed_at=np.array([0, 0]),
    ...     event_offsets=np.array([0, 1, 2]), event_at=np.array([150, 50]),
    ...     event_status=Categorical.from_values(["x", "x"]), event_priority=none,
    ...     source_row=np.array([2, 3]), source="t.csv")
    >>> kept = refuse_early_events(t)
    >>> kept.id.tolist(), [str(r) for r in kept.rejected]  # doctest: +NORMALIZE_WHITESPACE
    (['A'], ["t.csv:3: status event at 1970-01-01T00:00:50+00:00 before creation at
              1970-01-01T00:01:40+00:00 (field 'events')"])
    """
    return refuse_early_events_listed(table)[0]


def refuse_early_events_listed(table: TicketTable) -> tuple[TicketTable, list[Rejection]]:
    """:func:`refuse_early_events`, and the rejections it added (the chunked reader collects
    them: its first pass over the tickets has no events yet)."""
    if not len(table.event_at):
        return table, []
    owner = np.repeat(np.arange(table.n, dtype=np.int64), np.diff(table.event_offsets))
    early = table.event_at < np.asarray(table.created_at)[owner]
    if not early.any():
        return table, []
    # events are sorted by (ticket, instant): a ticket's first early event is its earliest
    seen: dict[int, int] = {}
    for j in np.flatnonzero(early).tolist():
        seen.setdefault(int(owner[j]), j)
    bad = np.zeros(table.n, dtype=bool)
    bad[list(seen)] = True
    file = table.source
    added = [Rejection(file, int(table.source_row[i]), "events",
                       f"status event at {_iso(table.event_at[j])} before creation at "
                       f"{_iso(table.created_at[i])}")
             for i, j in sorted(seen.items())]
    kept = table.take(~bad)
    # the order read_tickets keeps: the tickets file first, then by file and row
    rejected = sorted([*table.rejected, *added],
                      key=lambda r: (r.file != file, r.file, r.row))
    return dataclasses.replace(kept, rejected=rejected), added


def _iso(instant: int) -> str:
    moment = to_datetime(int(instant))
    return moment.isoformat() if moment is not None else "?"
