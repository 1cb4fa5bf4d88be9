"""Clock semantics, vectorised: from each ticket's events to a metric's start, stop and pauses.

For one clock and a whole :class:`~slalang.data.TicketTable` this module computes, with numpy
and no Python loop over tickets:

* ``start``: the instant the clock starts (``NAT`` when it never started);
* ``stop``: the instant it stops (``NAT`` while still running at ``as_of``);
* ``end``: where elapsed time is measured to (``stop``, or ``as_of`` while running);
* ``pauses``: the paused intervals in CSR form, clipped to ``[start, end)``.

The rules (docs/evaluation/semantics.md has the worked examples):

* ``created``/``first_response``/``resolved``/``closed`` read the ticket's instants
  (``resolved``/``closed`` are the *last* ones); ``status X`` is the first event entering X
  (with ``on reopen restart``: the first after the last reopening up to ``as_of``).
* A status interval runs from its event to the ticket's next status event (the last one runs
  on); the clock is paused during the intervals whose status is one of the clock's pauses.
* ``on reopen restart``: the clock restarts at the last reopening before ``end`` (an event
  leaving ``resolved``/``closed``); ``on priority change restart``: at the last priority change
  before ``end``. Otherwise (``resume``/``carry``) the start stays where it was.
* A stop after ``as_of`` is not known yet: the clock is running.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from slalang.businesstime.pauses import rows_of
from slalang.model import ClockDef, ClockEvent
from slalang.vocabulary import DONE_STATUSES, codes_labels

#: the "no instant" marker of int64 instant columns
NAT = np.iinfo(np.int64).min
#: an instant after every other (an open-ended status interval ends here)
FOREVER = np.iinfo(np.int64).max

_INSTANT_COLUMNS = {"created": "created_at", "first_response": "first_response_at",
                    "resolved": "resolved_at", "closed": "closed_at"}


def label_codes(labels: list[str], wanted) -> np.ndarray:
    """Codes of ``wanted`` labels among ``labels`` (missing ones left out)."""
    index = {x: i for i, x in enumerate(labels)}
    return np.array([index[w] for w in wanted if w in index], dtype=np.int32)


@dataclass(frozen=True)
class EventIndex:
    """The status events of a table, prepared once and shared by every clock.

    Only events that carry a status are kept (a priority-only event does not end a status
    interval). Arrays are parallel, grouped by ticket, in time order within a ticket.
    """

    n_tickets: int
    ticket: np.ndarray  # int64 ticket index of each status event
    at: np.ndarray  # int64 instant
    status: np.ndarray  # int32 status code
    labels: list[str]
    #: the instant of the ticket's next status event (FOREVER for its last one)
    next_at: np.ndarray
    #: the status code of the ticket's previous status event (-1 for its first one)
    prev_status: np.ndarray
    #: instants of priority changes (events whose priority differs from the previous one)
    change_ticket: np.ndarray
    change_at: np.ndarray
    #: :meth:`in_statuses` selections, by status codes (clocks mostly share their pauses)
    _selected: dict = field(default_factory=dict, repr=False, compare=False)

    def member(self, codes: np.ndarray, statuses) -> np.ndarray:
        """Whether each of ``codes`` (status codes of this index, -1 for none) is one of
        ``statuses``: one gather in a table of the labels (``np.isin`` sorts or loops)."""
        table = np.zeros(len(self.labels) + 1, dtype=bool)
        table[label_codes(self.labels, statuses)] = True
        return table[codes]

    def in_statuses(self, statuses) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The status intervals in one of ``statuses``: (their ticket, start, end, index
        among the status events), computed once per set of statuses."""
        key = tuple(sorted(set(statuses)))
        found = self._selected.get(key)
        if found is None:
            sel = np.flatnonzero(self.member(self.status, key))
            found = self._selected[key] = (self.ticket[sel], self.at[sel], self.next_at[sel],
                                           sel)
        return found

    @classmethod
    def build(cls, tickets) -> EventIndex:
        offsets = np.asarray(tickets.event_offsets, dtype=np.int64)
        n = len(offsets) - 1
        all_ticket = rows_of(offsets)
        all_at = np.asarray(tickets.event_at, dtype=np.int64)
        codes, labels = codes_labels(tickets.event_status)
        keep = codes >= 0
        if keep.all():  # every event has a status (the usual case): no copies
            ticket, at, status = all_ticket, all_at, codes
        else:
            ticket, at, status = all_ticket[keep], all_at[keep], codes[keep]
        same_next = np.zeros(len(ticket), dtype=bool)
        same_next[:-1] = ticket[1:] == ticket[:-1]
        next_at = np.full(len(ticket), FOREVER, dtype=np.int64)
        next_at[:-1] = at[1:]
        next_at[~same_next] = FOREVER
        prev_status = np.full(len(ticket), -1, dtype=np.int32)
        if len(ticket):
            prev_status[1:] = status[:-1]
            first = np.ones(len(ticket), dtype=bool)
            first[1:] = ticket[1:] != ticket[:-1]
            prev_status[first] = -1
        pcodes, plabels = codes_labels(tickets.event_priority) if len(all_at) else (
            np.zeros(0, dtype=np.int32), ())
        has = pcodes >= 0
        p_ticket, p_at, p_code = all_ticket[has], all_at[has], pcodes[has]
        # a repeated priority is no change, nor is a ticket's first priority event that
        # restates the priority it was opened with (it restarted a `restart` clock there)
        change = np.ones(len(p_ticket), dtype=bool)
        if len(p_ticket):
            change[1:] = (p_ticket[1:] != p_ticket[:-1]) | (p_code[1:] != p_code[:-1])
            first = np.flatnonzero(np.append(True, p_ticket[1:] != p_ticket[:-1]))
            change[first] = _differs_from_opening(tickets, p_ticket[first], p_code[first],
                                                  plabels)
        return cls(n, ticket, at, status, labels, next_at, prev_status,
                   p_ticket[change], p_at[change])


