"""Service credits for one customer and month: clause by clause, summed, capped.

* Uptime clause: of the steps whose threshold the uptime is below, the one with the largest
  credit applies (the lowest threshold breached); for the clause covering every service the
  worst service decides, so one clause never pays twice. A clause for one service
  (``uptime of email``) is measured on that service alone.
* Objective clauses: the clause's percent when that metric and priority's compliance is below
  its objective; a not-applicable compliance (no decided ticket) triggers nothing.
* Different clauses add up; the sum is capped by the tier's ``cap``.
* Money = percent x the customer's monthly fee (the roster's negotiated fee, else the tier's
  list fee), rounded half-up to the cent. A quarter is the sum of its capped months.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from slalang.evaluation.compliance import ObjectiveResult
from slalang.evaluation.uptime import UptimeResult
from slalang.model import Money, Span, Tier, UptimeCredit

CENT = Decimal("0.01")


def fmt_percent(value: Decimal, places: int = 3) -> str:
    """A percentage for people: rounded half-up, trailing zeros dropped.

    >>> fmt_percent(Decimal("99.88799283154121863799283154"))
    '99.888'
    >>> fmt_percent(Decimal("95.000"))
    '95'
    """
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    return f"{q:f}"


@dataclass(frozen=True)
class CreditLine:
    """One clause that pays: which, how much, why, and where the policy says so."""

    #: ``uptime`` or ``objective``
    clause: str
    percent: Decimal
    reason: str
    span: Span | None


@dataclass(frozen=True)
class Credit:
    lines: tuple[CreditLine, ...]
    #: the sum of the lines before the cap
    uncapped: Decimal
    cap: Decimal | None
    #: percent of the monthly fee, after the cap
    percent: Decimal
    fee: Money | None
    #: the credit in money (None without a fee)
    amount: Money | None
    #: where the cap is defined (the tier)
    cap_span: Span | None = None

    @property
    def due(self) -> bool:
        return self.percent > 0

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.uncapped > self.cap


def uptime_line(tier: Tier, uptimes: Iterable[UptimeResult],
                clause: UptimeCredit | None = None) -> CreditLine | None:
    """An uptime clause's line (by default the tier's clause for every service): the step with
    the largest credit matched by any service it measures."""
    clause = clause if clause is not None else tier.uptime_credit
    if clause is None:
        return None
    best: tuple[Decimal, UptimeResult, object] | None = None
    for u in uptimes:
        if not u.measured:  # no downtime data: no credit can be claimed or ruled out
            continue
        if clause.service is not None and u.service != clause.service:
            continue
        lost = Decimal((u.seconds - u.downtime) * 100)
        for step in clause.steps:
            if lost < step.below * u.seconds and (best is None or step.percent > best[0]):
                best = (step.percent, u, step)
    if best is None:
        return None
    percent, u, step = best
    return CreditLine("uptime", percent,
                      f"{u.service} uptime {fmt_percent(u.uptime)}% < {fmt_percent(step.below)}%",
                      step.span if step.span.line else clause.span)


def objective_lines(tier: Tier, objectives: Iterable[ObjectiveResult]) -> list[CreditLine]:
    by_key = {(o.metric, o.priority): o for o in objectives}
    lines = []
    for oc in tier.objective_credits:
        o = by_key.get((oc.metric, oc.priority))
        if o is None or o.achieved is not False:  # met or not applicable: no credit
            continue
        lines.append(CreditLine(
            "objective", oc.percent,
            f"{oc.metric} {oc.priority} compliance {fmt_percent(o.compliance, 2)}% < objective "
            f"{fmt_percent(o.objective)}% ({o.met}/{o.decided} met)", oc.span))
    return lines


def compute_credit(tier: Tier | None, objectives: Iterable[ObjectiveResult],
                   uptimes: Iterable[UptimeResult], fee: Money | None) -> Credit:
    """The month's credit for one customer of ``tier`` (no tier: nothing is due)."""
    lines: list[CreditLine] = []
    if tier is not None:
        uptimes = list(uptimes)
        ups = [uptime_line(tier, uptimes, c) for c in
               ([tier.uptime_credit] if tier.uptime_credit else []) + list(tier.service_credits)]
        lines = [u for u in ups if u] + objective_lines(tier, objectives)
    uncapped = sum((ln.percent for ln in lines), Decimal(0))
    cap = tier.cap if tier is not None else None
    percent = min(uncapped, cap) if cap is not None else uncapped
    amount = None
    if fee is not None:
        amount = Money((fee.amount * percent / 100).quantize(CENT, ROUND_HALF_UP), fee.currency)
    return Credit(tuple(lines), uncapped, cap, percent, fee, amount,
                  tier.span if tier is not None else None)


def fee_of(customer, tier: Tier | None) -> Money | None:
    """The customer's negotiated fee from the roster, else the tier's list fee."""
    if customer is not None and customer.fee is not None:
        return customer.fee
    return tier.fee if tier is not None else None


def money_owed(credits: Iterable[Credit]) -> tuple[Money, ...]:
    """The money the credits add up to, one total per currency (a roster may price customers
    in several), in currency order; credits without a fee have no money and are left out.

    >>> owed = money_owed([Credit((), Decimal(5), None, Decimal(5), None,
    ...                           Money(Decimal("50.00"), "EUR"))] * 2)
    >>> [str(m) for m in owed]
    ['100.00 EUR']
    """
    totals: dict[str, Decimal] = {}
    for c in credits:
        if c.amount is not None and c.due:
            totals[c.amount.currency] = totals.get(c.amount.currency, Decimal(0)) + c.amount.amount
    return tuple(Money(totals[k], k) for k in sorted(totals))


def sum_credits(credits: Iterable[Credit]) -> tuple[Decimal, Money | None]:
    """A period's credit: the sum of its months' (capped) percents and amounts."""
    credits = list(credits)
    percent = sum((c.percent for c in credits), Decimal(0))
    amounts = [c.amount for c in credits if c.amount is not None]
    if not amounts:
        return percent, None
    return percent, Money(sum((a.amount for a in amounts), Decimal(0)), amounts[0].currency)
