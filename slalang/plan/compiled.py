"""The compiled evaluation plan: a policy flattened into one row per tier x metric x priority.

The checked model already resolves inheritance; the plan turns it into the table the
evaluation reads (and a reviewer can read): every promise with its target, calendar, clock and
objective, and the line of policy text that made it. Calendars are compiled once, on first use,
and shared by every row that names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from slalang.model import (
    ClockDef,
    CreditStep,
    Exclusion,
    Money,
    ObjectiveCredit,
    Policy,
    PriorityDerivation,
    Span,
    Target,
    Tier,
    UptimeCredit,
    UptimeTarget,
)

if TYPE_CHECKING:  # the calendar engine is only needed once something is evaluated
    from slalang.businesstime import Calendar


@dataclass(frozen=True)
class PlanRow:
    """One promise: ``metric`` for ``priority`` tickets of ``tier`` within ``target_seconds``."""

    tier: str
    metric: str
    priority: str
    target_seconds: int
    calendar: str
    objective: Decimal
    clock: ClockDef
    #: where the target is written (for inherited targets: in the ancestor tier's text)
    span: Span
    #: the tier whose text defined the target
    origin_tier: str
    #: the objective's minimum-sample rule (see :class:`slalang.model.Target`)
    min_tickets: int | None = None
    allowed_misses: int | None = None


@dataclass(frozen=True)
class CreditRule:
    """A service-credit clause of a tier.

    ``kind`` "uptime": ``steps`` apply (the highest matching one); "objective": ``percent`` of
    the fee when ``metric``/``priority`` misses its objective. ``cap`` is the tier's cap on the
    month's total credit (None: uncapped).
    """

    tier: str
    kind: Literal["uptime", "objective"]
    metric: str | None
    priority: str | None
    steps: tuple[CreditStep, ...]
    percent: Decimal | None
    cap: Decimal | None
    span: Span
    #: the tier whose text wrote the clause (inherited clauses keep their origin)
    origin_tier: str = ""
    #: an uptime clause for one service (``uptime of email``); None: the worst service decides
    service: str | None = None


@dataclass(frozen=True)
class UptimeRule:
    """Monthly uptime promise of a tier; ``service`` None covers every service."""

    tier: str
    service: str | None
    percent: Decimal
    span: Span
    #: the tier whose text wrote the promise (inherited ones keep their origin)
    origin_tier: str = ""


@dataclass(frozen=True)
class TierTerms:
    """A tier's terms beside its rows and rules: the tier it extends, its list fee (a
    customer's negotiated fee in the roster takes precedence) and the cap on a month's
    total credit (percent of the fee; None: uncapped)."""

    name: str
    extends: str | None
    fee: Money | None
    cap: Decimal | None
    span: Span


@dataclass(frozen=True)
class Plan:
    """A compiled policy. Build it with :func:`compile_plan`."""

    policy: Policy
    rows: tuple[PlanRow, ...]
    credit_rules: tuple[CreditRule, ...]
    uptime_rules: tuple[UptimeRule, ...]
    exclusions: tuple[Exclusion, ...]
    #: every tier, in policy order, with its fee and credit cap
    tier_terms: tuple[TierTerms, ...] = ()
    #: the clock of each metric, in policy order
    clocks: tuple[ClockDef, ...] = ()
    _index: dict = field(default_factory=dict, compare=False, repr=False, hash=False)
    _calendars: dict = field(default_factory=dict, compare=False, repr=False, hash=False)
    _tiers: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def row(self, tier: str, metric: str, priority: str) -> PlanRow | None:
        """The row for a tier, metric and priority, or None when the tier promises nothing."""
        i = self.row_index(tier, metric, priority)
        return None if i < 0 else self.rows[i]

    def row_index(self, tier: str, metric: str, priority: str) -> int:
        """Index of the row in :attr:`rows`, -1 when there is none."""
        if not self._index:
            self._index.update(
                {(r.tier, r.metric, r.priority): i for i, r in enumerate(self.rows)})
        return self._index.get((tier, metric, priority), -1)

    @property
    def tiers(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tier_terms)

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.clocks)

    @property
    def priorities(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.policy.priorities)

    @property
    def timezone(self) -> str:
        """The policy's time zone: months and instants of the outputs are read in it."""
        return self.policy.header.timezone

    def tier(self, name: str) -> Tier | None:
        """The tier called ``name`` with its targets, uptime and credit clauses (inheritance
        resolved), as this plan's rows and rules state them (what ``slalang plan`` prints
        is what an evaluation reads); None for an empty or unknown name."""
        if not name:
            return None
        if not self._tiers:
            self._tiers.update({t.name: self._tier_of(t) for t in self.tier_terms})
        return self._tiers.get(name)

    def _tier_of(self, terms: TierTerms) -> Tier:
        name = terms.name
        credits = [c for c in self.credit_rules if c.tier == name]
        uptime_credits = [UptimeCredit(c.steps, c.origin_tier, c.span, c.service)
                          for c in credits if c.kind == "uptime"]
        return Tier(
            name=name, extends=terms.extends, fee=terms.fee,
            targets=tuple(Target(r.metric, r.priority, r.target_seconds, r.calendar,
                                 r.objective, r.origin_tier, r.span, r.min_tickets,
                                 r.allowed_misses)
                          for r in self.rows if r.tier == name),
            uptime=tuple(UptimeTarget(u.service, u.percent, u.origin_tier, u.span)
                         for u in self.uptime_rules if u.tier == name),
            uptime_credit=next((c for c in uptime_credits if c.service is None), None),
            objective_credits=tuple(ObjectiveCredit(c.metric or "", c.priority or "",
                                                    c.percent or Decimal(0), c.origin_tier,
                                                    c.span)
                                    for c in credits if c.kind == "objective"),
            cap=terms.cap, span=terms.span,
            service_credits=tuple(c for c in uptime_credits if c.service is not None))

    def clock(self, metric: str) -> ClockDef:
        """The clock that measures ``metric``."""
        for c in self.clocks:
            if c.name == metric:
                return c
        raise KeyError(f"no clock measures {metric!r}")

    @property
    def priority_derivation(self) -> PriorityDerivation | None:
        """The priority matrix filling in tickets that have no priority (None: none)."""
        return self.policy.priority_derivation

    def calendar(self, name: str) -> Calendar:
        """The calendar called ``name``, compiled (once, shared with :attr:`calendars`)."""
        found = self.calendars.get(name)
        if found is None:  # a plan given some calendars ready-made (tests): compile the rest
            from slalang.businesstime import Calendar

            found = self._calendars[name] = Calendar.from_def(self.policy.calendar(name))
        return found

    def __getstate__(self) -> dict:
        # shipped to worker processes without its caches: they are rebuilt there on first use
        state = dict(self.__dict__)
        state["_index"], state["_calendars"], state["_tiers"] = {}, {}, {}
        return state

    @property
    def calendars(self) -> dict[str, Calendar]:
        """Every calendar of the policy, compiled once (on first use) and shared."""
        if not self._calendars:
            from slalang.businesstime import Calendar

            self._calendars.update(
                {c.name: Calendar.from_def(c) for c in self.policy.calendars})
        return self._calendars