def _differs_from_opening(tickets, ticket: np.ndarray, code: np.ndarray,
                          labels: tuple[str, ...]) -> np.ndarray:
    """Whether each event's priority (``code`` into the events' ``labels``) differs from the
    one its ticket was opened with (a ticket opened with none: it does)."""
    t_codes, t_labels = codes_labels(tickets.priority)
    # the events' priority codes in the tickets' labels (-2: a label the tickets lack)
    index = {label: k for k, label in enumerate(t_labels)}
    as_ticket = np.array([index.get(label, -2) for label in labels] or [-2], dtype=np.int64)
    opened = np.asarray(t_codes, dtype=np.int64)[ticket]
    return (opened < 0) | (as_ticket[code] != opened)


@dataclass(frozen=True)
class ClockSpans:
    """One clock over every ticket of a table (see the module docstring)."""

    start: np.ndarray
    stop: np.ndarray
    end: np.ndarray
    #: the clock started at or before ``as_of`` (otherwise elapsed is 0 and nothing is due)
    started: np.ndarray
    pause_offsets: np.ndarray
    pause_starts: np.ndarray
    pause_ends: np.ndarray
    #: the ticket of each pause (the rows of the CSR layout ``pause_offsets`` describes)
    pause_ticket: np.ndarray | None = None


def _first_entering(ev: EventIndex, status: str, after: np.ndarray | None = None
                    ) -> np.ndarray:
    """Per ticket, the first event entering ``status`` (at or after ``after``, if given)."""
    out = np.full(ev.n_tickets, NAT, dtype=np.int64)
    code = label_codes(ev.labels, [status])
    if len(code):
        hit = np.flatnonzero(ev.status == code[0])
        if after is not None:
            hit = hit[ev.at[hit] >= after[ev.ticket[hit]]]
        tix, first = np.unique(ev.ticket[hit], return_index=True)
        out[tix] = ev.at[hit[first]]
    return out


def event_instants(event: ClockEvent, tickets, ev: EventIndex) -> np.ndarray:
    """The instant of a clock event for every ticket (NAT where it did not happen)."""
    if event.kind == "status":
        return _first_entering(ev, event.status or "")
    return np.asarray(getattr(tickets, _INSTANT_COLUMNS[event.kind]), dtype=np.int64)


def _last_before(n: int, ticket: np.ndarray, at: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Per ticket, the last of ``at`` strictly before the ticket's ``limit`` (NAT if none)."""
    out = np.full(n, NAT, dtype=np.int64)
    ok = at < limit[ticket]
    np.maximum.at(out, ticket[ok], at[ok])
    return out


def reopen_instants(ev: EventIndex) -> tuple[np.ndarray, np.ndarray]:
    """(ticket, at) of every reopening: a status event leaving resolved/closed."""
    hit = ev.member(ev.prev_status, DONE_STATUSES) & ~ev.member(ev.status, DONE_STATUSES)
    return ev.ticket[hit], ev.at[hit]


def clock_spans(clock: ClockDef, tickets, as_of: int, ev: EventIndex | None = None
                ) -> ClockSpans:
    """Start, stop, end and clipped pauses of ``clock`` for every ticket of ``tickets``."""
    ev = ev if ev is not None else EventIndex.build(tickets)
    n = ev.n_tickets
    start = event_instants(clock.start, tickets, ev).copy()
    stop = event_instants(clock.stop, tickets, ev).copy()
    if clock.on_reopen == "restart" and clock.stop.kind == "status":
        # a status stop ends the episode the last reopening began: the first entering the
        # status after it (a threat that comes back is a new containment); without this the
        # first containment would stop the clock for good and the restart would never apply
        t, at = reopen_instants(ev)
        reopened = _last_before(n, t, at, np.full(n, as_of + 1, dtype=np.int64))
        since = np.where(start != NAT, np.maximum(start, reopened), reopened)
        stop = _first_entering(ev, clock.stop.status or "", since)
    known = (stop != NAT) & (stop <= as_of)
    stop[~known] = NAT
    end = np.where(known, stop, np.int64(as_of))
    # a restart moves a clock that did start; one that never started stays unstarted
    if clock.on_reopen == "restart":
        t, at = reopen_instants(ev)
        start = np.where(start != NAT, np.maximum(start, _last_before(n, t, at, end)), NAT)
    if clock.on_priority_change == "restart":
        last = _last_before(n, ev.change_ticket, ev.change_at, end)
        start = np.where(start != NAT, np.maximum(start, last), NAT)
    started = (start != NAT) & (start <= as_of)
    # a stop recorded before the start (bad data) measures nothing rather than negative time
    end = np.where(started, np.maximum(end, start), end)

    tix, at, next_at, _ = ev.in_statuses(clock.pause_statuses)
    ps = np.maximum(at, start[tix])
    pe = np.minimum(next_at, end[tix])
    keep = (ps < pe) & started[tix]
    tix, ps, pe = tix[keep], ps[keep], pe[keep]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tix, minlength=n), out=offsets[1:])
    return ClockSpans(start, stop, end, started, offsets, ps, pe, tix)
