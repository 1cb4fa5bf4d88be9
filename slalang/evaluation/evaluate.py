"""The evaluation: per-ticket outcomes aggregated per customer and month.

:func:`evaluate` runs the outcomes stage, then computes, for every customer (the roster's and
those found in the tickets) and every month of the period: compliance per metric and priority
against the objective, uptime per covered service, and the service credit with its clause
breakdown. The period totals aggregate the months: compliance over the period's tickets, the
credit as the sum of the (capped) monthly credits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from slalang.evaluation.compliance import (
    N_STATUS,
    GroupKey,
    ObjectiveResult,
    TicketCounts,
    count_outcomes,
    objective_results,
)
from slalang.evaluation.credits import Credit, compute_credit, fee_of, sum_credits
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
from slalang.model import Money, Policy, Tier


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
class Evaluation:
    plan: object
    period: Period
    #: the evaluation instant (epoch seconds)
    as_of: int
    months: tuple[CustomerMonth, ...]
    customers: tuple[CustomerPeriod, ...]
    #: rejections from ingest and from the outcomes stage
    rejected: tuple
    policy_hash: str
    data_hash: str
    version: str
    outcomes: object = field(repr=False, default=None)
    tickets: object = field(repr=False, default=None)
    #: each ticket's bucket index (-1: outside the period)
    ticket_bucket: np.ndarray | None = field(repr=False, default=None)

    @property
    def policy(self) -> Policy:
        return self.plan.policy

    @property
    def objectives_missed(self) -> int:
        return sum(o.achieved is False for m in self.months for o in m.objectives)

    @property
    def credits_due(self) -> int:
        return sum(m.credit.due for m in self.months)


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


def evaluate(plan, tickets, downtime, roster, as_of: int | None = None,
             period: Period | str | None = None, *, outcomes=None) -> Evaluation:
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
    from slalang import __version__

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

    def rename(label: str) -> str:
        c = roster.get(label) if roster is not None and label else None
        return c.name if c is not None else label

    metrics = policy.metrics
    priorities = tuple(p.code for p in policy.priorities)
    ticket_bucket = bucket_of(np.asarray(tickets.created_at, dtype=np.int64), period)
    counts = count_outcomes(outcomes, tickets, ticket_bucket, metrics, rename)

    edges = np.array([b.start for b in period.buckets] + [period.end], dtype=np.int64)
    records = downtime_records(downtime)
    down = downtime_by_service(records, policy.exclusions, edges, _clocks(plan, policy), rename)

    groups: set[GroupKey] = set(counts.tickets) | set(counts.objectives)
    for c in roster.customers if roster is not None else ():
        groups.update(GroupKey(b, c.name, c.tier) for b in range(len(period.buckets)))
    for customer, _service in down:  # downtime of a customer without tickets still counts
        c = roster.get(customer) if roster is not None else None
        if c is None:
            tiers = {g.tier for g in groups if g.customer == customer} or set()
            groups.update(GroupKey(b, customer, t) for t in tiers
                          for b in range(len(period.buckets)))

    months = []
    for g in sorted(groups, key=lambda g: (g.customer, g.tier, g.bucket)):
        tier = _tier(policy, g.tier)
        customer = roster.get(g.customer) if roster is not None else None
        if customer is not None:
            services = customer.services
        else:
            services = tuple(sorted(s for (c, s) in down if c == g.customer))
        bucket = period.buckets[g.bucket]
        uptime = tuple(
            UptimeResult(s, t.percent if t else None, bucket.seconds,
                         int(down[(g.customer, s)][g.bucket]) if (g.customer, s) in down else 0,
                         t.span if t else None)
            for s, t in service_targets(tier, services))
        objectives = objective_results(tier, counts.objectives.get(g, {}), metrics, priorities)
        credit = compute_credit(tier, objectives, uptime, fee_of(customer, tier))
        months.append(CustomerMonth(g.customer, g.tier, bucket,
                                    counts.tickets.get(g, TicketCounts()), objectives, uptime,
                                    credit))

    customers = []
    by_customer: dict[tuple[str, str], list[CustomerMonth]] = {}
    for m in months:
        by_customer.setdefault((m.customer, m.tier), []).append(m)
    for (name, tier_name), ms in by_customer.items():
        cells: dict[tuple[str, str], np.ndarray] = {}
        total = TicketCounts()
        for m in ms:
            g = GroupKey(period.buckets.index(m.bucket), name, tier_name)
            total = total + m.counts
            for key, cell in counts.objectives.get(g, {}).items():
                cells[key] = cells.get(key, np.zeros(N_STATUS, dtype=np.int64)) + cell
        percent, amount = sum_credits(m.credit for m in ms)
        customers.append(CustomerPeriod(
            name, tier_name, total,
            objective_results(_tier(policy, tier_name), cells, metrics, priorities),
            percent, amount, tuple(ms)))

    # the outcomes stage passes the ingest rejections on (its list starts with them)
    rejected = tuple(getattr(outcomes, "rejected", ()) or ()) or tuple(
        getattr(tickets, "rejected", ()) or ())
    rejected += tuple(getattr(downtime, "rejected", ()) or ())
    return Evaluation(
        plan=plan, period=period, as_of=int(as_of), months=tuple(months),
        customers=tuple(customers), rejected=rejected, policy_hash=policy.source_hash,
        data_hash=combined_hash(getattr(tickets, "data_hash", None),
                                getattr(downtime, "data_hash", None)),
        version=__version__, outcomes=outcomes, tickets=tickets, ticket_bucket=ticket_bucket)
