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
from slalang.vocabulary import (  # noqa: F401 - re-exported: the counts speak these words
    BREACHED,
    EXCLUDED,
    INVALID,
    MET,
    N_STATUS,
    OPEN,
    codes_labels,
    sorted_unique,
)

#: bincount is used while its dense table stays below this many cells; np.unique beyond
_DENSE_LIMIT = 50_000_000


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


def _narrow(a: np.ndarray) -> np.ndarray:
    """An integer array in int32 when every value fits (a smaller pickle), else as it is."""
    if a.dtype.kind not in "iu" or a.itemsize <= 4 or (
            a.size and (int(a.min()) < -(1 << 31) or int(a.max()) >= 1 << 31)):
        return a
    return a.astype(np.int32)


def _unpickle_aggregate(customers, tiers, metrics, priorities, shape, cells_type, arrays
                        ) -> Aggregate:
    """An :class:`Aggregate` from what its ``__reduce__`` packed (arrays back in their own
    types; the cells rebuilt from the non-zero ones)."""
    g_customer, g_tier, g_bucket, g_counts, values, at = (
        np.asarray(a, dtype=np.dtype(kind)) for kind, a in arrays)
    cells = np.zeros(shape, dtype=np.dtype(cells_type))
    cells.reshape(-1)[at] = values
    return Aggregate(customers, tiers, metrics, priorities, g_customer, g_tier, g_bucket,
                     g_counts, cells)


