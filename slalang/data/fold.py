"""The event-log fold, vectorised: rows of updates (a snapshot per update) into tickets.

The rows of a ticket, in time order (ties in file order), become one ticket
(docs/data/mappings.md, "The event-log fold"):

- an event whenever the status or the priority differs from the last one seen (the first row
  gives a status event; its priority is the ticket's opening priority, not an event);
- the creation is the first row's instant; the first response the first row whose status is
  in a given set; the resolution the last entry into a done status (from a status outside that
  set) of a ticket whose last status is done; the closing likewise with the closed statuses.

Everything is a few sorts and prefix scans over integer codes: a million update rows fold in
well under a second (``benchmarks/fold.py``). "The last status seen" is a forward fill inside
each ticket's run, done with ``np.maximum.accumulate`` over row positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slalang.data.table import NAT


@dataclass
class Folded:
    """The fold's result: per ticket (in first-seen order) and per event."""

    #: the ticket's first and last row (indices into the input rows)
    first: np.ndarray
    last: np.ndarray
    created: np.ndarray
    response: np.ndarray
    resolved: np.ndarray
    closed: np.ndarray
    #: per event: owning ticket, instant, status and priority codes (-1: no change)
    owner: np.ndarray
    at: np.ndarray
    status: np.ndarray
    priority: np.ndarray


def _filled_before(codes: np.ndarray, start: np.ndarray) -> np.ndarray:
    """For each position, the last code >= 0 strictly before it within its run (-1 when
    none); ``start`` marks the first position of each run."""
    n = len(codes)
    pos = np.arange(n, dtype=np.int64)
    # positions that carry a value, or open a run (which resets the fill)
    marks = np.where((codes >= 0) | start, pos, 0)
    latest = np.maximum.accumulate(marks) if n else marks
    filled = codes[latest]  # a run's opening row without a value gives -1
    before = np.empty(n, dtype=codes.dtype)
    if n:
        before[0] = -1
        before[1:] = filled[:-1]
        before[start] = -1
    return before


def _per_run(run: np.ndarray, mask: np.ndarray, values: np.ndarray, k: int, *,
             last: bool) -> np.ndarray:
    """Per run (0..k-1): ``values`` at the first (or last) position where ``mask`` holds,
    NAT where it never does."""
    out = np.full(k, NAT, dtype=np.int64)
    hit = np.flatnonzero(mask)
    if not len(hit):
        return out
    r = run[hit]
    edge = np.ones(len(hit), dtype=bool)
    if last:
        edge[:-1] = r[1:] != r[:-1]
    else:
        edge[1:] = r[1:] != r[:-1]
    out[r[edge]] = values[hit[edge]]
    return out


def fold_updates(ticket: np.ndarray, at: np.ndarray, status: np.ndarray,
                 priority: np.ndarray, usable: np.ndarray, *, response_codes: np.ndarray,
                 done_codes: np.ndarray, closed_codes: np.ndarray) -> Folded:
    """Fold update rows into tickets.

    Args:
        ticket: per row, the ticket's code (any integers; equal codes, same ticket).
        at: per row, the update's instant (epoch seconds).
        status, priority: per row, the (mapped) value's code, -1 when absent.
        usable: the rows to fold (the others were refused or ignored).
        response_codes, done_codes, closed_codes: boolean tables over the status codes:
            statuses giving the first response, meaning done (resolved or closed), closed.

    >>> f = fold_updates(np.array([7, 7, 7]), np.array([10, 20, 30]), np.array([0, 1, 2]),
    ...                  np.array([0, 0, 1]), np.ones(3, bool),
    ...                  response_codes=np.array([False, True, True]),
    ...                  done_codes=np.array([False, False, True]),
    ...                  closed_codes=np.array([False, False, False]))
    >>> f.created.tolist(), f.response.tolist(), f.resolved.tolist(), f.status.tolist()
    ([10], [20], [30], [0, 1, 2])
    >>> f.priority.tolist()  # the opening priority is not an event; the change is
    [-1, -1, 1]
    """
    keep = np.flatnonzero(usable)
    codes = ticket[keep]
    # tickets in first-seen order: rank each ticket by the position of its first row
    uniq, first_pos, inverse = np.unique(codes, return_index=True, return_inverse=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first_pos, kind="stable")] = np.arange(len(uniq))
    ticket_rank = rank[inverse.reshape(-1)]
    order = keep[np.lexsort((keep, at[keep], ticket_rank))]
    run = np.sort(ticket_rank)  # the rank of each ordered row's ticket
    k = len(uniq)
    m = len(order)
    start = np.ones(m, dtype=bool)
    start[1:] = run[1:] != run[:-1]
    starts = np.flatnonzero(start)
    ends = np.append(starts[1:], m) - 1 if m else starts

    when = at[order]
    s = status[order]
    p = priority[order]
    s_before = _filled_before(s, start)
    p_before = _filled_before(p, start)
    emit_s = (s >= 0) & (s != s_before)
    emit_p = ~start & (p >= 0) & (p != p_before)

    def member(table: np.ndarray, c: np.ndarray) -> np.ndarray:
        padded = np.append(np.asarray(table, dtype=bool), False)  # code -1 -> False
        return padded[c]

    done_now, done_before = member(done_codes, s), member(done_codes, s_before)
    closed_now, closed_before = member(closed_codes, s), member(closed_codes, s_before)
    # the last status of each ticket: the fill up to and including its last row
    last_status = np.where(s[ends] >= 0, s[ends], s_before[ends])
    resolved = _per_run(run, done_now & ~done_before, when, k, last=True)
    resolved[~member(done_codes, last_status)] = NAT
    closed = _per_run(run, closed_now & ~closed_before, when, k, last=True)
    closed[~member(closed_codes, last_status)] = NAT
    response = _per_run(run, member(response_codes, s), when, k, last=False)

    event = np.flatnonzero(emit_s | emit_p)
    return Folded(
        first=order[starts], last=order[ends], created=when[starts], response=response,
        resolved=resolved, closed=closed, owner=run[event], at=when[event],
        status=np.where(emit_s[event], s[event], -1).astype(np.int32),
        priority=np.where(emit_p[event], p[event], -1).astype(np.int32),
    )