def compile_plan(policy: Policy) -> Plan:
    """Flatten a checked policy into its evaluation plan.

    Rows come in policy order: tiers as written, then metrics (clocks) as written, then
    priorities by rank; a tier without a target for a metric and priority has no row.
    """
    clocks = {c.name: c for c in policy.clocks}
    prio_order = {p.code: i for i, p in enumerate(sorted(policy.priorities, key=_rank))}
    metric_order = {m: i for i, m in enumerate(policy.metrics)}
    rows: list[PlanRow] = []
    credits: list[CreditRule] = []
    uptime: list[UptimeRule] = []
    for tier in policy.tiers:
        targets = sorted(tier.targets, key=lambda t: (metric_order.get(t.metric, 99),
                                                      prio_order.get(t.priority, 99)))
        for t in targets:
            rows.append(PlanRow(
                tier=tier.name, metric=t.metric, priority=t.priority,
                target_seconds=t.seconds, calendar=t.calendar, objective=t.objective,
                clock=clocks[t.metric], span=t.span, origin_tier=t.origin_tier or tier.name,
                min_tickets=t.min_tickets, allowed_misses=t.allowed_misses))
        for u in tier.uptime:
            uptime.append(UptimeRule(tier.name, u.service, u.percent, u.span,
                                     u.origin_tier or tier.name))
        for uc in ([tier.uptime_credit] if tier.uptime_credit else []) + list(
                tier.service_credits):
            credits.append(CreditRule(tier.name, "uptime", None, None, uc.steps, None,
                                      tier.cap, uc.span, uc.origin_tier or tier.name,
                                      uc.service))
        for oc in tier.objective_credits:
            credits.append(CreditRule(tier.name, "objective", oc.metric, oc.priority, (),
                                      oc.percent, tier.cap, oc.span, oc.origin_tier or tier.name))
    terms = tuple(TierTerms(t.name, t.extends, t.fee, t.cap, t.span) for t in policy.tiers)
    return Plan(policy=policy, rows=tuple(rows), credit_rules=tuple(credits),
                uptime_rules=tuple(uptime), exclusions=policy.exclusions, tier_terms=terms,
                clocks=tuple(policy.clocks))


def _rank(p) -> tuple[int, str]:
    return (p.rank, p.code)
