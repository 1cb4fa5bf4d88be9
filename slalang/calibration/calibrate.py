"""`calibrate`: what a ticket history says can honestly be promised.

Per metric x priority (and per customer or tier when asked): the distribution of business
elapsed time, the target that would have met each objective level, how much that target moves
month to month, and a draft tier in the policy language with the targets rounded up to
contract steps. The elapsed times are the evaluation's own (same clocks, calendars, pauses
and exclusions), taken from one :func:`~slalang.evaluation.evaluate` run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from slalang.businesstime import NAT
from slalang.calibration.targets import PERCENTILES, percentile, targets_sorted
from slalang.evaluation.result import Evaluation
from slalang.vocabulary import BREACHED, MET, OPEN

#: objective levels calibrated by default (percent)
LEVELS = (Decimal(80), Decimal(90), Decimal(95))
#: below this many decided tickets in a typical month, an objective is mostly noise
SMALL_MONTH = 20


@dataclass(frozen=True)
class MonthTarget:
    month: str
    stopped: int
    running: int
    #: level -> the target that month alone would have needed (None: not reachable/no data)
    targets: dict[Decimal, int | None]


@dataclass(frozen=True)
class Group:
    """One metric x priority (x customer or tier): its elapsed times, summarised."""

    metric: str
    priority: str
    #: the customer or tier, when calibrating by one of them
    key: str | None
    #: the calendar the times were measured on (the most common one among the tickets)
    calendar: str
    stopped: int
    running: int
    #: percentile (50, 80, 90, 95, 99) -> business seconds, over stopped clocks
    percentiles: dict[int, int | None]
    #: objective level -> the smallest target that would have reached it over the period
    targets: dict[Decimal, int | None]
    months: tuple[MonthTarget, ...]
    #: the median number of tickets measured in a customer-month (those with any): the
    #: sample an objective is judged on
    per_customer_month: int = 0

    def month_range(self, level: Decimal) -> tuple[int, int] | None:
        """The lowest and highest monthly target for ``level`` (months that have one)."""
        found = [m.targets[level] for m in self.months if m.targets.get(level) is not None]
        return (min(found), max(found)) if found else None


@dataclass(frozen=True)
class Measured:
    """The outcome rows calibration reads, one entry per row (ticket x metric): its creation
    month, its priority code, whether it is measured (a plan row, met/breached/open, created
    in the period), whether its clock stopped, its elapsed business time, its plan row (the
    calendar it was measured on), its customer and its tier. Calibration, backtest and the
    page select their rows from this one definition.

    Read whole, it holds every outcome row; read chunk by chunk, only the measured ones (the
    others are never read), each chunk's codes mapped onto labels in first-seen order, as
    the whole read's ticket columns have them (:class:`MeasuredParts`).
    """

    bucket: np.ndarray
    priority: np.ndarray
    usable: np.ndarray
    stopped: np.ndarray
    metric: np.ndarray
    elapsed: np.ndarray
    plan_row: np.ndarray
    #: codes into ``customers`` (the tickets' customer labels) and into ``tiers``
    customer: np.ndarray
    customers: tuple[str, ...]
    tier: np.ndarray
    tiers: tuple[str, ...]

    def rows(self, metric: int, priority: int) -> np.ndarray:
        """The measured rows of one metric and priority (codes of the plan's tuples)."""
        return self.usable & (self.metric == metric) & (self.priority == priority)

    def only_usable(self) -> Measured:
        """The measured rows alone (what a chunk keeps of its outcomes), in narrow types (the
        elapsed seconds in 32 bits when they fit, 68 years): 17 bytes a row, 340 MB for the
        10m bench set's 20 million rows."""
        keep = np.flatnonzero(self.usable)

        def narrow(a: np.ndarray, kind) -> np.ndarray:
            a = a[keep]
            info = np.iinfo(kind)
            fits = not len(a) or (info.min <= int(a.min()) and int(a.max()) <= info.max)
            return a.astype(kind) if fits else a

        return Measured(narrow(self.bucket, np.int16), narrow(self.priority, np.int16),
                        self.usable[keep], self.stopped[keep], self.metric[keep],
                        narrow(self.elapsed, np.int32), narrow(self.plan_row, np.int32),
                        narrow(self.customer, np.int32), self.customers,
                        narrow(self.tier, np.int16), self.tiers)


class MeasuredParts:
    """Chunks' measured rows gathered in order, as one :class:`Measured` at the end: each
    chunk's customer codes mapped onto every chunk's labels in first-seen order (the order
    of the whole read's labels; the tier labels are the plan's, the same in every chunk).
    The columns are joined one at a time, each chunk's pieces of a column freed as it is
    joined: the peak is the rows once and one column twice, not the rows twice."""

    NAMES = ("bucket", "priority", "usable", "stopped", "metric", "elapsed", "plan_row",
             "customer", "tier")

    def __init__(self) -> None:
        self.columns: dict[str, list[np.ndarray]] = {name: [] for name in self.NAMES}
        self.labels: dict[str, int] = {}
        self.tiers: tuple[str, ...] | None = None

    def add(self, part: Measured) -> None:
        for label in part.customers:
            self.labels.setdefault(label, len(self.labels))
        mapping = np.array([self.labels[x] for x in part.customers] + [-1], dtype=np.int32)
        for name in self.NAMES:
            column = getattr(part, name)
            if name == "customer":
                column = mapping[column]  # -1 (none) picks the last entry: -1
            self.columns[name].append(column)
        self.tiers = part.tiers

    def result(self) -> Measured:
        if self.tiers is None:
            raise ValueError("nothing to join")
        joined = {}
        for name in self.NAMES:
            pieces = self.columns[name]
            joined[name] = np.concatenate(pieces)
            pieces.clear()
        return Measured(customers=tuple(self.labels), tiers=self.tiers, **joined)


def measured_rows(outcomes, tickets, ticket_bucket) -> Measured:
    """:class:`Measured` of one evaluated batch: its outcomes, its tickets and each ticket's
    month (-1: created outside the period)."""
    o = outcomes
    bucket = np.asarray(ticket_bucket)[o.ticket]
    usable = (o.plan_row >= 0) & np.isin(o.status, (MET, BREACHED, OPEN)) & (bucket >= 0)
    # the outcomes' priority, like their tier, is per row already
    return Measured(bucket, np.asarray(o.priority.codes), usable, o.stopped_at != NAT,
                    o.metric, o.elapsed, o.plan_row,
                    np.asarray(tickets.customer.codes)[o.ticket],
                    tuple(tickets.customer.labels), np.asarray(o.tier.codes),
                    tuple(o.tier.labels))


def measured(ev: Evaluation) -> Measured:
    """:class:`Measured` of an evaluation that kept its verdicts."""
    if ev.outcomes is None or ev.tickets is None:
        raise ValueError("calibration needs an evaluation that kept its verdicts")
    return measured_rows(ev.outcomes, ev.tickets, ev.ticket_bucket)


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` found: one :class:`Group` per metric x priority (x key)."""

    evaluation: Evaluation = field(repr=False)
    levels: tuple[Decimal, ...]
    by: str | None
    #: every customer measured under this tier (None: each under its own)
    tier: str | None
    groups: tuple[Group, ...]
    #: the rows the groups were made from (the page's histograms read them)
    measured: Measured | None = field(default=None, repr=False)

    def overall(self) -> tuple[Group, ...]:
        """The groups over all customers (the ones a draft tier is made from)."""
        return tuple(g for g in self.groups if g.key is None)


def calibrate(ev: Evaluation, levels: tuple[Decimal, ...] = LEVELS, by: str | None = None,
              tier: str | None = None, seen: Measured | None = None) -> Calibration:
    """Summarise an evaluation's elapsed times per metric x priority (x ``by``: "customer" or
    "tier"), over the tickets created in its period that are neither excluded nor invalid.

    ``tier`` only records that the evaluation put every customer on that tier. ``seen``:
    the evaluation's measured rows, when it kept no verdicts of its own (a chunked read:
    :func:`~slalang.calibration.measure.measure_input`); by default they are read from it.
    """
    if by not in (None, "customer", "tier"):
        raise ValueError(f"by must be customer or tier, not {by!r}")
    if seen is None:
        seen = measured(ev)
    plan = ev.plan
    months = ev.period.buckets
    groups = []
    keys: list[tuple[str | None, ...]] = [(None,)]
    codes = None
    if by is not None:
        codes, labels = ((seen.customer, seen.customers) if by == "customer"
                         else (seen.tier, seen.tiers))
        keys = [(None,), tuple(labels)]
    for k, names in enumerate(keys):
        for key, cell, at in _rows_by_group(seen, len(plan.metrics), len(plan.priorities),
                                            codes if k else None):
            m, p = divmod(cell, len(plan.priorities))
            groups.append(_group(plan, seen, at, plan.metrics[m], plan.priorities[p],
                                 names[key], levels, months))
    return Calibration(ev, tuple(levels), by, tier, tuple(groups), seen)


def _rows_by_group(seen: Measured, n_metrics: int, n_priorities: int,
                   codes: np.ndarray | None):
    """The measured rows of each group, in group order: ``(key, metric x priority, rows)``,
    the rows ascending; ``codes``: each row's customer or tier (-1: none, in no group), else
    one key for all. By customer or tier, one stable sort of the rows by group: a mask per
    group over every row took minutes by customer (5,000 customers, 8 metric x priority
    pairs, 20 million rows)."""
    metric, priority = seen.metric, seen.priority
    if codes is None:  # a few groups: a mask each (a sort of every row took more memory)
        for cell in range(n_metrics * n_priorities):
            at = np.flatnonzero(seen.rows(*divmod(cell, n_priorities)))
            if len(at):
                yield 0, cell, at
        return
    if not len(metric):
        return
    inside = (seen.usable & (metric >= 0) & (metric < n_metrics) & (priority >= 0)
              & (priority < n_priorities) & (codes >= 0))
    cells = n_metrics * n_priorities
    groups = cells * max(int(codes.max(initial=0)) + 1, 1)
    # every row's group in the narrowest type (rows in no group: the last number), sorted
    # stably (numpy sorts 16-bit keys by radix): each group's rows are then a slice of the
    # order, ascending
    kind = np.uint16 if groups < (1 << 16) - 1 else np.int64
    group = metric.astype(kind)
    group *= n_priorities
    group += priority.astype(kind)
    group += codes.astype(kind) * kind(cells)
    group[~inside] = groups
    order = np.argsort(group, kind="stable")
    group = group[order]
    starts = np.flatnonzero(np.diff(group, prepend=group[:1] + 1) != 0).tolist()
    ends = [*starts[1:], len(group)]
    for lo, hi in zip(starts, ends, strict=True):
        number = int(group[lo])
        if number < groups:
            key, cell = divmod(number, cells)
            yield key, cell, order[lo:hi]


def _group(plan, seen: Measured, at: np.ndarray, metric, priority, key, levels, months
           ) -> Group:
    """One group's summary (``at``: its rows, ascending). The rows are ordered once by
    month, stopped clocks first, then by elapsed time: every month's stopped and running
    times are then slices, sorted already (a mask per month over every row, and three sorts
    per month, took 14 s of a calibration of the 10m bench set)."""
    elapsed, stopped = seen.elapsed[at], seen.stopped[at]
    bucket = np.asarray(seen.bucket)[at]
    s, r = np.sort(elapsed[stopped]), np.sort(elapsed[~stopped])
    if len(at) and int(elapsed.min()) >= 0 and int(elapsed.max()) < 1 << 32 \
            and int(bucket.min()) >= 0:
        # one key per row, sorted in place: month, then stopped first, then elapsed (built
        # and read in place: the temporaries of 20 million rows cost fresh memory)
        ordered = bucket.astype(np.int64)
        ordered <<= 1
        ordered += ~stopped
        ordered <<= 32
        ordered += elapsed
        ordered.sort()
        stopped = (ordered & (1 << 32)) == 0
        elapsed = (ordered & 0xFFFFFFFF).astype(seen.elapsed.dtype)
        ordered >>= 33
        bucket = ordered
    else:
        order = np.lexsort((elapsed, ~stopped, bucket))
        elapsed, stopped, bucket = elapsed[order], stopped[order], bucket[order]
    edges = np.searchsorted(bucket, np.arange(len(months) + 1), side="left")
    per_month = []
    for b, bk in enumerate(months):
        lo, hi = int(edges[b]), int(edges[b + 1])
        split = lo + int(np.count_nonzero(stopped[lo:hi]))  # stopped first in the month
        ms, mr = elapsed[lo:split], elapsed[split:hi]
        per_month.append(MonthTarget(bk.label, len(ms), len(mr),
                                     targets_sorted(ms, mr, levels)))
    # the calendar measured on most often; a tie goes to the one met first, as a Counter
    # of the rows in order gives it
    used, first, count = np.unique(seen.plan_row[at], return_index=True, return_counts=True)
    calendars: Counter = Counter()
    for k in np.argsort(first, kind="stable").tolist():
        calendars[plan.rows[int(used[k])].calendar] += int(count[k])
    # objectives are judged per customer and month: how many tickets such a month holds
    cells = (seen.customer[at].astype(np.int64) + 1) * (len(months) + 1) + seen.bucket[at]
    sizes = np.unique(cells, return_counts=True)[1]
    return Group(metric, priority, key, calendars.most_common(1)[0][0], len(s), len(r),
                 {q: percentile(s, q) for q in PERCENTILES},
                 targets_sorted(s, r, levels), tuple(per_month),
                 int(np.median(sizes)) if len(sizes) else 0)
