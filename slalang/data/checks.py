"""Checks on an assembled :class:`TicketTable` that need a ticket and its events together.

:func:`~slalang.data.build.assemble` validates rows one at a time; the check here compares a
ticket's status history with its creation, which only the assembled table has side by side.
Both readers (in memory and in chunks) call it on every table they build.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from slalang.businesstime.pauses import rows_of
from slalang.data.table import NAT, Rejection, TicketTable, to_datetime


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
    owner = rows_of(table.event_offsets)
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
    zone = getattr(table, "zone", None)
    added = [Rejection(file, int(table.source_row[i]), "events",
                       f"status event at {_iso(table.event_at[j], zone)} before creation at "
                       f"{_iso(table.created_at[i], zone)}")
             for i, j in sorted(seen.items())]
    kept = table.take(~bad)
    # the order read_tickets keeps: the tickets file first, then by file and row
    rejected = sorted([*table.rejected, *added],
                      key=lambda r: (r.file != file, r.file, r.row))
    return dataclasses.replace(kept, rejected=rejected), added


def _iso(instant: int, zone: str | None = None) -> str:
    """An instant in UTC, or in the export's zone with UTC beside it (as the user sees it in
    the file, and as slalang compares it).

    >>> _iso(0), _iso(0, "Europe/Rome")
    ('1970-01-01T00:00:00+00:00', '1970-01-01T01:00:00+01:00 (1970-01-01T00:00:00Z)')
    """
    moment = to_datetime(int(instant))
    if moment is None:
        return "?"
    if zone is None:
        return moment.isoformat()
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(zone)).isoformat()
    return f"{local} ({moment.strftime('%Y-%m-%dT%H:%M:%SZ')})"


#: statuses that end a ticket's work (the clocks' ``resolved``/``closed``)
DONE = ("resolved", "closed")
#: how many ticket ids a note names
NOTE_IDS = 5


def add_notes(total: dict, notes: dict) -> None:
    """Add a chunk's notes (``{key: (count, ids)}``) into ``total``: the counts summed, the
    first :data:`NOTE_IDS` ids kept, in chunk order (what the whole read's notes say)."""
    for key, (count, ids) in notes.items():
        was = total.get(key, (0, ()))
        total[key] = (was[0] + count, (was[1] + ids)[:NOTE_IDS])


def derive_resolution(table: TicketTable) -> TicketTable:
    """Fill ``resolved_at`` from the status history where the history ends resolved or closed
    and the export gave no resolution, and note the tickets whose ``resolved_at`` the history
    contradicts (it ends in an open status entered after that resolution).

    The derived instant follows the clocks' rule for ``resolved``: the *last* entry into
    resolved/closed from another status. Both are counted in ``table.notes`` so that the
    evaluation can say what it did (a ticket silently left open would breach every clock).
    A ticket closed without any resolution is resolved when it was closed
    (:func:`_resolved_when_closed`).
    """
    return _resolved_when_closed(_resolved_from_history(table))


def _resolved_from_history(table: TicketTable) -> TicketTable:
    """:func:`derive_resolution`'s reading of the status history."""
    labels = table.event_status.labels
    if not labels or not len(table.event_at):
        return table
    codes = np.asarray(table.event_status.codes)
    has = np.flatnonzero(codes >= 0)
    if not len(has):
        return table
    done_label = np.array([x in DONE for x in labels] + [False], dtype=bool)
    offsets = np.asarray(table.event_offsets)
    owner = None
    if len(has) == len(codes):  # every event has a status: the last is at the offsets
        tix = np.flatnonzero(offsets[1:] > offsets[:-1])
        last_idx = offsets[1:][tix] - 1
    else:
        owner = np.searchsorted(offsets, has, side="right") - 1
        last = np.ones(len(has), dtype=bool)
        last[:-1] = owner[1:] != owner[:-1]
        tix, last_idx = owner[last], has[last]
    last_done = done_label[codes[last_idx]]
    ends_done = np.zeros(table.n, dtype=bool)
    ends_open = np.zeros(table.n, dtype=bool)
    ends_done[tix] = last_done
    ends_open[tix] = ~last_done
    last_at = np.full(table.n, NAT, dtype=np.int64)
    last_at[tix] = table.event_at[last_idx]
    entry = np.full(table.n, NAT, dtype=np.int64)
    if ends_done.any():  # the last entry into resolved/closed of each ticket
        if owner is None:
            owner = np.searchsorted(offsets, has, side="right") - 1
        done = done_label[codes[has]]
        prev_done = np.zeros(len(has), dtype=bool)
        prev_done[1:] = done[:-1] & (owner[1:] == owner[:-1])
        hit = np.flatnonzero(done & ~prev_done)
        # events are in time order per ticket: the last write per ticket is the last entry
        entry[owner[hit]] = table.event_at[has[hit]]
    resolved = np.asarray(table.resolved_at)
    derive = ends_done & (resolved == NAT) & (entry != NAT)
    # an open status *after* the resolution: reopened and not resolved again (an export
    # whose history simply stops before the resolution is not contradicted)
    contradicted = ends_open & (resolved != NAT) & (last_at > resolved)
    if not derive.any() and not contradicted.any():
        return table
    notes = dict(table.notes)
    if derive.any():
        fixed = resolved.copy()
        fixed[derive] = entry[derive]
        table = dataclasses.replace(table, resolved_at=fixed)
        ids = table.id[np.flatnonzero(derive)[:NOTE_IDS]]
        notes["resolved_at_derived"] = (int(derive.sum()), tuple(str(x) for x in ids))
    if contradicted.any():
        ids = table.id[np.flatnonzero(contradicted)[:NOTE_IDS]]
        notes["resolved_at_contradicted"] = (int(contradicted.sum()),
                                             tuple(str(x) for x in ids))
    table.notes = notes
    return table


def _resolved_when_closed(table: TicketTable) -> TicketTable:
    """A ticket closed with no resolution anywhere (no ``resolved_at``, none in its
    history) was resolved at the latest when it was closed: ``resolved_at`` is taken from
    ``closed_at``, as the history's closing is, and noted. A resolution clock otherwise ran
    on to the evaluation instant, and an incident closed two minutes after it was opened
    was a breach, or still "open" in the customer's report."""
    closed = np.asarray(table.closed_at)
    resolved = np.asarray(table.resolved_at)
    take = (resolved == NAT) & (closed != NAT)
    if not take.any():
        return table
    fixed = resolved.copy()
    fixed[take] = closed[take]
    notes = dict(table.notes)
    ids = table.id[np.flatnonzero(take)[:NOTE_IDS]]
    notes["resolved_at_from_closed"] = (int(take.sum()), tuple(str(x) for x in ids))
    table = dataclasses.replace(table, resolved_at=fixed)
    table.notes = notes
    return table
