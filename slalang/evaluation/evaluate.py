"""The evaluation: per-ticket outcomes aggregated per customer and month.

:func:`evaluate` runs the outcomes stage, then computes, for every customer (the roster's and
those found in the tickets) and every month of the period: compliance per metric and priority
against the objective, uptime per covered service, and the service credit with its clause
breakdown. The period totals aggregate the months: compliance over the period's tickets, the
credit as the sum of the (capped) monthly credits.

The counts stay columnar (:class:`~slalang.evaluation.compliance.Aggregate`); Python objects
are built only where a customer-month has something to compute one by one (uptime, credit
clauses), and on demand (:attr:`Evaluation.months`, :attr:`Evaluation.customers`) for the
renderings of a small evaluation. A million tickets over thousands of customers stay arrays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from slalang.evaluation.compliance import (
    BREACHED,
    MET,
    Aggregate,
    ObjectiveResult,
    TicketCounts,
    count_outcomes,
    objective_results,
)
from slalang.evaluation.credits import Credit, compute_credit, fee_of, money_owed, sum_credits
from slalang.evaluation.periods import (
    Bucket,
    Period,
    PeriodError,
    bucket_of,
    parse_period,
    period_covering,
)
from slalang.evaluation.uptime import (
    UptimeResult,
    downtime_by_service,
    downtime_records,
    service_targets,
)
from slalang.model import Money, Policy, Roster, Tier

if TYPE_CHECKING:  # the stages above and below, for annotations only
    from slalang.data import DowntimeTable, TicketTable
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
class Objectives:
    """The policy's objectives as tables indexed ``[tier, metric, priority]`` (tiers as in the
    aggregate; a tier unknown to the policy has no target)."""

    has_target: np.ndarray
    #: the objective percent as an exact fraction num / den
    num: np.ndarray
    den: np.ndarray
    percent: np.ndarray  # object: Decimal or None
    span: np.ndarray  # object: Span or None

    @classmethod
    def build(cls, policy: Policy, tiers: tuple[str, ...], metrics, priorities) -> Objectives:
        shape = (len(tiers), len(metrics), len(priorities))
        has = np.zeros(shape, dtype=bool)
        num = np.zeros(shape, dtype=np.int64)
        den = np.ones(shape, dtype=np.int64)
        percent = np.full(shape, None, dtype=object)
        span = np.full(shape, None, dtype=object)
        for i, name in enumerate(tiers):
            tier = _tier(policy, name)
            for target in tier.targets if tier is not None else ():
                if target.metric in metrics and target.priority in priorities:
                    k = (i, metrics.index(target.metric), priorities.index(target.priority))
                    has[k] = True
                    num[k], den[k] = target.objective.as_integer_ratio()
                    percent[k], span[k] = target.objective, target.span
        return cls(has, num, den, percent, span)

    def missed(self, tier: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Per group, metric and priority: decided tickets and compliance below objective
        (compared exactly: met x 100 x den < num x decided)."""
        met, decided = cells[..., MET], cells[..., MET] + cells[..., BREACHED]
        num, den = self.num[tier], self.den[tier]
        return self.has_target[tier] & (decided > 0) & (met * 100 * den < num * decided)


def combined_hash(*hashes: str | None) -> str:
    """One sha256 over the input files' hashes (tickets+events, downtime), in that order.

    >>> combined_hash("ab") == combined_hash("ab", None)
    True
    """
    present = [h for h in hashes if h]
    if len(present) == 1:
        return present[0]
    return hashlib.sha256(":".join(present).encode()).hexdigest()


def _tier(policy: Policy, name: str) -> Tier | None:
    try:
        return policy.tier(name) if name else None
    except KeyError:
        return None


def _clocks(plan, policy: Policy) -> dict:
    """Business clocks of the calendars used as downtime windows (``during``)."""
    names = {ex.during for ex in policy.exclusions if ex.subject == "downtime" and ex.during}
    clocks = {}
    compiled = getattr(plan, "calendars", None) or {}
    for name in names:
        cal = compiled.get(name)
        if cal is None:
            from slalang.businesstime import Calendar

            cal = Calendar.from_def(policy.calendar(name))
        clocks[name] = cal.business_clock
    return clocks


