"""What every check reads: the syntax tree, name tables and the flattened tiers.

The context is built once per :func:`~slalang.language.check` call. Name tables keep the
*first* definition of each name (duplicates are a finding of their own), and tier flattening
is tolerant: an undefined parent or a cycle simply stops the chain, so the checks can still
look at everything else.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from slalang.diagnostics import Diagnostic, Severity
from slalang.language import syntax as s
from slalang.language.values import duration_seconds
from slalang.model import Span

#: events a clock may start or stop at, besides ``status <name>``
CLOCK_EVENTS = ("created", "first_response", "resolved", "closed")


@dataclass
class FlatTarget:
    seconds: int | None
    calendar: str | None
    #: the span of the calendar name that gave the target its calendar, if any
    calendar_span: Span | None
    origin: str
    span: Span


@dataclass
class FlatTier:
    """A tier after inheritance, with the origin and span of every piece kept."""

    name: str
    decl: s.TierDecl
    fee: s.FeeStmt | None = None
    fee_origin: str = ""
    targets: dict[tuple[str, str], FlatTarget] = field(default_factory=dict)
    #: metric -> (objective, origin tier, span of the objective)
    objectives: dict[str, tuple[Decimal, str, Span]] = field(default_factory=dict)
    #: metric -> the minimum-sample rule stated with its objective (None: none); restating an
    #: objective restates its rule, so a child's bare ``objective 99%`` drops the parent's
    samples: dict[str, s.SampleRule | None] = field(default_factory=dict)
    #: service (None: every service) -> (statement, origin)
    uptime: dict[str | None, tuple[s.UptimeStmt, str]] = field(default_factory=dict)
    #: service (None: every service, the worst decides) -> (uptime credit clause, origin)
    uptime_credits: dict[str | None, tuple[s.UptimeCreditStmt, str]] = field(
        default_factory=dict)
    objective_credits: dict[tuple[str, str], tuple[s.ObjectiveCreditStmt, str]] = field(
        default_factory=dict)
    cap: s.CapStmt | None = None

    @property
    def uptime_credit(self) -> tuple[s.UptimeCreditStmt, str] | None:
        """The clause that covers every service (the worst decides), if any."""
        return self.uptime_credits.get(None)


class CheckContext:
    """The syntax tree plus the lookups the checks share."""

    def __init__(self, tree: s.PolicyFile) -> None:
        self.tree = tree
        self.calendars = _first_by_name(tree.of_type(s.CalendarDecl))
        self.clocks = _first_by_name(tree.of_type(s.ClockDecl))
        self.tiers = _first_by_name(tree.of_type(s.TierDecl))
        self.priorities: dict[str, s.PriorityItem] = {}
        for block in tree.of_type(s.PrioritiesDecl):
            for item in block.items:
                self.priorities.setdefault(item.code.text, item)
        self._flat: dict[str, FlatTier] = {}
        self._complete: dict[str, bool] = {}
        #: tier -> the tiers that extend it
        self._children: dict[str, list[str]] = {}
        for child, decl in self.tiers.items():
            if decl.extends is not None:
                self._children.setdefault(decl.extends.text, []).append(child)

    def header_field(self, key: str) -> s.HeaderField | None:
        return next((f for f in self.tree.header.fields if f.key == key), None)

    @property
    def currency(self) -> str | None:
        f = self.header_field("currency")
        return f.values[0].text if f else None

    @property
    def period_zone(self) -> str | None:
        f = self.header_field("period")
        return f.values[1] if f else None

    def parents(self, name: str) -> Iterator[str]:
        """The chain of ancestors of a tier, stopping at an unknown name or a cycle."""
        seen = {name}
        decl = self.tiers.get(name)
        while decl is not None and decl.extends is not None:
            parent = decl.extends.text
            if parent in seen or parent not in self.tiers:
                return
            seen.add(parent)
            yield parent
            decl = self.tiers[parent]

    def heirs(self, name: str) -> list[str]:
        """Every tier that inherits from ``name``, directly or not (breadth first)."""
        found, queue, seen = [], deque([name]), {name}
        while queue:
            for child in self._children.get(queue.popleft(), ()):
                if child not in seen:
                    seen.add(child)
                    found.append(child)
                    queue.append(child)
        return found

    def chain_complete(self, name: str) -> bool:
        """Whether every ancestor of the tier is defined and the chain has no cycle (else
        what it inherits is unknown, and findings about its targets would be noise)."""
        # memoised along the walk, so asking for every tier of a long chain stays linear
        walked: list[str] = []
        on_walk: set[str] = set()
        current: str | None = name
        answer = True
        while current is not None and current not in self._complete:
            if current in on_walk or current not in self.tiers:
                answer = False  # a cycle, or an undefined ancestor
                break
            walked.append(current)
            on_walk.add(current)
            parent = self.tiers[current].extends
            current = parent.text if parent is not None else None
        else:
            answer = self._complete[current] if current is not None else True
        for tier in walked:
            self._complete[tier] = answer
        return answer

    def flat_tier(self, name: str) -> FlatTier:
        """The tier ``name`` with everything it inherits, ancestors applied first."""
        if name in self._flat:
            return self._flat[name]
        if not self.chain_complete(name):
            flat = FlatTier(name, self.tiers[name])
            for tier_name in reversed([name, *self.parents(name)]):
                _apply(flat, self.tiers[tier_name])
            self._flat[name] = flat
            return flat
        # a complete chain: start from the nearest ancestor already flattened and lay each
        # tier over its parent's copy, so a chain of n tiers costs n steps, not n squared
        pending = [name]
        while (parent := self.tiers[pending[-1]].extends) is not None \
                and parent.text not in self._flat:
            pending.append(parent.text)
        base = self._flat[parent.text] if parent is not None else None
        for tier_name in reversed(pending):
            flat = _inherit(base, tier_name, self.tiers[tier_name])
            _apply(flat, self.tiers[tier_name])
            self._flat[tier_name] = base = flat
        return self._flat[name]


def _first_by_name(decls: list) -> dict:
    table: dict = {}
    for decl in decls:
        table.setdefault(decl.name.text, decl)
    return table


def _inherit(parent: FlatTier | None, name: str, decl: s.TierDecl) -> FlatTier:
    """A new flat tier holding what ``parent`` holds (its own containers, shallow copies)."""
    if parent is None:
        return FlatTier(name, decl)
    return dataclasses.replace(
        parent, name=name, decl=decl, targets=dict(parent.targets),
        objectives=dict(parent.objectives), samples=dict(parent.samples),
        uptime=dict(parent.uptime),
        uptime_credits=dict(parent.uptime_credits),
        objective_credits=dict(parent.objective_credits))


def _apply(flat: FlatTier, decl: s.TierDecl) -> None:
    """Lay one tier's own statements over what it inherited (see the language reference)."""
    origin = decl.name.text
    for stmt in decl.stmts:
        if isinstance(stmt, s.FeeStmt):
            flat.fee, flat.fee_origin = stmt, origin
        elif isinstance(stmt, s.CapStmt):
            flat.cap = stmt
        elif isinstance(stmt, s.UptimeStmt):
            flat.uptime[stmt.service.text if stmt.service else None] = (stmt, origin)
        elif isinstance(stmt, s.UptimeCreditStmt):
            flat.uptime_credits[credit_service(stmt)] = (stmt, origin)
        elif isinstance(stmt, s.ObjectiveCreditStmt):
            flat.objective_credits[(stmt.metric.text, stmt.priority.text)] = (stmt, origin)
        elif isinstance(stmt, s.TargetLine):
            metric = stmt.metric.text
            if stmt.objective is not None:
                flat.objectives[metric] = (stmt.objective.value, origin, stmt.objective.span)
                flat.samples[metric] = stmt.sample
            for item in stmt.items:
                key = (metric, item.priority.text)
                cal_ident = item.calendar or stmt.calendar
                inherited = flat.targets.get(key)
                if cal_ident is not None:
                    calendar, cal_span = cal_ident.text, cal_ident.span
                elif inherited is not None:
                    calendar, cal_span = inherited.calendar, inherited.calendar_span
                else:
                    calendar, cal_span = None, None
                flat.targets[key] = FlatTarget(duration_seconds(item.duration.text), calendar,
                                               cal_span, origin, item.span)


def credit_service(stmt: s.UptimeCreditStmt) -> str | None:
    """The service an uptime credit clause measures (its first step's ``of``), None for all."""
    first = stmt.steps[0].service
    return first.text if first is not None else None


def diag(code: str, message: str, span: Span, hint: str | None = None,
         severity: Severity = "error") -> Diagnostic:
    """Shorthand the checks use to build a diagnostic."""
    return Diagnostic(code, severity, message, span, hint)
