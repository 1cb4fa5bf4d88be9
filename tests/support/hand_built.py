"""Hand-built inputs for the aggregation stage: tests and examples build evaluations from these
without a policy file, a ticket export or the outcomes stage.

* :func:`reference_policy` is the reference contract's policy (three tiers, two clocks,
  exclusions, uptime and credit clauses) as checked-model objects;
* :class:`HandTickets` / :func:`hand_outcomes` are minimal TicketTable / Outcomes look-alikes
  (the aggregation reads only the columns they carry);
* :func:`interval_clock` is a business clock over explicit intervals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from slalang.model import (
    CalendarDef,
    ClockDef,
    ClockEvent,
    Condition,
    CreditStep,
    Customer,
    Exclusion,
    Header,
    Money,
    ObjectiveCredit,
    Policy,
    Priority,
    Roster,
    Span,
    Target,
    Tier,
    TimeRange,
    UptimeCredit,
    UptimeTarget,
)

NAT = np.iinfo(np.int64).min
F = "reference.sla"


def _span(line: int) -> Span:
    return Span(F, line, 1, line, 2)


@dataclass(frozen=True)
class Cat:
    """A categorical column: codes into labels, -1 absent."""

    codes: np.ndarray
    labels: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence[str | None]) -> Cat:
        labels = tuple(dict.fromkeys(v for v in values if v))
        index = {x: i for i, x in enumerate(labels)}
        return cls(np.array([index.get(v, -1) if v else -1 for v in values], dtype=np.int32),
                   labels)


def _targets(tier: str, table: dict, objectives: dict, line: int) -> tuple[Target, ...]:
    out = []
    for metric, cells in table.items():
        for p, (seconds, cal) in zip(("P1", "P2", "P3", "P4"), cells, strict=True):
            out.append(Target(metric, p, seconds, cal, Decimal(objectives[metric]), tier,
                              _span(line)))
        line += 1
    return tuple(out)


def reference_policy() -> Policy:
    """The reference contract (see docs/evaluation) as a checked Policy; each clause gets a
    distinct line number in a notional ``reference.sla``."""
    h = 3600
    office = CalendarDef("office", "Europe/Rome", False,
                         tuple([(TimeRange(510, 780), TimeRange(840, 1080))] * 5 + [(), ()]),
                         yearly_closures=((12, 24), (12, 31)), span=_span(10))
    always = CalendarDef("always", "Europe/Rome", True, tuple([(TimeRange(0, 1440),)] * 7),
                         span=_span(16))
    maintenance = CalendarDef("maintenance", "Europe/Rome", False,
                              tuple([()] * 6 + [(TimeRange(120, 360),)]), span=_span(17))
    o, a = "office", "always"
    bronze = Tier(
        "Bronze", None, Money(Decimal(1000), "EUR"),
        _targets("Bronze", {"response": [(2 * h, o), (4 * h, o), (8 * h, o), (16 * h, o)],
                            "resolution": [(8 * h, o), (16 * h, o), (40 * h, o), (80 * h, o)]},
                 {"response": 90, "resolution": 85}, 40),
        (UptimeTarget(None, Decimal("99.0"), "Bronze", _span(42)),),
        UptimeCredit((CreditStep(Decimal(5), Decimal("99.0"), _span(43)),), "Bronze", _span(43)),
        (), Decimal(10), _span(38))
    silver = Tier(
        "Silver", "Bronze", Money(Decimal(2000), "EUR"),
        _targets("Silver", {"response": [(1 * h, o), (2 * h, o), (8 * h, o), (16 * h, o)],
                            "resolution": [(4 * h, o), (8 * h, o), (40 * h, o), (80 * h, o)]},
                 {"response": 95, "resolution": 90}, 49),
        (UptimeTarget(None, Decimal("99.5"), "Silver", _span(51)),),
        UptimeCredit((CreditStep(Decimal(5), Decimal("99.5"), _span(52)),
                      CreditStep(Decimal(10), Decimal("99.0"), _span(52))), "Silver", _span(52)),
        (ObjectiveCredit("response", "P1", Decimal(5), "Silver", _span(53)),),
        Decimal(20), _span(47))
    gold = Tier(
        "Gold", "Silver", Money(Decimal(4000), "EUR"),
        _targets("Gold", {"response": [(900, a), (1 * h, o), (8 * h, o), (16 * h, o)],
                          "resolution": [(4 * h, a), (8 * h, o), (40 * h, o), (80 * h, o)]},
                 {"response": 95, "resolution": 95}, 58),
        (UptimeTarget(None, Decimal("99.9"), "Gold", _span(60)),),
        UptimeCredit((CreditStep(Decimal(10), Decimal("99.9"), _span(61)),
                      CreditStep(Decimal(25), Decimal("99.0"), _span(61))), "Gold", _span(61)),
        (ObjectiveCredit("response", "P1", Decimal(5), "Silver", _span(53)),
         ObjectiveCredit("resolution", "P1", Decimal(10), "Gold", _span(62))),
        Decimal(30), _span(56))
    return Policy(
        header=Header("Rossi IT Services", "1.0", dt.date(2026, 1, 1), "EUR", "month",
                      "Europe/Rome", "Rossi IT Services S.r.l.", "customers.yaml", _span(1)),
        calendars=(office, always, maintenance),
        priorities=tuple(Priority(f"P{i}", lab, i, _span(20 + i)) for i, lab in
                         enumerate(("Critical", "High", "Moderate", "Low"), 1)),
        clocks=(ClockDef("response", ClockEvent("created"), ClockEvent("first_response"),
                         span=_span(26)),
                ClockDef("resolution", ClockEvent("created"), ClockEvent("resolved"),
                         ("waiting_on_customer", "waiting_on_vendor", "resolved", "closed"),
                         span=_span(30))),
        tiers=(bronze, silver, gold),
        exclusions=(
            Exclusion("tickets", (Condition("category", "=", ("change_request",), _span(35)),),
                      None, "changes follow the change process", _span(35)),
            Exclusion("downtime", (Condition("kind", "=", ("planned",), _span(36)),),
                      "maintenance", None, _span(36)),
            Exclusion("downtime", (Condition("kind", "=", ("customer_caused",), _span(37)),),
                      None, None, _span(37)),
        ),
        source_path=F, source_hash="0" * 64)


def reference_roster() -> Roster:
    eur = "EUR"
    return Roster((
        Customer("Alfa Srl", "Gold", Money(Decimal(4000), eur), ("email",)),
        Customer("Beta SpA", "Silver", Money(Decimal(2500), eur), ("email",)),
        Customer("Gamma Snc", "Bronze", Money(Decimal(1000), eur), ("email",)),
    ), "customers.yaml")


@dataclass
class HandTickets:
    """The TicketTable columns the aggregation reads."""

    id: np.ndarray
    customer: Cat
    created_at: np.ndarray
    rejected: list = field(default_factory=list)
    data_hash: str = "f" * 64

    @classmethod
    def of(cls, rows: Sequence[tuple[str, str, str]]) -> HandTickets:
        """From ``(id, customer, created_at ISO)`` rows."""
        return cls(np.array([r[0] for r in rows], dtype=object), Cat.of([r[1] for r in rows]),
                   np.array([int(dt.datetime.fromisoformat(r[2]).timestamp()) for r in rows],
                            dtype=np.int64))

    @property
    def n(self) -> int:
        return len(self.id)


@dataclass
class HandOutcomes:
    """The Outcomes columns, ticket-major (row = ticket * n_metrics + metric)."""

    ticket: np.ndarray
    metric: np.ndarray
    metrics: tuple[str, ...]
    tier: Cat
    priority: Cat
    status: np.ndarray
    elapsed: np.ndarray
    target: np.ndarray
    due_at: np.ndarray
    stopped_at: np.ndarray
    plan_row: np.ndarray
    exclusion: np.ndarray
    as_of: int = 0
    rejected: list = field(default_factory=list)
    status_names: tuple[str, ...] = ("met", "breached", "open", "excluded", "invalid")


STATUS = {"met": 0, "breached": 1, "open": 2, "excluded": 3, "invalid": 4}


def hand_outcomes(policy: Policy, rows: Sequence[tuple]) -> HandOutcomes:
    """Outcomes from ``(tier, priority, status per metric...)`` per ticket, e.g.
    ``("Gold", "P1", "met", "breached")``; elapsed/target/due are left at simple values."""
    metrics = policy.metrics
    nm = len(metrics)
    n = len(rows)
    status = np.array([STATUS[s] for r in rows for s in r[2:2 + nm]], dtype=np.int8)
    return HandOutcomes(
        ticket=np.repeat(np.arange(n, dtype=np.int64), nm),
        metric=np.tile(np.arange(nm, dtype=np.int8), n),
        metrics=metrics,
        tier=Cat.of([r[0] for r in rows for _ in range(nm)]),
        priority=Cat.of([r[1] for r in rows for _ in range(nm)]),
        status=status,
        elapsed=np.zeros(n * nm, dtype=np.int64),
        target=np.full(n * nm, -1, dtype=np.int64),
        due_at=np.full(n * nm, NAT, dtype=np.int64),
        stopped_at=np.full(n * nm, NAT, dtype=np.int64),
        plan_row=np.full(n * nm, -1, dtype=np.int32),
        exclusion=np.full(n * nm, -1, dtype=np.int32))


@dataclass
class HandPlan:
    """A plan look-alike: the policy, its calendars' business clocks, and plan rows."""

    policy: Policy
    calendars: dict = field(default_factory=dict)
    rows: tuple = ()

    # what the kernel reads of a plan, answered from the policy as a compiled plan does
    tiers = property(lambda self: tuple(t.name for t in self.policy.tiers))
    metrics = property(lambda self: self.policy.metrics)
    priorities = property(lambda self: tuple(p.code for p in self.policy.priorities))
    exclusions = property(lambda self: self.policy.exclusions)
    timezone = property(lambda self: self.policy.header.timezone)

    def tier(self, name: str):
        try:
            return self.policy.tier(name) if name else None
        except KeyError:
            return None

    def calendar(self, name: str):
        if name in self.calendars:
            return self.calendars[name]
        from slalang.businesstime import Calendar

        return Calendar.from_def(self.policy.calendar(name))