def _needs_work(tier: Tier | None) -> bool:
    """Whether a tier's customer-months need uptime or credit computed one by one."""
    return tier is not None and bool(tier.uptime or tier.uptime_credit or tier.objective_credits)


@dataclass(eq=False)
class Evaluation:
    plan: object
    period: Period
    #: the evaluation instant (epoch seconds)
    as_of: int
    agg: Aggregate
    objectives: Objectives
    #: per group: uptime results, empty when nothing is covered
    uptime: list
    #: per group (object array): the month's credit
    credit: np.ndarray
    #: input rows not evaluated: refused while reading tickets, events or downtime, and
    #: downtime rows naming a customer or service the evaluation does not cover
    rejected: tuple
    policy_hash: str
    data_hash: str
    version: str
    roster: object = field(repr=False, default=None)
    outcomes: object = field(repr=False, default=None)
    tickets: object = field(repr=False, default=None)
    #: each ticket's bucket index (-1: outside the period)
    ticket_bucket: np.ndarray | None = field(repr=False, default=None)
    #: tickets evaluated with the verdict ``invalid`` (customer, tier or priority not
    #: resolved), one Rejection-like record each naming the row and field; not in ``rejected``
    invalid: tuple = ()

    @property
    def policy(self) -> Policy:
        return self.plan.policy

    @cached_property
    def missed_cells(self) -> np.ndarray:
        return self.objectives.missed(self.agg.g_tier, self.agg.cells)

    @property
    def objectives_missed(self) -> int:
        """Customer-month objectives below their objective."""
        return int(self.missed_cells.sum())

    @property
    def credits_due(self) -> int:
        """Customer-months with a credit above zero."""
        return sum(c.due for c in self.credit.tolist())

    @cached_property
    def credits_owed(self) -> tuple[Money, ...]:
        """The money owed over the period, one total per currency (see ``money_owed``)."""
        return money_owed(self.credit.tolist())

    @property
    def credits_without_fee(self) -> int:
        """Customer-months owing a credit percentage that no fee turns into money."""
        return sum(c.due and c.amount is None for c in self.credit.tolist())

    def _objective_results(self, tier_code: int, cells: np.ndarray
                           ) -> tuple[ObjectiveResult, ...]:
        a = self.agg
        return objective_results(_tier(self.policy, a.tiers[tier_code]), a.cell_dict(cells),
                                 a.metrics, a.priorities)

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
        a = self.agg
        starts = a.pairs()
        ends = [*starts[1:].tolist(), len(a)] if len(starts) else []
        out = []
        for s, e in zip(starts.tolist(), ends, strict=True):
            cells = a.cells[s:e].sum(axis=0)
            counts = TicketCounts(*(int(x) for x in a.g_counts[s:e].sum(axis=0)))
            percent, amount = sum_credits(self.credit[s:e].tolist())
            out.append(CustomerPeriod(
                a.customers[a.g_customer[s]], a.tiers[a.g_tier[s]], counts,
                self._objective_results(a.g_tier[s], cells), percent, amount,
                tuple(self.months[s:e])))
        return tuple(out)


