"""The checked model: what a policy means once parsed, resolved and checked.

Every later stage (plan, evaluation, contract text, reports) reads these objects and nothing
else. They are frozen dataclasses built only by :func:`slalang.language.check`; inheritance is
already flattened (a tier carries its effective targets) and every reference is bound (a target
names a calendar that exists). Each object keeps the :class:`Span` of the policy text it came
from, so any verdict can point back at its clause.

Quantities are exact: durations are whole seconds, percentages and money are ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Literal

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class Span:
    """Where a construct stands in a policy file (1-based lines and columns, end exclusive)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Span("<builtin>", 0, 0, 0, 0)


@dataclass(frozen=True)
class Text:
    """Words a customer reads, in one or more languages: ``(lang, text)`` pairs, English
    first. Documents pick their language with :meth:`get`."""

    texts: tuple[tuple[str, str], ...]
    span: Span = NOWHERE

    def get(self, lang: str) -> str | None:
        """The text in ``lang``, or None when the policy gives none in that language."""
        return next((t for code, t in self.texts if code == lang), None)

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.texts)


@dataclass(frozen=True)
class Label:
    """``label <code> "..." it "..."``: how a code of the policy reads in a document."""

    code: str
    text: Text
    span: Span = NOWHERE


#: a monthly fee must stay below this: credits multiply it by percentages and round it to
#: cents within Decimal's 28 significant digits (the policy check and the roster refuse more)
MAX_FEE = Decimal(10) ** 12


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True)
class Header:
    """The policy header: who promises what, from when, in which currency and period."""

    name: str
    version: str
    effective: dt.date
    currency: str
    #: reporting period unit: "month" (quarters aggregate three months)
    period: Literal["month"]
    #: the time zone in which a ticket's month is decided
    timezone: str
    #: the provider's legal name, when given
    provider: str | None = None
    #: path of the customer roster, relative to the policy file
    roster: str | None = None
    span: Span = NOWHERE


@dataclass(frozen=True)
class TimeRange:
    """A half-open interval of a local day, in minutes after midnight (end may be 1440)."""

    start: int
    end: int

    def __str__(self) -> str:
        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        return f"{hhmm(self.start)}-{hhmm(self.end)}"


@dataclass(frozen=True)
class HolidaySource:
    """Public holidays of a country (ISO 3166 code) and optional subdivision."""

    country: str
    subdivision: str | None = None
    span: Span = NOWHERE


@dataclass(frozen=True)
class CalendarDef:
    """A business calendar: when the clock may run.

    ``always`` means 24x7: weekly hours are every day 00:00-24:00 and holidays, closures and
    overrides are empty (the checker rejects them on a 24x7 calendar).
    """

    name: str
    timezone: str
    always: bool
    #: seven tuples, Monday first, each the day's working ranges sorted and non-overlapping
    weekly: tuple[tuple[TimeRange, ...], ...]
    holidays: tuple[HolidaySource, ...] = ()
    #: one-off closed dates
    closures: tuple[dt.date, ...] = ()
    #: (month, day) closed every year
    yearly_closures: tuple[tuple[int, int], ...] = ()
    #: dates with their own hours (possibly none), replacing the weekly hours that day
    overrides: tuple[tuple[dt.date, tuple[TimeRange, ...]], ...] = ()
    span: Span = NOWHERE


@dataclass(frozen=True)
class Priority:
    code: str
    label: str
    #: 1 for the most urgent
    rank: int
    span: Span = NOWHERE
    #: the label with its translations (``label`` is the English text)
    text: Text | None = None
    #: what the priority stands for (``means "..."``), as the contract defines it
    meaning: Text | None = None


@dataclass(frozen=True)
class PriorityRule:
    """A priority-matrix row: when the ticket fields equal ``values``, use ``priority``."""

    values: tuple[str, ...]
    priority: str
    span: Span = NOWHERE


@dataclass(frozen=True)
class PriorityDerivation:
    """Derive the priority from ticket fields (the ITIL impact x urgency matrix)."""

    fields: tuple[str, ...]
    rules: tuple[PriorityRule, ...]
    span: Span = NOWHERE


EventKind = Literal["created", "first_response", "resolved", "closed", "status"]