@dataclass
class IntervalCalendar:
    """A calendar whose working time is an explicit list of ``[start, end)`` epoch intervals."""

    intervals: Sequence[tuple[int, int]]

    def business_clock(self, t: np.ndarray) -> np.ndarray:
        """Working seconds in [-inf, t)."""
        t = np.asarray(t, dtype=np.int64)
        out = np.zeros(t.shape, dtype=np.int64)
        for s, e in self.intervals:
            out += np.clip(t, s, e) - s
        return out


def sunday_windows(first: dt.date, last: dt.date, zone: str = "Europe/Rome"
                   ) -> list[tuple[int, int]]:
    """Sunday 02:00-06:00 local windows between two dates (the maintenance window)."""
    from zoneinfo import ZoneInfo

    z = ZoneInfo(zone)
    out, day = [], first
    while day <= last:
        if day.weekday() == 6:
            out.append((int(dt.datetime(day.year, day.month, day.day, 2, tzinfo=z).timestamp()),
                        int(dt.datetime(day.year, day.month, day.day, 6, tzinfo=z).timestamp())))
        day += dt.timedelta(days=1)
    return out


def interval_clock(intervals: Sequence[tuple[int, int]]):
    """The business clock of :class:`IntervalCalendar`."""
    return IntervalCalendar(intervals).business_clock
