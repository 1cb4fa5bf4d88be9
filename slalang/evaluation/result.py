"""The result of an evaluation: :class:`Evaluation` and the per-customer views built from it.

Kept apart from the functions that produce it (:mod:`slalang.evaluation.kernel`, the drivers in
:mod:`slalang.evaluation.evaluate`) so the writers, the reports and the history depend on the
result alone: kernel <- drivers <- entry points is a line, not a circle.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from slalang.evaluation.compliance import (
    BREACHED,
    MET,
    MISSED,
    Aggregate,
    ObjectiveResult,
    TicketCounts,
    judge,
    objective_results,
)
from slalang.evaluation.credits import Credit, money_owed, sum_credits
from slalang.evaluation.periods import Bucket, Period
from slalang.evaluation.uptime import UptimeResult
from slalang.model import Money, Policy, Roster, Tier

if TYPE_CHECKING:  # the stages around, for annotations only
    from slalang.data import TicketTable
    from slalang.data.counts import InputCounts
    from slalang.data.table import Rejection
    from slalang.evaluation.listed import ListedTickets
    from slalang.evaluation.outcomes import Outcomes
    from slalang.plan import Plan


@dataclass(frozen=True)
class CustomerMonth:
    """Everything about one customer (in one tier) for one month of the period."""

    customer: str
    tier: str
    bucket: Bucket
    counts: TicketCounts
    objectives: tuple[ObjectiveResult, ...]
    uptime: tuple[UptimeResult, ...]
    credit: Credit


@dataclass(frozen=True)
class CustomerPeriod:
    """One customer over the whole period: compliance over all its tickets, credits summed."""

    customer: str
    tier: str
    counts: TicketCounts
    objectives: tuple[ObjectiveResult, ...]
    #: sum of the monthly credits, percent of the monthly fee
    credit_percent: Decimal
    credit_amount: Money | None
    months: tuple[CustomerMonth, ...]


@dataclass(frozen=True)
class Verdicts:
    """The per-ticket verdicts of one batch of tickets, as the verdict CSV and the listed
    tickets read them (an in-memory evaluation keeps its one batch's)."""

    plan: Plan
    period: Period
    #: the evaluation instant (epoch seconds)
    as_of: int
    outcomes: Outcomes
    tickets: TicketTable
    #: each ticket's bucket index (-1: outside the period)
    ticket_bucket: np.ndarray

    @property
    def policy(self) -> Policy:
        return self.plan.policy


@dataclass(frozen=True)
class Objectives:
    """The policy's objectives as tables indexed ``[tier, metric, priority]`` (tiers as in the
    aggregate; a tier unknown to the policy has no target)."""

    has_target: np.ndarray
    #: the objective percent as an exact fraction num / den
    num: np.ndarray
    den: np.ndarray
    percent: np.ndarray  # object: Decimal or None
    span: np.ndarray  # object: Span or None
    #: the minimum-sample rule: 0 none; the allowance below it, -1 none (not judged)
    min_tickets: np.ndarray | None = None
    allowed: np.ndarray | None = None

    @classmethod
    def build(cls, plan: Plan, tiers: tuple[str, ...], metrics, priorities) -> Objectives:
        shape = (len(tiers), len(metrics), len(priorities))
        has = np.zeros(shape, dtype=bool)
        num = np.zeros(shape, dtype=np.int64)
        den = np.ones(shape, dtype=np.int64)
        percent = np.full(shape, None, dtype=object)
        span = np.full(shape, None, dtype=object)
        least = np.zeros(shape, dtype=np.int64)
        allowed = np.full(shape, -1, dtype=np.int64)
        for i, name in enumerate(tiers):
            tier = plan.tier(name)
            for target in tier.targets if tier is not None else ():
                if target.metric in metrics and target.priority in priorities:
                    k = (i, metrics.index(target.metric), priorities.index(target.priority))
                    has[k] = True
                    num[k], den[k] = target.objective.as_integer_ratio()
                    percent[k], span[k] = target.objective, target.span
                    least[k] = target.min_tickets or 0
                    allowed[k] = -1 if target.allowed_misses is None else target.allowed_misses
        return cls(has, num, den, percent, span, least, allowed)

    def missed(self, tier: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Per group, metric and priority: whether the objective was missed (compliance below
        it, compared exactly, or more misses than a small month allows: :func:`judge`)."""
        return self.judge(tier, cells) == MISSED

    def judge(self, tier: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """:func:`judge` on cells of groups with tier codes ``tier`` (any leading shape)."""
        # without a minimum-sample rule in any tier, its columns are not gathered per cell
        rule = bool(self.min_tickets.any())
        return judge(cells[..., MET], cells[..., BREACHED], self.has_target[tier],
                     self.num[tier], self.den[tier], self.min_tickets[tier] if rule else 0,
                     self.allowed[tier] if rule else -1)


def combined_hash(*hashes: str | None) -> str:
    """One sha256 over the input files' hashes (tickets+events, downtime), in that order.

    >>> combined_hash("ab") == combined_hash("ab", None)
    True
    """
    present = [h for h in hashes if h]
    if len(present) == 1:
        return present[0]
    return hashlib.sha256(":".join(present).encode()).hexdigest()


@dataclass(eq=False)
class Evaluation:
    """A policy evaluated on ticket data for a period: counts per customer-month, uptime,
    credits, the rows not evaluated and the tickets worth listing."""

    plan: Plan
    period: Period
    #: the evaluation instant (epoch seconds)
    as_of: int
    agg: Aggregate
    objectives: Objectives
    #: per group: uptime results, empty when nothing is covered
    uptime: list[tuple[UptimeResult, ...]]
    #: per group (object array): the month's credit
    credit: np.ndarray
    #: input rows not evaluated: refused while reading tickets, events or downtime, and
    #: downtime rows naming a customer or service the evaluation does not cover
    rejected: tuple[Rejection, ...]
    policy_hash: str
    data_hash: str
    version: str
    roster: Roster | None = field(repr=False, default=None)
    #: tickets evaluated with the verdict ``invalid`` (customer, tier or priority not
    #: resolved), one Rejection each naming the row and field; not in ``rejected``
    invalid: tuple[Rejection, ...] = ()
    #: the per-ticket verdicts (in-memory evaluations only; a chunked or distributed one
    #: writes them as its batches pass and keeps none)
    verdicts: Verdicts | None = field(repr=False, default=None)
    #: breached and at-risk tickets gathered batch by batch; None: taken from ``verdicts``
    #: when a writer asks
    listed: ListedTickets | None = field(repr=False, default=None)
    #: every downtime record of a covered service, month by month, with what counted and
    #: the exclusion applied (the evidence reports list); None when no downtime was given
    downtime_log: tuple | None = field(repr=False, default=None)
    #: the tickets input in numbers (:class:`slalang.data.counts.InputCounts`: read,
    #: evaluated, ignored, rejected); None when the driver does not know them
    input: InputCounts | None = None
    #: what could be measured only in part (:mod:`slalang.evaluation.warnings`)
    warnings: tuple = ()

    @property
    def policy(self) -> Policy:
        return self.plan.policy

    @property
    def outcomes(self) -> Outcomes | None:
        return self.verdicts.outcomes if self.verdicts is not None else None

    @property
    def tickets(self) -> TicketTable | None:
        return self.verdicts.tickets if self.verdicts is not None else None

    @property
    def ticket_bucket(self) -> np.ndarray | None:
        return self.verdicts.ticket_bucket if self.verdicts is not None else None

    @cached_property
    def missed_cells(self) -> np.ndarray:
        return self.objectives.missed(self.agg.g_tier, self.agg.cells)

    @property
    def objectives_missed(self) -> int:
        """Customer-month objectives below their objective."""
        return int(self.missed_cells.sum())

    @cached_property
    def due(self) -> np.ndarray:
        """Per group: whether its month owes a credit. Quiet months share a few zero credit
        objects, so each distinct object is asked once (hundreds of thousands of groups)."""
        objs = self.credit.tolist()
        ids = np.fromiter(map(id, objs), dtype=np.int64, count=len(objs))
        _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        due = np.array([objs[i].due for i in first.tolist()], dtype=bool)
        return due[inverse.reshape(-1)] if len(objs) else np.zeros(0, dtype=bool)

    @property
    def credits_due(self) -> int:
        """Customer-months with a credit above zero."""
        return int(self.due.sum())

    @cached_property
    def credits_owed(self) -> tuple[Money, ...]:
        """The money owed over the period, one total per currency (see ``money_owed``)."""
        return money_owed(self.credit[self.due].tolist())

    @property
    def credits_without_fee(self) -> int:
        """Customer-months owing a credit percentage that no fee turns into money."""
        return sum(c.amount is None for c in self.credit[self.due].tolist())

    def _tier(self, code: int) -> Tier | None:
        return self.plan.tier(self.agg.tiers[code])

    def _objective_results(self, tier_code: int, cells: np.ndarray
                           ) -> tuple[ObjectiveResult, ...]:
        a = self.agg
        return objective_results(self._tier(tier_code), a.cell_dict(cells), a.metrics,
                                 a.priorities)

    def month(self, g: int) -> CustomerMonth:
        a = self.agg
        return CustomerMonth(a.customers[a.g_customer[g]], a.tiers[a.g_tier[g]],
                             self.period.buckets[a.g_bucket[g]], a.ticket_counts(g),
                             self._objective_results(a.g_tier[g], a.cells[g]),
                             self.uptime[g], self.credit[g])

    @cached_property
    def months(self) -> tuple[CustomerMonth, ...]:
        """Every customer-month as objects (built on first use: costly for huge inputs)."""
        return tuple(self.month(g) for g in range(len(self.agg)))

    @cached_property
    def customers(self) -> tuple[CustomerPeriod, ...]:
        """Every customer over the period, with its months."""
        return tuple(self._period(s, e, self.months[s:e]) for s, e in self.customer_groups())

    def customer_groups(self, customer: str | None = None) -> list[tuple[int, int]]:
        """The groups of each customer in one tier, as ``range(start, end)`` bounds, in the
        order of :attr:`customers`; ``customer``: that customer's alone."""
        a = self.agg
        starts = a.pairs()
        ends = [*starts[1:].tolist(), len(a)] if len(starts) else []
        pairs = list(zip(starts.tolist(), ends, strict=True))
        if customer is None:
            return pairs
        return [(s, e) for s, e in pairs if a.customers[a.g_customer[s]] == customer]

    def customer(self, customer: str) -> tuple[CustomerPeriod, ...]:
        """One customer's entries of :attr:`customers` (one per tier it was in), built alone:
        a report of one customer among thousands."""
        if "customers" in self.__dict__:  # already built
            return tuple(c for c in self.customers if c.customer == customer)
        return tuple(self._period(s, e, tuple(self.month(g) for g in range(s, e)))
                     for s, e in self.customer_groups(customer))

    def _period(self, s: int, e: int, months: tuple[CustomerMonth, ...]) -> CustomerPeriod:
        a = self.agg
        cells = a.cells[s:e].sum(axis=0)
        counts = TicketCounts(*(int(x) for x in a.g_counts[s:e].sum(axis=0)))
        percent, amount = sum_credits(self.credit[s:e].tolist())
        return CustomerPeriod(a.customers[a.g_customer[s]], a.tiers[a.g_tier[s]], counts,
                              self._objective_results(a.g_tier[s], cells), percent, amount,
                              tuple(months))
