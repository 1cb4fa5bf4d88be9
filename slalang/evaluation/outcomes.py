"""Per-ticket outcomes: one verdict per ticket and metric, computed column by column.

:func:`compute_outcomes` resolves every ticket's tier and priority, applies the policy's
ticket exclusions, runs each metric's clock (:mod:`slalang.evaluation.clocks`) and measures it
with one vectorised calendar call per calendar. Rows are ticket-major: row ``i * n_metrics + m``
is ticket ``i``, metric ``m``.

Decisions (docs/evaluation/semantics.md):

* the tier comes from the roster (customer -> tier); the ticket's ``tier`` column serves when
  the customer is not in the roster (or there is none), and a ticket whose tier differs from
  its customer's roster tier is invalid;
* the priority is the ticket's final one (after its last priority-change event); a ticket
  without one gets it from the policy's priority matrix, when there is one;
* an excluded ticket is ``excluded`` for every metric, whatever else is wrong with it;
* a ticket whose customer, tier or priority cannot be resolved is ``invalid`` for every metric
  and is added to ``rejected`` with its row and field;
* a tier that promises nothing for a metric and priority gives ``excluded`` with no exclusion
  (``exclusion`` -1): there is nothing to meet or miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from slalang.data.table import Categorical, Rejection
from slalang.evaluation.clocks import NAT, EventIndex, clock_spans
from slalang.model import Condition, Roster
from slalang.plan.compiled import Plan
from slalang.vocabulary import (
    BREACHED,
    EXCLUDED,
    INVALID,
    MET,
    OPEN,
    STATUS_NAMES,
    codes_labels,
)


@dataclass(frozen=True)
class Outcomes:
    """Verdicts, one row per ticket x metric (ticket-major); see the module docstring."""

    #: index of the ticket in the TicketTable
    ticket: np.ndarray
    #: index into ``metrics``
    metric: np.ndarray
    metrics: tuple[str, ...]
    tier: Categorical
    priority: Categorical
    status: np.ndarray
    #: business seconds at the stop, or at ``as_of`` while running
    elapsed: np.ndarray
    #: seconds, -1 when there is no target
    target: np.ndarray
    due_at: np.ndarray
    stopped_at: np.ndarray
    #: index into ``plan.rows``, -1 when none
    plan_row: np.ndarray
    #: index into ``plan.exclusions``, -1 when none
    exclusion: np.ndarray
    as_of: int
    #: rows refused while reading plus tickets found invalid here
    rejected: list[Rejection] = field(default_factory=list)
    status_names: tuple[str, ...] = STATUS_NAMES

    def __len__(self) -> int:
        return len(self.status)

    def counts(self) -> dict[str, dict[str, int]]:
        """metric -> status name -> number of rows (a quick summary)."""
        out = {}
        for m, name in enumerate(self.metrics):
            c = np.bincount(self.status[self.metric == m], minlength=len(STATUS_NAMES))
            out[name] = dict(zip(STATUS_NAMES, c.tolist(), strict=True))
        return out


@dataclass(frozen=True)
class VerdictColumns:
    """The columns :func:`table_outcomes` computes per ticket and metric, as (tickets,
    metrics) arrays. The threads measuring slices of one table each fill their rows of one
    set of them (:meth:`rows`), so that the table's outcomes are those arrays as they are:
    made per slice and laid end to end, 80 MB of a 1m table were allocated and copied
    twice."""

    status: np.ndarray
    elapsed: np.ndarray
    target: np.ndarray
    due_at: np.ndarray
    stopped_at: np.ndarray
    plan_row: np.ndarray

    @classmethod
    def allocate(cls, n: int, n_metrics: int) -> VerdictColumns:
        """Unfilled columns (each slice fills its own rows: :meth:`reset`)."""
        shape = (n, n_metrics)
        return cls(np.empty(shape, np.int8), np.empty(shape, np.int64),
                   np.empty(shape, np.int64), np.empty(shape, np.int64),
                   np.empty(shape, np.int64), np.empty(shape, np.int32))

    def rows(self, start: int, stop: int) -> VerdictColumns:
        """The rows ``start:stop`` (views)."""
        return VerdictColumns(*(getattr(self, f)[start:stop] for f in VERDICT_FIELDS))

    def reset(self) -> None:
        """Every row open, nothing elapsed, no target, due date, stop or plan row."""
        self.status.fill(OPEN)
        self.elapsed.fill(0)
        self.target.fill(-1)
        self.due_at.fill(NAT)
        self.stopped_at.fill(NAT)
        self.plan_row.fill(-1)


#: the fields of :class:`VerdictColumns`, which are those of :class:`Outcomes` too
VERDICT_FIELDS = ("status", "elapsed", "target", "due_at", "stopped_at", "plan_row")


def _map_labels(labels, names: tuple[str, ...]) -> np.ndarray:
    """For each label, its index in ``names`` (-1 unknown), with a trailing -1 for code -1."""
    index = dict(zip(names, range(len(names)), strict=True))
    return np.array([*map(index.get, labels, repeat(-1, len(labels))), -1], dtype=np.int32)


def _condition_mask(cond: Condition, codes: np.ndarray, labels) -> np.ndarray:
    hits = np.array([cond.matches(x) for x in labels] + [cond.matches(None)], dtype=bool)
    return hits[codes]


def _column(tickets, name: str, tier: Categorical, priority: Categorical):
    """(codes, labels) of a field a condition or the priority matrix may test."""
    if name == "tier":
        return tier.codes, tier.labels
    if name == "priority":
        return priority.codes, priority.labels
    if name in ("customer", "category", "service", "id"):
        return codes_labels(getattr(tickets, name))
    if name in tickets.extra:
        return codes_labels(tickets.extra[name])
    return np.full(len(tickets.id), -1, dtype=np.int32), ()


def resolve_tier(plan: Plan, tickets, roster: Roster | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tier index into plan.tiers or -1, why-code, customer codes) per ticket.

    why: 0 resolved, 1 unknown tier name, 2 no customer, 3 customer not in the roster,
    4 the roster gives the customer a tier the policy does not define, 5 the ticket's tier
    differs from the one the roster gives its customer.
    """
    tiers = plan.tiers
    t_codes, t_labels = codes_labels(tickets.tier)
    c_codes, c_labels = codes_labels(tickets.customer)
    from_ticket = _map_labels(t_labels, tiers)[t_codes]
    roster_tier = [None] * len(c_labels) if roster is None else [
        cust.tier if cust is not None else None for cust in map(roster.get, c_labels)]
    from_roster = _map_labels(roster_tier, tiers)[c_codes]
    listed = np.array([t is not None for t in roster_tier] + [False], dtype=bool)[c_codes]
    has_ticket_tier = t_codes >= 0
    tier = np.where(has_ticket_tier, from_ticket, from_roster).astype(np.int32)
    why = np.zeros(len(tier), dtype=np.int8)
    why[has_ticket_tier & (tier < 0)] = 1
    roster_side = ~has_ticket_tier & (tier < 0)
    why[roster_side & (c_codes < 0)] = 2
    why[roster_side & (c_codes >= 0)] = 3
    why[roster_side & listed] = 4
    # the roster is the contract's list of customers: a ticket saying otherwise is bad data,
    # not a reason to measure a Gold customer's ticket against Bronze targets
    conflict = has_ticket_tier & listed & (from_ticket >= 0) & (from_ticket != from_roster)
    tier[conflict] = -1
    why[conflict] = 5
    return tier, why, c_codes