@dataclass(frozen=True)
class Aggregate:
    """Verdict counts, columnar, per group (one customer in one tier in one bucket).

    Groups are sorted by customer, tier and bucket (labels are sorted, so code order is text
    order). ``cells[g, m, p]`` counts group ``g``'s verdicts for metric ``m`` and priority
    ``p`` by status (met, breached, open, excluded, invalid); ``g_counts[g]`` counts its
    tickets: all, excluded, with a clock still open, invalid.
    """

    customers: tuple[str, ...]
    tiers: tuple[str, ...]
    metrics: tuple[str, ...]
    priorities: tuple[str, ...]
    g_customer: np.ndarray
    g_tier: np.ndarray
    g_bucket: np.ndarray
    g_counts: np.ndarray
    cells: np.ndarray

    def __len__(self) -> int:
        return len(self.g_customer)

    def __reduce__(self):
        # pickled from process to process (a chunk's partial from a worker, a partition's on
        # Dask): most cells are zeros (85 % at 100,000 tickets a chunk), so only the others
        # travel, and every array in the narrowest type that holds it (5.5 MB a chunk of the
        # 1m bench set down to about 1 MB; a 10m run sends a hundred of them)
        flat = self.cells.reshape(-1)
        at = np.flatnonzero(flat)
        arrays = (self.g_customer, self.g_tier, self.g_bucket, self.g_counts, flat[at], at)
        return (_unpickle_aggregate, (self.customers, self.tiers, self.metrics,
                                      self.priorities, self.cells.shape, self.cells.dtype.str,
                                      tuple((a.dtype.str, _narrow(a)) for a in arrays)))

    @classmethod
    def empty(cls, metrics: tuple[str, ...], priorities: tuple[str, ...],
              tiers: tuple[str, ...] = ("",)) -> Aggregate:
        """No group at all, with these labels (the start of a sum; what partials carry
        while their counts are summed apart)."""
        none = np.zeros(0, dtype=np.int64)
        return cls(("",), tiers, tuple(metrics), tuple(priorities), none, none, none,
                   np.zeros((0, 4), dtype=np.int64),
                   np.zeros((0, len(metrics), len(priorities), N_STATUS), dtype=np.int64))

    def key(self, g: int) -> GroupKey:
        return GroupKey(int(self.g_bucket[g]), self.customers[self.g_customer[g]],
                        self.tiers[self.g_tier[g]])

    def ticket_counts(self, g: int) -> TicketCounts:
        return TicketCounts(*(int(x) for x in self.g_counts[g]))

    def cell_dict(self, cells: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        """One group's non-empty cells as ``{(metric, priority): counts}``."""
        out = {}
        for m, p in zip(*np.nonzero(cells.sum(axis=2)), strict=True):
            out[(self.metrics[m], self.priorities[p])] = cells[m, p]
        return out

    def pairs(self) -> np.ndarray:
        """Start index of each run of groups with the same customer and tier."""
        change = np.ones(len(self), dtype=bool)
        change[1:] = (np.diff(self.g_customer) != 0) | (np.diff(self.g_tier) != 0)
        return np.flatnonzero(change)


def _index(labels: tuple[str, ...], names: tuple[str, ...]) -> np.ndarray:
    """Position of each label in ``names`` plus a trailing slot for code -1 (the "" name)."""
    pos = dict(zip(names, range(len(names)), strict=True))
    return np.array([*map(pos.__getitem__, labels), pos[""]], dtype=np.int64)


def count_outcomes(outcomes, tickets, ticket_bucket: np.ndarray, metrics: tuple[str, ...],
                   priorities: tuple[str, ...], n_buckets: int, rename=None,
                   extra: tuple[tuple[str, str, int], ...] = ()) -> Aggregate:
    """Count verdicts per group (customer, tier, bucket) and (metric, priority).

    ``ticket_bucket`` gives each ticket's bucket index (-1: outside the period, ignored).
    The tier and priority are the outcome's (resolved by the outcomes stage); the customer is
    the ticket's, passed through ``rename`` (e.g. a roster id to the customer's name).
    ``extra`` lists (customer, tier, bucket) groups to include even without tickets (the
    roster's customers). Rows whose priority is not one of ``priorities`` count only in the
    group's ticket counts.
    """
    cust_codes, cust_labels = codes_labels(tickets.customer)
    if rename is not None:
        cust_labels = tuple(map(rename, cust_labels))
    tier_codes, tier_labels = codes_labels(outcomes.tier)
    prio_codes, prio_labels = codes_labels(outcomes.priority)
    row_ticket = np.asarray(outcomes.ticket, dtype=np.int64)
    # two rows a ticket: kept in their narrow types (a million tickets' rows as int64 are
    # 16 MB an array, each one more to fault in)
    status = np.asarray(outcomes.status)
    metric = np.asarray(outcomes.metric)
    n_tickets = ticket_bucket.shape[0]

    customers = tuple(sorted({"", *cust_labels, *(e[0] for e in extra)}))
    tiers = tuple(sorted({"", *tier_labels, *(e[1] for e in extra)}))
    nc, nt, nb = len(customers), len(tiers), max(n_buckets, 1)
    cmap, tmap = _index(cust_labels, customers), _index(tier_labels, tiers)
    ppos = {x: i for i, x in enumerate(priorities)}
    pmap = np.array([ppos.get(x, -1) for x in prio_labels] + [-1], dtype=np.int32)

    # per ticket: its tier (the same on every metric row) and the statuses it has
    ticket_tier = np.full(n_tickets, -1, dtype=np.int64)
    ticket_tier[row_ticket] = tier_codes
    flags = np.zeros((N_STATUS, n_tickets), dtype=bool)
    for s in (OPEN, EXCLUDED, INVALID):
        flags[s, row_ticket[status == s]] = True

    in_period = ticket_bucket >= 0
    key = (cmap[cust_codes] * nt + tmap[ticket_tier]) * nb + ticket_bucket.astype(np.int64)
    c_pos = {x: i for i, x in enumerate(customers)} if extra else {}
    t_pos = {x: i for i, x in enumerate(tiers)}
    extra_keys = np.array([(c_pos[c] * nt + t_pos[t]) * nb + b for c, t, b in extra],
                          dtype=np.int64)
    size = nc * nt * nb
    if size <= _DENSE_LIMIT:
        present = np.bincount(key[in_period], minlength=size) > 0
        present[extra_keys] = True
        keys = np.flatnonzero(present)
        position = np.cumsum(present) - 1
        group = np.where(in_period, position[np.where(in_period, key, 0)], -1)
    else:
        keys = sorted_unique(np.concatenate([key[in_period], extra_keys]))
        group = np.where(in_period, np.searchsorted(keys, key), -1)
    n_groups = len(keys)
    rest, g_bucket = np.divmod(keys, nb)
    g_customer, g_tier = np.divmod(rest, nt)

    inside = group[in_period]
    g_counts = np.stack([np.bincount(inside, minlength=n_groups)] + [
        np.bincount(group[in_period & flags[s]], minlength=n_groups)
        for s in (EXCLUDED, OPEN, INVALID)], axis=1) if n_groups else np.zeros((0, 4), int)

    nm, npr = len(metrics), len(priorities)
    row_group = group[row_ticket]
    row_prio = pmap[prio_codes]
    rows = (row_group >= 0) & (status != INVALID) & (row_prio >= 0)
    if rows.all():  # the usual case: every row counts, no row gathered
        cell_key = row_group  # a fresh array: the key is built in it, in place
    else:
        cell_key = row_group[rows]
        metric, row_prio, status = metric[rows], row_prio[rows], status[rows]
    cell_key *= nm
    cell_key += metric
    cell_key *= npr
    cell_key += row_prio
    cell_key *= N_STATUS
    cell_key += status
    cells = np.bincount(cell_key, minlength=n_groups * nm * npr * N_STATUS)
    cells = cells.reshape(n_groups, nm, npr, N_STATUS)
    return Aggregate(customers, tiers, tuple(metrics), tuple(priorities), g_customer, g_tier,
                     g_bucket, g_counts, cells)


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
    #: the objective's minimum-sample rule (see :class:`slalang.model.Target`)
    min_tickets: int | None = None
    allowed_misses: int | None = None

    @property
    def small_sample(self) -> bool:
        """Fewer decided tickets than the objective's minimum sample (so its rule applies)."""
        return self.min_tickets is not None and 0 < self.decided < self.min_tickets

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
        applicable or when there is no objective. Below the objective's minimum sample: at
        most ``allowed_misses`` breaches, or not judged (None) without an allowance; the same
        rule as :func:`judge`."""
        if not self.decided or self.objective is None:
            return None
        if self.small_sample:
            return None if self.allowed_misses is None else self.breached <= self.allowed_misses
        return Decimal(self.met * 100) >= self.objective * self.decided


#: :func:`judge`'s verdicts
ACHIEVED, MISSED, NOT_JUDGED = 0, 1, 2


def judge(met, breached, has, num, den, min_tickets, allowed):
    """Objective verdicts of many cells at once (numpy arrays, broadcast): ACHIEVED, MISSED or
    NOT_JUDGED (no objective, nothing decided, or a small month without an allowance).

    ``num / den`` is the objective percent as an exact fraction; ``min_tickets`` 0 means no
    minimum-sample rule, ``allowed`` -1 no allowance below the minimum.

    >>> judge(np.array([18, 2, 2, 0]), np.array([2, 1, 1, 0]), True, 95, 1,
    ...       np.array([0, 20, 20, 20]), np.array([-1, 1, -1, 1])).tolist()
    [1, 0, 2, 2]
    """
    decided = met + breached
    verdict = np.where(met * 100 * den >= num * decided, ACHIEVED, MISSED)
    if np.any(min_tickets > 0):  # else no month is small: the rate decides every cell
        small = (min_tickets > 0) & (decided < min_tickets)
        by_allowance = np.where(allowed < 0, NOT_JUDGED,
                                np.where(breached <= allowed, ACHIEVED, MISSED))
        verdict = np.where(small, by_allowance, verdict)
    return np.where(has & (decided > 0), verdict, NOT_JUDGED)


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
                int(c[OPEN]), int(c[EXCLUDED]), target.span if target else None,
                target.min_tickets if target else None,
                target.allowed_misses if target else None))
    for (m, p), c in sorted(cells.items()):
        if (m, p) not in seen:
            out.append(ObjectiveResult(m, p, None, int(c[MET]), int(c[BREACHED]),
                                       int(c[OPEN]), int(c[EXCLUDED]), None))
    return tuple(out)