def evaluate(plan: Plan, tickets: TicketTable, downtime: DowntimeTable | None,
             roster: Roster | None, as_of: int | None = None,
             period: Period | str | None = None, *, outcomes: Outcomes | None = None
             ) -> Evaluation:
    """Evaluate ``plan`` on ``tickets`` (and ``downtime``) for each customer and month.

    Args:
        plan: the compiled plan (``plan.policy`` is the checked policy).
        tickets: a TicketTable.
        downtime: a DowntimeTable (or records), or None.
        roster: the customer Roster, or None.
        as_of: epoch seconds; default the end of the period (reproducible results).
        period: a Period or its text (``2026-07``, ``2026-Q3``, ``2026-07-01..2026-09-30``);
            default the whole months spanning the tickets' creation instants.
        outcomes: precomputed per-ticket outcomes (default: ``compute_outcomes``).
    """
    policy: Policy = plan.policy
    zone = policy.header.timezone
    if isinstance(period, str):
        period = parse_period(period, zone)
    if period is None:
        period = period_covering(np.asarray(tickets.created_at), zone)
        if period is None:
            raise PeriodError("no period given and no ticket to infer one from: use --period")
    if as_of is None:
        as_of = period.end
    if outcomes is None:
        from slalang.evaluation.outcomes import compute_outcomes

        outcomes = compute_outcomes(plan, tickets, roster, as_of)

    rename = customer_namer(roster)
    metrics = policy.metrics
    priorities = tuple(p.code for p in policy.priorities)
    n_buckets = len(period.buckets)
    ticket_bucket = bucket_of(np.asarray(tickets.created_at, dtype=np.int64), period)

    def count(extra: tuple[tuple[str, str, int], ...]) -> Aggregate:
        return count_outcomes(outcomes, tickets, ticket_bucket, metrics, priorities, n_buckets,
                              rename, extra)

    # the outcomes stage passes the ingest rejections on (its list starts with them) and
    # adds the tickets it finds invalid: those were evaluated, so they are kept apart
    rejected = tuple(getattr(tickets, "rejected", ()) or ())
    found = tuple(getattr(outcomes, "rejected", ()) or ())[len(rejected):]
    return finish_evaluation(plan, period, int(as_of), count, downtime, roster, rejected,
                             getattr(tickets, "data_hash", None), invalid=found,
                             outcomes=outcomes, tickets=tickets, ticket_bucket=ticket_bucket)


def customer_namer(roster: Roster | None) -> Callable[[str], str]:
    """The function naming a ticket's customer label in the outputs (a roster id becomes the
    customer's name; anything else stays as it is)."""

    def rename(label: str) -> str:
        c = roster.get(label) if roster is not None and label else None
        return c.name if c is not None else label

    return rename