@dataclass(frozen=True)
class ClockEvent:
    """A ticket event that starts or stops a clock.

    ``resolved``/``closed`` mean the *last* such instant (a reopened ticket resumes);
    ``status`` means the first time the ticket entered ``status``.
    """

    kind: EventKind
    status: str | None = None

    def __str__(self) -> str:
        return f"status {self.status}" if self.kind == "status" else self.kind


@dataclass(frozen=True)
class ClockDef:
    """A metric's clock: what starts it, stops it and pauses it."""

    name: str
    start: ClockEvent
    stop: ClockEvent
    #: statuses during which the clock does not run
    pause_statuses: tuple[str, ...] = ()
    #: what a reopened ticket does: resume the clock, or restart it from the reopening
    on_reopen: Literal["resume", "restart"] = "resume"
    #: what a priority change does: carry elapsed time over to the new target, or restart
    on_priority_change: Literal["carry", "restart"] = "carry"
    description: str | None = None
    span: Span = NOWHERE
    #: what counts as the start / stop event, in the customer's words (``means "..."``)
    start_means: Text | None = None
    stop_means: Text | None = None


@dataclass(frozen=True)
class Condition:
    """``field op values``; op is one of ``=``, ``!=``, ``in``, ``not in``."""

    field: str
    op: Literal["=", "!=", "in", "not in"]
    values: tuple[str, ...]
    span: Span = NOWHERE

    def matches(self, value: object) -> bool:
        text = "" if value is None else str(value)
        hit = text in self.values
        return hit if self.op in ("=", "in") else not hit


@dataclass(frozen=True)
class Exclusion:
    """Tickets or downtime left out of the SLA.

    All ``conditions`` must hold (conjunction). For downtime, ``during`` names a calendar whose
    hours form the window: only the part of a record inside the window is excluded.
    """

    subject: Literal["tickets", "downtime"]
    conditions: tuple[Condition, ...]
    during: str | None = None
    reason: str | None = None
    span: Span = NOWHERE
    #: ``notice 48h``: how long ahead planned work is announced, in seconds (a contract
    #: term; the data carries no announcement, so evaluation does not check it)
    notice: int | None = None


@dataclass(frozen=True)
class Target:
    """One promise: ``metric`` for ``priority`` within ``seconds`` of ``calendar`` time,
    achieved for at least ``objective`` percent of decided tickets."""

    metric: str
    priority: str
    seconds: int
    calendar: str
    objective: Decimal
    #: the tier whose text defined this target (inherited targets keep their origin)
    origin_tier: str = ""
    span: Span = NOWHERE
    #: below this many decided tickets in a month the objective is judged by
    #: ``allowed_misses`` (None: every month is judged on its compliance)
    min_tickets: int | None = None
    #: below ``min_tickets``: at most this many tickets may miss (None: not judged at all)
    allowed_misses: int | None = None


@dataclass(frozen=True)
class UptimeTarget:
    """Monthly uptime promise; ``service`` None covers every service of the customer."""

    service: str | None
    percent: Decimal
    origin_tier: str = ""
    span: Span = NOWHERE


@dataclass(frozen=True)
class CreditStep:
    """``percent`` of the monthly fee is credited when the measure is below ``below``."""

    percent: Decimal
    below: Decimal
    span: Span = NOWHERE


@dataclass(frozen=True)
class UptimeCredit:
    """Uptime clause: of the steps whose threshold the uptime is below, the one with the largest
    credit applies (the lowest threshold breached). ``service`` None: evaluated on the worst
    covered service; else on that service only."""

    steps: tuple[CreditStep, ...]
    origin_tier: str = ""
    span: Span = NOWHERE
    service: str | None = None


@dataclass(frozen=True)
class ObjectiveCredit:
    """``percent`` of the fee is credited when ``metric``/``priority`` misses its objective."""

    metric: str
    priority: str
    percent: Decimal
    origin_tier: str = ""
    span: Span = NOWHERE


@dataclass(frozen=True)
class Tier:
    """A tier with inheritance flattened: everything here is in force for the tier."""

    name: str
    extends: str | None
    #: the list fee; a customer's negotiated fee in the roster takes precedence
    fee: Money | None
    targets: tuple[Target, ...]
    uptime: tuple[UptimeTarget, ...] = ()
    uptime_credit: UptimeCredit | None = None
    objective_credits: tuple[ObjectiveCredit, ...] = ()
    #: cap on the month's total credit, percent of the monthly fee
    cap: Decimal | None = None
    span: Span = NOWHERE
    #: per-service uptime clauses (``credit 5% when uptime of email < 99.5%``), in addition to
    #: ``uptime_credit``, which covers every service
    service_credits: tuple[UptimeCredit, ...] = ()

    def target(self, metric: str, priority: str) -> Target | None:
        for t in self.targets:
            if t.metric == metric and t.priority == priority:
                return t
        return None


