"""Compliance: counting per-ticket verdicts per customer, tier, month, metric and priority.

The counting is columnar: each outcome row gets one integer key combining its bucket (month),
customer, tier, metric, priority and status, and ``numpy.bincount`` counts them all at once.
Only the groups that occur are turned into Python objects, so a million tickets cost a few
array passes, not a million loop turns.

Compliance for a group = met / (met + breached); open and excluded verdicts do not enter it;
with no decided ticket it is *not applicable* (None) and triggers no credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from slalang.model import Span

#: outcome status codes (shared with :mod:`slalang.evaluation.outcomes`)
MET, BREACHED, OPEN, EXCLUDED, INVALID = 0, 1, 2, 3, 4
N_STATUS = 5
#: bincount is used while its dense table stays below this many cells; np.unique beyond
_DENSE_LIMIT = 50_000_000


def codes_labels(column) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(codes, labels)`` of a categorical column; a plain string array is encoded here.

    Codes are int64, -1 for an absent value (None or empty string).

    >>> codes_labels(np.array(["b", "a", "", "b"], dtype=object))
    (array([ 1,  0, -1,  1]), ('a', 'b'))
    """
    if hasattr(column, "codes"):
        return np.asarray(column.codes, dtype=np.int64), tuple(column.labels)
    values = np.asarray(column, dtype=object)
    present = np.array([v is not None and v != "" for v in values], dtype=bool)
    labels, inverse = np.unique(values[present].astype(str), return_inverse=True)
    codes = np.full(values.shape[0], -1, dtype=np.int64)
    codes[present] = inverse
    return codes, tuple(str(s) for s in labels)


@dataclass(frozen=True)
class GroupKey:
    """One customer, in one tier, in one bucket (month) of the period."""

    bucket: int
    customer: str
    tier: str


@dataclass(frozen=True)
class TicketCounts:
    tickets: int = 0
    excluded: int = 0
    open: int = 0
    invalid: int = 0

    def __add__(self, other: TicketCounts) -> TicketCounts:
        return TicketCounts(self.tickets + other.tickets, self.excluded + other.excluded,
                            self.open + other.open, self.invalid + other.invalid)


@dataclass(frozen=True)
class Counts:
    """Verdict counts per group: ``objectives[group][(metric, priority)]`` is an int array
    indexed by status (met, breached, open, excluded, invalid)."""

    objectives: dict[GroupKey, dict[tuple[str, str], np.ndarray]]
    tickets: dict[GroupKey, TicketCounts]


