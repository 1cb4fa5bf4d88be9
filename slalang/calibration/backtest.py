"""Backtest a tier: what it would have cost, month by month, had every customer been on it.

Reads one evaluation made with :func:`~slalang.calibration.measure.under_tier`: credits per
month in money, how often each objective would have been missed, each promise's margin (the
time its objective share of tickets was within, against the target), and a bootstrap interval
for next month's expected credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from slalang.calibration.calibrate import Measured, measured
from slalang.calibration.targets import target_for_level
from slalang.evaluation.credits import money_owed
from slalang.evaluation.result import Evaluation
from slalang.model import Money
from slalang.vocabulary import BREACHED, MET

#: bootstrap resamples (seeded: the same history gives the same interval)
RESAMPLES = 4000
SEED = 20261205


@dataclass(frozen=True)
class MonthCost:
    month: str
    customers: int
    credits_due: int
    #: the month's credits in money, one total per currency
    owed: tuple[Money, ...]
    objectives_missed: int


@dataclass(frozen=True)
class Margin:
    """A promise of the tier against history: ``at_objective`` is the time the objective's
    share of tickets was within (None: the objective was never reachable)."""

    metric: str
    priority: str
    target: int
    objective: Decimal
    at_objective: int | None
    #: customer-months that missed this objective, of those with a decided ticket
    missed: int
    measured: int

    @property
    def margin(self) -> int | None:
        """Target minus the time at the objective: positive is headroom, negative a miss."""
        return None if self.at_objective is None else self.target - self.at_objective


@dataclass(frozen=True)
class Backtest:
    tier: str
    currency: str | None
    months: tuple[MonthCost, ...]
    margins: tuple[Margin, ...]
    #: mean monthly credit in the tier's currency and its bootstrap 90 % interval
    expected: Decimal | None
    interval: tuple[Decimal, Decimal] | None


def backtest(ev: Evaluation, tier: str, seen: Measured | None = None) -> Backtest:
    """The cost of ``tier`` over ``ev`` (an evaluation with every customer on it); ``seen``:
    its measured rows, when it kept no verdicts of its own (as :func:`calibrate` takes
    them)."""
    a = ev.agg
    credits = ev.credit.tolist()
    missed = ev.missed_cells  # group x metric x priority
    months = []
    for b, bucket in enumerate(ev.period.buckets):
        gs = np.flatnonzero(np.asarray(a.g_bucket) == b).tolist()
        month = [credits[g] for g in gs]
        months.append(MonthCost(bucket.label, len(gs), sum(c.due for c in month),
                                money_owed(month), int(missed[gs].sum()) if gs else 0))
    currency = ev.plan.policy.header.currency
    totals = [sum((m.amount for m in mc.owed if m.currency == currency), Decimal(0))
              for mc in months]
    expected, interval = _bootstrap(totals)
    return Backtest(tier, currency, tuple(months),
                    _margins(ev, tier, measured(ev) if seen is None else seen), expected,
                    interval)


def _margins(ev: Evaluation, tier: str, seen: Measured) -> tuple[Margin, ...]:
    a = ev.agg
    decided_cells = a.cells[..., MET] + a.cells[..., BREACHED]  # group x metric x priority
    out = []
    for row in ev.plan.rows:
        if row.tier != tier or row.objective is None:
            continue
        m, p = ev.plan.metrics.index(row.metric), ev.plan.priorities.index(row.priority)
        sel = seen.rows(m, p)
        at = target_for_level(seen.elapsed[sel & seen.stopped],
                              seen.elapsed[sel & ~seen.stopped], row.objective)
        mi = a.metrics.index(row.metric) if row.metric in a.metrics else -1
        pi = a.priorities.index(row.priority) if row.priority in a.priorities else -1
        judged = int((decided_cells[:, mi, pi] > 0).sum()) if mi >= 0 and pi >= 0 else 0
        n_missed = int(ev.missed_cells[:, mi, pi].sum()) if mi >= 0 and pi >= 0 else 0
        out.append(Margin(row.metric, row.priority, row.target_seconds, row.objective, at,
                          n_missed, judged))
    return tuple(out)


def _bootstrap(totals: list[Decimal]) -> tuple[Decimal | None, tuple[Decimal, Decimal] | None]:
    """The mean of the monthly totals and a 90 % percentile-bootstrap interval of it (months
    resampled with replacement); no interval from fewer than two months."""
    if not totals:
        return None, None
    cents = np.array([int(t * 100) for t in totals], dtype=np.int64)
    mean = Decimal(int(cents.sum())) / len(cents) / 100
    if len(cents) < 2:
        return mean.quantize(Decimal("0.01")), None
    rng = np.random.default_rng(SEED)
    means = cents[rng.integers(0, len(cents), size=(RESAMPLES, len(cents)))].mean(axis=1)
    lo, hi = np.percentile(means, [5, 95])
    return (mean.quantize(Decimal("0.01")),
            (Decimal(int(round(lo))) / 100, Decimal(int(round(hi))) / 100))