def resolve_priority(plan: Plan, tickets, tier: Categorical, as_of: int | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(priority index into plan.priorities or -1, why-code) per ticket.

    The final priority (after the last change event, at or before ``as_of`` when given); the
    policy's matrix fills in tickets that have none. why: 0 resolved, 1 unknown priority, 2
    no priority.
    """
    codes, labels = codes_labels(tickets.current_priority(as_of))
    prios = plan.priorities
    prio = _map_labels(labels, prios)[codes]
    missing = codes < 0
    deriv = plan.priority_derivation
    if deriv is not None and missing.any():
        cols = [_column(tickets, f, tier, Categorical(np.full(len(codes), -1, np.int32), ()))
                for f in deriv.fields]
        todo = missing.copy()
        for rule in deriv.rules:  # first matching row wins
            hit = todo.copy()
            for (c, labs), value in zip(cols, rule.values, strict=True):
                hit &= _condition_mask(Condition("", "=", (value,)), c, labs)
            prio[hit] = prios.index(rule.priority)
            todo &= ~hit
        missing = todo
    why = np.zeros(len(prio), dtype=np.int8)
    why[(prio < 0) & ~missing] = 1
    why[missing] = 2
    return prio.astype(np.int32), why


def match_exclusions(plan: Plan, tickets, tier: Categorical, priority: Categorical
                     ) -> np.ndarray:
    """Index of the first ticket exclusion each ticket matches (-1 none)."""
    out = np.full(len(tickets.id), -1, dtype=np.int32)
    for k, exc in enumerate(plan.exclusions):
        if exc.subject != "tickets":
            continue
        hit = out < 0
        for cond in exc.conditions:
            codes, labels = _column(tickets, cond.field, tier, priority)
            hit &= _condition_mask(cond, codes, labels)
        out[hit] = k
    return out


def _rejections(tickets, bad: np.ndarray, tier_why, prio_why, c_codes, plan: Plan,
                roster: Roster | None = None, as_of: int | None = None) -> list[Rejection]:
    """One rejection per invalid ticket (loops only over the invalid ones)."""
    out = []
    c_labels = codes_labels(tickets.customer)[1]
    t_codes, t_labels = codes_labels(tickets.tier)
    p_codes, p_labels = codes_labels(tickets.current_priority(as_of))
    rows = np.asarray(tickets.source_row) if len(tickets.source_row) else None
    file = tickets.source or "<tickets>"
    for i in np.flatnonzero(bad).tolist():
        row = int(rows[i]) if rows is not None else i + 1
        tid = tickets.id[i]
        if tier_why[i] == 1:
            out.append(Rejection(file, row, "tier", f"ticket {tid}: unknown tier "
                                 f"{t_labels[t_codes[i]]!r} (policy tiers: "
                                 f"{', '.join(plan.tiers)})"))
        elif tier_why[i] == 2:
            out.append(Rejection(file, row, "customer", f"ticket {tid}: no customer and no tier"))
        elif tier_why[i] == 3:
            out.append(Rejection(file, row, "customer", f"ticket {tid}: unknown customer "
                                 f"{c_labels[c_codes[i]]!r} (not in the roster)"))
        elif tier_why[i] == 5:
            customer = c_labels[c_codes[i]]
            listed = roster.get(customer) if roster is not None else None
            out.append(Rejection(file, row, "tier", f"ticket {tid}: tier "
                                 f"{t_labels[t_codes[i]]!r} in the ticket, but the roster puts "
                                 f"{customer!r} on {listed.tier if listed else '?'!r}"))
        elif tier_why[i] == 4:
            out.append(Rejection(file, row, "tier", f"ticket {tid}: the roster gives customer "
                                 f"{c_labels[c_codes[i]]!r} a tier the policy does not define"))
        if prio_why[i] == 1:
            out.append(Rejection(file, row, "priority", f"ticket {tid}: unknown priority "
                                 f"{p_labels[p_codes[i]]!r} (policy priorities: "
                                 f"{', '.join(plan.priorities)})"))
        elif prio_why[i] == 2:
            out.append(Rejection(file, row, "priority", f"ticket {tid}: no priority"))
    return out


def _subset_pauses(offsets: np.ndarray, ps: np.ndarray, pe: np.ndarray, sel: np.ndarray):
    """The pauses CSR restricted to tickets ``sel`` (in that order)."""
    counts = offsets[sel + 1] - offsets[sel]
    new = np.zeros(len(sel) + 1, dtype=np.int64)
    np.cumsum(counts, out=new[1:])
    idx = np.repeat(offsets[sel] - new[:-1], counts) + np.arange(new[-1], dtype=np.int64)
    return new, ps[idx], pe[idx]


def table_outcomes(plan: Plan, tickets, roster: Roster | None, as_of: int,
                   columns: VerdictColumns | None = None) -> Outcomes:
    """Every ticket's verdict for every metric of the plan, as of ``as_of`` (epoch seconds),
    on this thread (:func:`compute_outcomes` spreads a large table over the cores), written
    into ``columns`` (one row per ticket) when given."""
    from slalang.businesstime import Pauses
    from slalang.businesstime.calendar import measure

    n = len(tickets.id)
    metrics = plan.metrics
    n_m = len(metrics)
    tier_idx, tier_why, c_codes = resolve_tier(plan, tickets, roster)
    tier = Categorical(tier_idx, plan.tiers)
    prio_idx, prio_why = resolve_priority(plan, tickets, tier, as_of)
    priority = Categorical(prio_idx, plan.priorities)
    exclusion = match_exclusions(plan, tickets, tier, priority)
    excluded = exclusion >= 0
    invalid = ((tier_why > 0) | (prio_why > 0)) & ~excluded
    rejected = list(tickets.rejected)
    if invalid.any():
        rejected += _rejections(tickets, invalid, tier_why, prio_why, c_codes, plan, roster,
                                as_of)

    # lookup (tier, metric, priority) -> plan row, and per-row target and calendar
    n_t, n_p = len(plan.tiers), len(plan.priorities)
    lookup = np.full((n_t + 1, n_m, n_p + 1), -1, dtype=np.int32)  # index -1 hits the pad
    cal_names = sorted({r.calendar for r in plan.rows})
    row_target = np.array([r.target_seconds for r in plan.rows] + [-1], dtype=np.int64)
    row_cal = np.array([cal_names.index(r.calendar) for r in plan.rows] + [-1], dtype=np.int32)
    for k, r in enumerate(plan.rows):
        lookup[plan.tiers.index(r.tier), metrics.index(r.metric),
               plan.priorities.index(r.priority)] = k

    cols = columns if columns is not None else VerdictColumns.allocate(n, n_m)
    if cols.status.shape != (n, n_m):
        raise ValueError(f"columns for {cols.status.shape} rows x metrics, not {(n, n_m)}")
    cols.reset()
    status, elapsed, target = cols.status, cols.elapsed, cols.target
    due_at, stopped_at, plan_row = cols.due_at, cols.stopped_at, cols.plan_row
    ev = EventIndex.build(tickets)
    evaluable = ~excluded & ~invalid
    for m, metric in enumerate(metrics):
        rows = lookup[tier_idx, m, prio_idx]
        rows[~evaluable] = -1
        plan_row[:, m] = rows
        target[:, m] = row_target[rows]
        spans = clock_spans(plan.clock(metric), tickets, as_of, ev)
        stopped_at[:, m] = np.where(rows >= 0, spans.stop, NAT)
        cal = row_cal[rows]
        for c, name in enumerate(cal_names):
            sel = np.flatnonzero((cal == c) & spans.started)
            if not len(sel):
                continue
            calendar = plan.calendars[name]
            owner = None
            if len(sel) == n:  # every ticket: the spans as they are, no copies
                po, ps, pe = spans.pause_offsets, spans.pause_starts, spans.pause_ends
                owner, sel = spans.pause_ticket, slice(None)
            else:
                po, ps, pe = _subset_pauses(spans.pause_offsets, spans.pause_starts,
                                            spans.pause_ends, sel)
            elapsed[sel, m], due_at[sel, m] = measure(
                calendar, spans.start[sel], spans.end[sel], row_target[rows[sel]],
                Pauses(po, ps, pe), rows=owner)
        st = np.where(spans.stop != NAT,
                      np.where(elapsed[:, m] <= target[:, m], MET, BREACHED),
                      np.where(elapsed[:, m] > target[:, m], BREACHED, OPEN))
        st = np.where(spans.started, st, OPEN)
        st[rows < 0] = EXCLUDED
        status[:, m] = st
    status[excluded] = EXCLUDED
    status[invalid] = INVALID
    stopped_at[~evaluable] = NAT

    def rep(a: np.ndarray) -> np.ndarray:
        return np.repeat(a, n_m)

    return Outcomes(
        ticket=rep(np.arange(n, dtype=np.int64)),
        metric=np.tile(np.arange(n_m, dtype=np.int8), n),
        metrics=metrics,
        tier=Categorical(rep(np.where(tier_idx >= 0, tier_idx, -1)).astype(np.int32),
                         plan.tiers),
        priority=Categorical(rep(prio_idx), plan.priorities),
        status=status.ravel(),
        elapsed=elapsed.ravel(),
        target=target.ravel(),
        due_at=due_at.ravel(),
        stopped_at=stopped_at.ravel(),
        plan_row=plan_row.ravel(),
        exclusion=rep(exclusion),
        as_of=int(as_of),
        rejected=rejected,
    )


def compute_outcomes(plan: Plan, tickets, roster: Roster | None, as_of: int,
                     threads: int | None = None) -> Outcomes:
    """Every ticket's verdict for every metric of the plan, as of ``as_of`` (epoch seconds);
    a large table is measured on several threads (:mod:`slalang.evaluation.threads`)."""
    from slalang.evaluation.threads import compute_outcomes as on_threads

    return on_threads(plan, tickets, roster, as_of, threads)