def _count(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys, their counts), densely with bincount when the table is small enough."""
    if size <= _DENSE_LIMIT:
        dense = np.bincount(keys, minlength=size)
        nz = np.flatnonzero(dense)
        return nz, dense[nz]
    return np.unique(keys, return_counts=True)


def count_outcomes(outcomes, tickets, ticket_bucket: np.ndarray, metrics: tuple[str, ...],
                   rename=None) -> Counts:
    """Count verdicts per (bucket, customer, tier) and (metric, priority).

    ``ticket_bucket`` gives each ticket's bucket index (-1: outside the period, ignored).
    The tier and priority are the outcome's (resolved by the outcomes stage); the customer is
    the ticket's, passed through ``rename`` (e.g. a roster id to the customer's name).
    """
    cust_codes, cust_labels = codes_labels(tickets.customer)
    if rename is not None:
        cust_labels = tuple(rename(c) for c in cust_labels)
    tier_codes, tier_labels = codes_labels(outcomes.tier)
    prio_codes, prio_labels = codes_labels(outcomes.priority)
    row_ticket = np.asarray(outcomes.ticket, dtype=np.int64)
    status = np.asarray(outcomes.status, dtype=np.int64)
    metric = np.asarray(outcomes.metric, dtype=np.int64)
    n_tickets = ticket_bucket.shape[0]

    # per ticket: the tier (same on every metric row) and the worst statuses seen
    ticket_tier = np.full(n_tickets, -1, dtype=np.int64)
    ticket_tier[row_ticket] = tier_codes
    flags = np.zeros((N_STATUS, n_tickets), dtype=bool)
    for s in (OPEN, EXCLUDED, INVALID):
        flags[s, row_ticket[status == s]] = True

    nc, nt, npr, nm = len(cust_labels) + 1, len(tier_labels) + 1, len(prio_labels) + 1, len(metrics)
    in_period = ticket_bucket >= 0
    # group key per ticket: bucket, customer, tier (+1 so that -1 "absent" is a valid digit)
    group = (ticket_bucket.astype(np.int64) * nc + cust_codes + 1) * nt + ticket_tier + 1
    n_groups = (int(ticket_bucket.max(initial=-1)) + 1) * nc * nt

    def decode_group(g: int) -> GroupKey:
        g, t = divmod(int(g), nt)
        b, c = divmod(g, nc)
        return GroupKey(b, cust_labels[c - 1] if c else "", tier_labels[t - 1] if t else "")

    ticket_counts: dict[GroupKey, TicketCounts] = {}
    if n_groups:
        gk = group[in_period]
        cols = [_count(gk, n_groups)]
        for s in (EXCLUDED, OPEN, INVALID):
            cols.append(_count(gk[flags[s][in_period]], n_groups))
        per: dict[int, list[int]] = {}
        for j, (keys, counts) in enumerate(cols):
            for k, c in zip(keys.tolist(), counts.tolist(), strict=True):
                per.setdefault(k, [0, 0, 0, 0])[j] = c
        for k, v in per.items():
            key = decode_group(k)  # two labels may name one customer: add up
            ticket_counts[key] = ticket_counts.get(key, TicketCounts()) + TicketCounts(*v)

    objectives: dict[GroupKey, dict[tuple[str, str], np.ndarray]] = {}
    rows = in_period[row_ticket] & (status != INVALID)
    if n_groups and rows.any():
        key = ((group[row_ticket[rows]] * nm + metric[rows]) * npr + prio_codes[rows] + 1)
        key = key * N_STATUS + status[rows]
        keys, counts = _count(key, n_groups * nm * npr * N_STATUS)
        keys, st = np.divmod(keys, N_STATUS)
        keys, pr = np.divmod(keys, npr)
        g, me = np.divmod(keys, nm)
        for gg, mm, pp, ss, cc in zip(g.tolist(), me.tolist(), pr.tolist(), st.tolist(),
                                      counts.tolist(), strict=True):
            cell = objectives.setdefault(decode_group(gg), {}).setdefault(
                (metrics[mm], prio_labels[pp - 1] if pp else ""),
                np.zeros(N_STATUS, dtype=np.int64))
            cell[ss] += cc
    return Counts(objectives, ticket_counts)


@dataclass(frozen=True)
class ObjectiveResult:
    """Compliance of one metric and priority against its objective, for one group."""

    metric: str
    priority: str
    #: the objective in percent; None when the tier has no target for this metric/priority
    objective: Decimal | None
    met: int = 0
    breached: int = 0
    open: int = 0
    excluded: int = 0
    #: the target's line in the policy
    span: Span | None = None

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def compliance(self) -> Decimal | None:
        """met / (met + breached) in percent, exact to 28 digits; None when not applicable."""
        if not self.decided:
            return None
        return Decimal(self.met * 100) / Decimal(self.decided)

    @property
    def achieved(self) -> bool | None:
        """Whether compliance reaches the objective (compared exactly); None when not
        applicable or when there is no objective."""
        if not self.decided or self.objective is None:
            return None
        return Decimal(self.met * 100) >= self.objective * self.decided


def objective_results(tier, cells: dict[tuple[str, str], np.ndarray], metrics: tuple[str, ...],
                      priorities: tuple[str, ...]) -> tuple[ObjectiveResult, ...]:
    """One result per target of ``tier`` (every metric x priority it promises, applicable or
    not), in policy order (metric, then priority rank), plus any counted cell without target."""
    out = []
    seen = set()
    for m in metrics:
        for p in priorities:
            target = tier.target(m, p) if tier is not None else None
            cell = cells.get((m, p))
            if target is None and cell is None:
                continue
            seen.add((m, p))
            c = cell if cell is not None else np.zeros(N_STATUS, dtype=np.int64)
            out.append(ObjectiveResult(
                m, p, target.objective if target else None, int(c[MET]), int(c[BREACHED]),
                int(c[OPEN]), int(c[EXCLUDED]), target.span if target else None))
    for (m, p), c in sorted(cells.items()):
        if (m, p) not in seen:
            out.append(ObjectiveResult(m, p, None, int(c[MET]), int(c[BREACHED]),
                                       int(c[OPEN]), int(c[EXCLUDED]), None))
    return tuple(out)
