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

from slalang.model import ClockDef, CreditStep, Exclusion, Policy, PriorityDerivation, Span, Tier

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


@dataclass(frozen=True)
class Plan:
    """A compiled policy. Build it with :func:`compile_plan`."""

    policy: Policy
    rows: tuple[PlanRow, ...]
    credit_rules: tuple[CreditRule, ...]
    uptime_rules: tuple[UptimeRule, ...]
    exclusions: tuple[Exclusion, ...]
    _index: dict = field(default_factory=dict, compare=False, repr=False, hash=False)
    _calendars: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

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
        return tuple(t.name for t in self.policy.tiers)

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.policy.metrics

    @property
    def priorities(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.policy.priorities)

    @property
    def timezone(self) -> str:
        """The policy's time zone: months and instants of the outputs are read in it."""
        return self.policy.header.timezone

    def tier(self, name: str) -> Tier | None:
        """The tier called ``name`` with its targets, uptime and credit clauses (inheritance
        resolved); None for an empty or unknown name."""
        if not name:
            return None
        try:
            return self.policy.tier(name)
        except KeyError:
            return None

    def clock(self, metric: str) -> ClockDef:
        """The clock that measures ``metric``."""
        return self.policy.clock(metric)

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
        state["_index"], state["_calendars"] = {}, {}
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
            uptime.append(UptimeRule(tier.name, u.service, u.percent, u.span))
        for uc in ([tier.uptime_credit] if tier.uptime_credit else []) + list(
                tier.service_credits):
            credits.append(CreditRule(tier.name, "uptime", None, None, uc.steps, None,
                                      tier.cap, uc.span, uc.origin_tier or tier.name,
                                      uc.service))
        for oc in tier.objective_credits:
            credits.append(CreditRule(tier.name, "objective", oc.metric, oc.priority, (),
                                      oc.percent, tier.cap, oc.span, oc.origin_tier or tier.name))
    return Plan(policy=policy, rows=tuple(rows), credit_rules=tuple(credits),
                uptime_rules=tuple(uptime), exclusions=policy.exclusions)


def _rank(p) -> tuple[int, str]:
    return (p.rank, p.code)