def finish_evaluation(plan: Plan, period: Period, as_of: int,
                      count: Callable[[tuple[tuple[str, str, int], ...]], Aggregate],
                      downtime: DowntimeTable | None, roster: Roster | None,
                      rejected: tuple, tickets_hash: str | None, *, invalid: tuple = (),
                      **per_ticket) -> Evaluation:
    """Everything after the per-ticket outcomes: groups, uptime, credits, the Evaluation.

    ``count(extra_groups)`` returns the :class:`Aggregate` of the tickets' verdicts plus the
    given (customer, tier, bucket) groups; the in-memory path counts its outcomes in one go,
    the chunked path (:mod:`slalang.evaluation.streaming`) adds up its batches. ``rejected``
    are the ticket-side rows not evaluated (the downtime's are added here, with the downtime
    rows no customer-month uses); ``invalid`` the tickets the outcomes stage judged invalid;
    ``per_ticket`` fills the Evaluation's optional per-ticket fields.
    """
    from slalang import __version__

    policy: Policy = plan.policy
    rename = customer_namer(roster)
    metrics = policy.metrics
    priorities = tuple(p.code for p in policy.priorities)
    n_buckets = len(period.buckets)

    edges = np.array([b.start for b in period.buckets] + [period.end], dtype=np.int64)
    records = downtime_records(downtime)
    down = downtime_by_service(records, policy.exclusions, edges, _clocks(plan, policy), rename)

    # groups that exist without tickets: the roster's customers in every month
    extra = [(c.name, c.tier, b) for c in (roster.customers if roster is not None else ())
             for b in range(n_buckets)]
    agg = count(tuple(extra))
    # downtime of a customer without roster entry counts in the tiers its tickets have
    with_downtime = {c for c, _s in down}
    if with_downtime - {c.name for c in (roster.customers if roster is not None else ())}:
        for g in range(len(agg)):
            name = agg.customers[agg.g_customer[g]]
            if name in with_downtime and (roster is None or roster.get(name) is None):
                extra.extend((name, agg.tiers[agg.g_tier[g]], b) for b in range(n_buckets))
        agg = count(tuple(extra))
    objectives = Objectives.build(policy, agg.tiers, metrics, priorities)

    # uptime and credits: one by one only where a tier promises uptime or credits, or the
    # customer has covered services or downtime; everything else shares one zero credit
    tiers = [_tier(policy, t) for t in agg.tiers]
    busy_tier = np.array([_needs_work(t) for t in tiers], dtype=bool)
    customers = [roster.get(c) if roster is not None and c else None for c in agg.customers]
    busy_customer = np.array([c in with_downtime or (cust is not None and bool(cust.services))
                              for c, cust in zip(agg.customers, customers, strict=True)],
                             dtype=bool)
    busy = busy_tier[agg.g_tier] | busy_customer[agg.g_customer]
    uptime: list = [()] * len(agg)
    credit = np.empty(len(agg), dtype=object)
    # quiet months share one zero credit per (tier, fee)
    quiet = np.flatnonzero(~busy)
    pair = agg.g_customer[quiet] * len(agg.tiers) + agg.g_tier[quiet]
    pairs, inverse = np.unique(pair, return_inverse=True)
    zero = np.empty(len(pairs), dtype=object)
    shared: dict = {}
    for k, code in enumerate(pairs.tolist()):
        c, t = divmod(code, len(agg.tiers))
        fee = fee_of(customers[c], tiers[t])
        if (t, fee) not in shared:
            shared[(t, fee)] = compute_credit(tiers[t], (), (), fee)
        zero[k] = shared[(t, fee)]
    credit[quiet] = zero[inverse.reshape(-1)]
    used: set[tuple[str, str]] = set()  # (customer, service) pairs some month measures
    for g in np.flatnonzero(busy).tolist():
        tier, customer = tiers[agg.g_tier[g]], customers[agg.g_customer[g]]
        name = agg.customers[agg.g_customer[g]]
        b = int(agg.g_bucket[g])
        services = (customer.services if customer is not None
                    else tuple(sorted(s for (c, s) in down if c == name)))
        bucket = period.buckets[b]
        uptime[g] = tuple(
            UptimeResult(s, t.percent if t else None, bucket.seconds,
                         int(down[(name, s)][b]) if (name, s) in down else 0,
                         t.span if t else None)
            for s, t in service_targets(tier, services))
        used.update((name, u.service) for u in uptime[g])
        results = objective_results(tier, agg.cell_dict(agg.cells[g]), metrics, priorities)
        credit[g] = compute_credit(tier, results, uptime[g], fee_of(customer, tier))

    rejected = tuple(rejected) + downtime_rejections(downtime, used, rename, roster)
    return Evaluation(
        plan=plan, period=period, as_of=int(as_of), agg=agg, objectives=objectives,
        uptime=uptime, credit=credit, rejected=rejected, policy_hash=policy.source_hash,
        data_hash=combined_hash(tickets_hash, getattr(downtime, "data_hash", None)),
        version=__version__, roster=roster, invalid=tuple(invalid), **per_ticket)


def downtime_rejections(downtime: DowntimeTable | None, used: set[tuple[str, str]],
                        rename: Callable[[str], str], roster: Roster | None) -> tuple:
    """The downtime rows not evaluated, in row order: those the reader refused, and those
    whose (customer, service) no customer-month measures (a customer neither in the roster
    nor among the evaluated tickets, a service the customer does not have). Without this,
    such a row would count nowhere and be reported nowhere."""
    from slalang.data.table import Rejection

    if downtime is None:
        return ()
    out = list(getattr(downtime, "rejected", ()) or ())
    file = getattr(downtime, "source", "")
    for rec in getattr(downtime, "records", ()):
        name = rename(rec.customer)
        if (name, rec.service) in used:
            continue
        customer = roster.get(rec.customer) if roster is not None else None
        if customer is None and not any(c == name for c, _ in used):
            where = "not in the roster" if roster is not None else "no roster given"
            out.append(Rejection(file, rec.row, "customer", f"downtime for customer "
                                 f"{rec.customer!r} ({where}) with no ticket evaluated"))
        else:
            have = sorted(s for c, s in used if c == name)
            out.append(Rejection(file, rec.row, "service", f"customer {name!r} has no service "
                                 f"{rec.service!r} (its services: {', '.join(have) or 'none'})"))
    return tuple(sorted(out, key=lambda r: r.row))