@dataclass(frozen=True)
class Channel:
    """``channel phone "+39 02 ..." on always for P1``: how tickets are raised."""

    name: str
    address: str
    #: when the channel is staffed (a calendar name); None: the business hours
    calendar: str | None = None
    #: the priorities it may be used for; empty: all
    priorities: tuple[str, ...] = ()
    span: Span = NOWHERE


@dataclass(frozen=True)
class Terms:
    """The terms of the deal around the numbers (scope, support, credit claims, reporting).

    Each is None/empty when the policy does not state it; the contract then says nothing.
    """

    covers: tuple[Text, ...] = ()
    not_covered: tuple[Text, ...] = ()
    channels: tuple[Channel, ...] = ()
    #: who assigns a ticket's priority: "provider" or "customer"
    classified_by: str | None = None
    #: "automatic", or "on_request" within ``claim_days`` days of the month's end
    claim: str | None = None
    claim_days: int | None = None
    #: how a credit is paid: "credit_note" (on the next invoice) or "deduction"
    paid_by: str | None = None
    #: whether credits are the customer's sole remedy for missed service levels
    sole_remedy: bool | None = None
    #: the monthly report is sent within this many days of the month's end
    monthly_report_days: int | None = None
    quarterly_review: bool = False
    measured_by: Text | None = None
    review_months: int | None = None


@dataclass(frozen=True)
class Policy:
    """A checked policy. Built by :func:`slalang.language.check`."""

    header: Header
    calendars: tuple[CalendarDef, ...]
    priorities: tuple[Priority, ...]
    clocks: tuple[ClockDef, ...]
    tiers: tuple[Tier, ...]
    exclusions: tuple[Exclusion, ...] = ()
    priority_derivation: PriorityDerivation | None = None
    labels: tuple[Label, ...] = ()
    terms: Terms = field(default_factory=Terms)
    #: path of the source file as given
    source_path: str = ""
    #: sha256 of the source text, hex
    source_hash: str = ""
    #: name -> object lookups are cheap helpers, not extra state
    _index: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def calendar(self, name: str) -> CalendarDef:
        return _lookup(self, "calendars", name)

    def clock(self, name: str) -> ClockDef:
        return _lookup(self, "clocks", name)

    def tier(self, name: str) -> Tier:
        return _lookup(self, "tiers", name)

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.clocks)

    def label(self, code: str, lang: str) -> str | None:
        """The policy's own label for ``code`` in ``lang``, if it declares one."""
        for label in self.labels:
            if label.code == code:
                return label.text.get(lang)
        return None


def _lookup(policy: Policy, kind: str, name: str):
    index = policy._index.get(kind)
    if index is None:
        index = {obj.name: obj for obj in getattr(policy, kind)}
        policy._index[kind] = index
    try:
        return index[name]
    except KeyError:
        raise KeyError(f"policy has no {kind[:-1]} named {name!r}") from None


@dataclass(frozen=True)
class Customer:
    """A roster entry: who the customer is, their tier, negotiated fee and covered services."""

    name: str
    tier: str
    fee: Money | None
    services: tuple[str, ...]
    #: the customer's id as it appears in ticket exports, when it differs from the name
    id: str | None = None

    @property
    def key(self) -> str:
        return self.id or self.name


@dataclass(frozen=True)
class Roster:
    customers: tuple[Customer, ...]
    source_path: str = ""

    def get(self, key: str) -> Customer | None:
        """The first customer whose id or name is ``key`` (None: not listed)."""
        return self._by_key.get(key)

    @cached_property
    def _by_key(self) -> dict[str, Customer]:
        # built once: a scan of the customers per lookup made every evaluation with a
        # roster quadratic (5,000 customers looked up in a roster of 5,000: 25 million
        # comparisons a batch, 45 s of a 1m calibration in chunks)
        index: dict[str, Customer] = {}
        for c in self.customers:
            index.setdefault(c.key, c)
            index.setdefault(c.name, c)
        return index
