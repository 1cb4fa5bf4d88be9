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
from slalang.calibration.targets import PERCENTILES, percentile, target_for_level
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
class Calibration:
    """What :func:`calibrate` found: one :class:`Group` per metric x priority (x key)."""

    evaluation: Evaluation = field(repr=False)
    levels: tuple[Decimal, ...]
    by: str | None
    #: every customer measured under this tier (None: each under its own)
    tier: str | None
    groups: tuple[Group, ...]

    def overall(self) -> tuple[Group, ...]:
        """The groups over all customers (the ones a draft tier is made from)."""
        return tuple(g for g in self.groups if g.key is None)


@dataclass(frozen=True)
class Measured:
    """The outcome rows calibration reads, one entry per row (ticket x metric): its creation
    month, its priority code, whether it is measured (a plan row, met/breached/open, created
    in the period) and whether its clock stopped. Calibration, backtest and the page select
    their rows from this one definition."""

    bucket: np.ndarray
    priority: np.ndarray
    usable: np.ndarray
    stopped: np.ndarray
    metric: np.ndarray

    def rows(self, metric: int, priority: int) -> np.ndarray:
        """The measured rows of one metric and priority (codes of the plan's tuples)."""
        return self.usable & (self.metric == metric) & (self.priority == priority)


def measured(ev: Evaluation) -> Measured:
    """:class:`Measured` of an evaluation that kept its verdicts."""
    o = ev.outcomes
    if o is None or ev.tickets is None:
        raise ValueError("calibration needs an evaluation that kept its verdicts")
    bucket = np.asarray(ev.ticket_bucket)[o.ticket]
    usable = (o.plan_row >= 0) & np.isin(o.status, (MET, BREACHED, OPEN)) & (bucket >= 0)
    # the outcomes' priority, like their tier, is per row already
    return Measured(bucket, np.asarray(o.priority.codes), usable, o.stopped_at != NAT,
                    o.metric)


def calibrate(ev: Evaluation, levels: tuple[Decimal, ...] = LEVELS, by: str | None = None,
              tier: str | None = None) -> Calibration:
    """Summarise an evaluation's elapsed times per metric x priority (x ``by``: "customer" or
    "tier"), over the tickets created in its period that are neither excluded nor invalid.

    ``tier`` only records that the evaluation put every customer on that tier.
    """
    if by not in (None, "customer", "tier"):
        raise ValueError(f"by must be customer or tier, not {by!r}")
    seen = measured(ev)
    o, tickets, plan = ev.outcomes, ev.tickets, ev.plan
    keys: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(o), dtype=bool))]
    if by is not None:
        column = tickets.customer if by == "customer" else o.tier
        codes = np.asarray(column.codes)
        if by == "customer":  # a ticket column; the outcomes' tier is per row already
            codes = codes[o.ticket]
        keys += [(label, codes == k) for k, label in enumerate(column.labels)]
    groups = []
    months = ev.period.buckets
    customer = np.asarray(tickets.customer.codes)[o.ticket]
    for key, in_key in keys:
        for m, metric in enumerate(plan.metrics):
            for p, priority in enumerate(plan.priorities):
                rows = seen.rows(m, p) & in_key
                if not rows.any():
                    continue
                groups.append(_group(plan, o, rows, seen.stopped, seen.bucket, customer,
                                     metric, priority, key, levels, months))
    return Calibration(ev, tuple(levels), by, tier, tuple(groups))


def _group(plan, o, rows, stopped, bucket, customer, metric, priority, key, levels, months
           ) -> Group:
    elapsed = o.elapsed
    s = np.sort(elapsed[rows & stopped])
    r = elapsed[rows & ~stopped]
    calendars = Counter(plan.rows[i].calendar for i in o.plan_row[rows].tolist())
    per_month = []
    for b, bk in enumerate(months):
        here = rows & (bucket == b)
        ms, mr = elapsed[here & stopped], elapsed[here & ~stopped]
        per_month.append(MonthTarget(bk.label, len(ms), len(mr),
                                     {lv: target_for_level(ms, mr, lv) for lv in levels}))
    # objectives are judged per customer and month: how many tickets such a month holds
    cells = (customer[rows].astype(np.int64) + 1) * (len(months) + 1) + bucket[rows]
    sizes = np.unique(cells, return_counts=True)[1]
    return Group(metric, priority, key, calendars.most_common(1)[0][0], len(s), len(r),
                 {q: percentile(s, q) for q in PERCENTILES},
                 {lv: target_for_level(s, r, lv) for lv in levels}, tuple(per_month),
                 int(np.median(sizes)) if len(sizes) else 0)
