"""Pauses of many tickets in CSR form: one flat array of pauses, sliced per ticket by offsets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from slalang.businesstime.errors import TimeError


def rows_of(offsets: np.ndarray) -> np.ndarray:
    """The row of each element of a CSR layout (``offsets`` of ``n`` rows): what
    ``np.repeat(np.arange(n), np.diff(offsets))`` gives, built as a running count of the rows
    started, so that gathering by it (``values.take(rows)``) replaces one ``np.repeat`` per
    column (which holds the interpreter lock, and is several times slower).

    >>> rows_of(np.array([0, 2, 2, 3])).tolist()
    [0, 0, 2]
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    m = int(offsets[-1]) if len(offsets) else 0
    if not m:
        return np.zeros(0, dtype=np.int64)
    # each row's first element steps the count (empty rows step it at the same place)
    return np.cumsum(np.bincount(offsets[1:-1], minlength=m + 1)[:m])


@dataclass(frozen=True)
class Pauses:
    """Pauses of ``n`` tickets: pause ``k`` of ticket ``i`` is ``(starts[k], ends[k])`` for
    ``offsets[i] <= k < offsets[i + 1]`` (int64 epoch seconds).

    Within a ticket the engine expects pauses sorted by start and non-overlapping; build with
    :meth:`from_lists` or pass through :func:`normalize` when unsure.

    >>> p = Pauses.from_lists([[(10, 20)], [], [(5, 7), (1, 3)]])
    >>> p.offsets.tolist(), p.starts.tolist(), p.ends.tolist()
    ([0, 1, 1, 3], [10, 1, 5], [20, 3, 7])
    """

    offsets: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __post_init__(self) -> None:
        for name in ("offsets", "starts", "ends"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        o = self.offsets
        if o.ndim != 1 or len(o) < 1 or o[0] != 0 or o[-1] != len(self.starts):
            raise TimeError(
                "pause offsets must start at 0 and end at the number of pauses "
                f"({len(self.starts)}), one more entry than there are tickets"
            )
        if len(self.starts) != len(self.ends):
            raise TimeError("pause starts and ends must have the same length")
        if len(o) > 1 and np.any(o[1:] < o[:-1]):
            raise TimeError("pause offsets must never decrease")

    @property
    def count(self) -> int:
        """Number of tickets."""
        return len(self.offsets) - 1

    @classmethod
    def from_lists(cls, per_ticket: Iterable[Iterable[tuple[int, int]]]) -> Pauses:
        """From one list of ``(start, end)`` pairs per ticket, sorted and merged."""
        return normalize_lists(per_ticket)

    @classmethod
    def empty(cls, n: int) -> Pauses:
        """No pause for any of ``n`` tickets."""
        z = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(n + 1, dtype=np.int64), z, z)

    def normalized(self) -> Pauses:
        """These pauses sorted and merged per ticket (see :func:`normalize`)."""
        return normalize(self)

    def ticket(self, i: int) -> list[tuple[int, int]]:
        """The pauses of ticket ``i`` as pairs."""
        a, b = self.offsets[i], self.offsets[i + 1]
        return list(zip(self.starts[a:b].tolist(), self.ends[a:b].tolist(), strict=True))


def merge_pairs(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort pairs by start, drop empty or reversed ones, merge those that overlap or touch.

    >>> merge_pairs([(5, 9), (1, 3), (2, 4), (8, 8)])
    [(1, 4), (5, 9)]
    """
    out: list[list[int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in pairs):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def normalize_lists(per_ticket: Iterable[Iterable[tuple[int, int]]]) -> Pauses:
    offsets = [0]
    starts: list[int] = []
    ends: list[int] = []
    for pairs in per_ticket:
        for s, e in merge_pairs(pairs):
            starts.append(s)
            ends.append(e)
        offsets.append(len(starts))
    return Pauses(np.array(offsets), np.array(starts), np.array(ends))


def normalize(pauses: Pauses) -> Pauses:
    """The same pauses with each ticket's sorted by start, empty ones dropped and overlapping
    or touching ones merged (vectorised: no Python loop over tickets).

    >>> normalize(Pauses([0, 3], [5, 1, 2], [9, 3, 4])).ticket(0)
    [(1, 4), (5, 9)]
    """
    n = pauses.count
    ticket = rows_of(pauses.offsets)
    keep = pauses.ends > pauses.starts
    ticket, s, e = ticket[keep], pauses.starts[keep], pauses.ends[keep]
    order = np.lexsort((s, ticket))
    ticket, s, e = ticket[order], s[order], e[order]
    if len(s):
        # running maximum of ends within each ticket: a pause opens a new run when it starts
        # after every earlier end of its ticket
        first = np.ones(len(s), dtype=bool)
        first[1:] = ticket[1:] != ticket[:-1]
        run_end = _segmented_cummax(e, first)
        new = first.copy()
        new[1:] |= s[1:] > run_end[:-1]
        s = s[new]
        e = np.maximum.reduceat(e, np.flatnonzero(new))
        ticket = ticket[new]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ticket, minlength=n), out=offsets[1:])
    return Pauses(offsets, s, e)


def _segmented_cummax(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Cumulative maximum restarting at each ``first``; values shifted per segment so one
    global ``maximum.accumulate`` does it."""
    seg = np.cumsum(first) - 1
    span = int(values.max() - values.min()) + 1
    shifted = values - values.min() + seg * span
    return np.maximum.accumulate(shifted) - seg * span + values.min()


def as_pauses(pauses: Pauses | Sequence | None, n: int) -> Pauses:
    """Accept ``None`` (no pauses), a :class:`Pauses`, or one list of pairs per ticket."""
    if pauses is None:
        return Pauses.empty(n)
    if not isinstance(pauses, Pauses):
        pauses = normalize_lists(pauses)
    if pauses.count != n:
        raise TimeError(f"pauses are given for {pauses.count} tickets, but there are {n}")
    return pauses
