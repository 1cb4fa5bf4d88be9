"""One ticket, explained: its clocks segment by segment, the due instant and the verdict.

:func:`explain_ticket` is the scalar twin of :func:`~slalang.evaluation.outcomes.
compute_outcomes`: plain Python over one ticket dict (``TicketTable.row(i)``), the calendar's
scalar ``elapsed``/``due``. The two paths are written independently and a differential test
holds them to the same verdicts on every ticket. The timeline says, for each stretch between
the clock's start and stop, whether it counted, was paused (and by which status), fell outside
working hours or on a holiday/closure, each with the policy line responsible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from slalang.model import CalendarDef, ClockDef, Condition, Policy, Roster, Span
from slalang.plan.compiled import Plan, PlanRow
from slalang.plan.text import format_duration, where
from slalang.vocabulary import BREACHED, DONE_STATUSES, EXCLUDED, INVALID, MET, OPEN, STATUS_NAMES

_INSTANT_FIELDS = {"created": "created_at", "first_response": "first_response_at",
                   "resolved": "resolved_at", "closed": "closed_at"}

SegmentKind = Literal["counted", "paused", "outside hours", "holiday/closure"]


@dataclass(frozen=True)
class Segment:
    """A stretch ``[start, end)`` of a clock's life (epoch seconds)."""

    start: int
    end: int
    kind: SegmentKind
    #: business seconds counted in it (0 unless counted)
    seconds: int
    #: the policy text responsible (target, clock pause, calendar)
    span: Span
    note: str = ""


@dataclass(frozen=True)
class MetricExplanation:
    metric: str
    status: int
    #: when the clock started / stopped (None: never / still running)
    start: int | None
    stop: int | None
    elapsed: int
    target: int
    due_at: int | None
    row: PlanRow | None
    segments: tuple[Segment, ...]
    note: str = ""

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass(frozen=True)
class Explanation:
    ticket_id: str
    customer: str | None
    tier: str | None
    tier_source: str
    priority: str | None
    priority_source: str
    as_of: int
    metrics: tuple[MetricExplanation, ...]
    #: index of the exclusion the ticket matches (-1 none)
    exclusion: int = -1
    #: why the ticket is invalid (empty when it is not)
    problems: tuple[str, ...] = ()


def _epoch(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return int(value)


def _final_priority(ticket: dict) -> str | None:
    prio = ticket.get("priority") or None
    for e in ticket.get("events", ()):
        if e.get("priority"):
            prio = e["priority"]
    return prio


def _resolve(plan: Plan, ticket: dict, roster: Roster | None):
    """(tier, tier source, priority, priority source, problems)."""
    policy = plan.policy
    problems = []
    tier, tier_src = ticket.get("tier") or None, "ticket"
    customer = ticket.get("customer") or None
    cust = roster.get(customer) if (roster is not None and customer) else None
    if tier is None:
        tier, tier_src = (cust.tier if cust else None), "roster"
        if customer is None:
            problems.append("customer: no customer and no tier")
        elif cust is None:
            problems.append(f"customer: unknown customer {customer!r} (not in the roster)")
    elif cust is not None and cust.tier != tier and tier in plan.tiers:
        # the roster is the contract's customer list: a ticket saying otherwise is bad data
        problems.append(f"tier: {tier!r} in the ticket, but the roster puts {customer!r} on "
                        f"{cust.tier!r}")
    if tier is not None and tier not in plan.tiers:
        problems.append(f"tier: unknown tier {tier!r}")
    prio, prio_src = _final_priority(ticket), "ticket"
    deriv = policy.priority_derivation
    if prio is None and deriv is not None:
        for rule in deriv.rules:
            if all(Condition("", "=", (v,)).matches(ticket.get(f))
                   for f, v in zip(deriv.fields, rule.values, strict=True)):
                prio, prio_src = rule.priority, f"matrix, {where(rule.span)}"
                break
    if prio is None:
        problems.append("priority: no priority")
    elif prio not in plan.priorities:
        problems.append(f"priority: unknown priority {prio!r}")
    return tier, tier_src, prio, prio_src, problems


def _exclusion(policy: Policy, ticket: dict, tier, prio) -> int:
    fields = {**ticket, "tier": tier, "priority": prio}
    for k, exc in enumerate(policy.exclusions):
        if exc.subject == "tickets" and all(c.matches(fields.get(c.field))
                                            for c in exc.conditions):
            return k
    return -1


def clock_window(clock: ClockDef, ticket: dict, as_of: int):
    """(start, stop, end, pauses) of one clock on one ticket, all epoch seconds.

    ``stop`` is None while the clock runs (``end`` is then ``as_of``); ``start`` None when it
    never started. Pauses are ``(status, from, to)`` clipped to ``[start, end)``.
    """
    events = [(_epoch(e["at"]), e.get("status"), e.get("priority"))
              for e in ticket.get("events", ())]
    statuses = [(at, s) for at, s, _ in events if s]

    def instant(ev):
        if ev.kind == "status":
            return next((at for at, s in statuses if s == ev.status), None)
        return _epoch(ticket.get(_INSTANT_FIELDS[ev.kind]))

    start, stop = instant(clock.start), instant(clock.stop)
    if clock.on_reopen == "restart" and clock.stop.kind == "status":
        # the episode the last reopening began ends at the first entering the status after it
        reopenings = [statuses[k][0] for k in range(1, len(statuses))
                      if statuses[k - 1][1] in DONE_STATUSES
                      and statuses[k][1] not in DONE_STATUSES and statuses[k][0] <= as_of]
        since = max([t for t in (start, *reopenings[-1:]) if t is not None], default=None)
        stop = next((at for at, s in statuses if s == clock.stop.status
                     and (since is None or at >= since)), None)
    if stop is not None and stop > as_of:
        stop = None  # not known yet at as_of
    end = stop if stop is not None else as_of
    if start is not None and clock.on_reopen == "restart":
        for k in range(1, len(statuses)):
            at, s = statuses[k]
            if statuses[k - 1][1] in DONE_STATUSES and s not in DONE_STATUSES and at < end:
                start = max(start, at)
    if start is not None and clock.on_priority_change == "restart":
        prev = None
        for at, _, p in events:
            if p and p != prev and at < end:
                start = max(start, at)
            prev = p or prev
    if start is None or start > as_of:
        return None, stop, end, []
    end = max(end, start)
    pauses = []
    for k, (at, s) in enumerate(statuses):
        if s in clock.pause_statuses:
            nxt = statuses[k + 1][0] if k + 1 < len(statuses) else end
            a, b = max(at, start), min(nxt, end)
            if a < b:
                pauses.append((s, a, b))
    return start, stop, end, pauses


def _utc(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def _closed_span(cal_def: CalendarDef, day: dt.date) -> Span:
    """The line closing ``day``: a closure is the calendar's, a public holiday its source's."""
    closure = day in cal_def.closures or (day.month, day.day) in cal_def.yearly_closures
    if not closure and cal_def.holidays:
        return cal_def.holidays[0].span
    return cal_def.span


def _timeline(calendar, cal_def: CalendarDef, clock: ClockDef, row: PlanRow, start: int,
              end: int, pauses) -> list[Segment]:
    """Segments covering ``[start, end)``: pauses, then working time vs. the rest."""
    from zoneinfo import ZoneInfo

    segs: list[Segment] = []
    zone = ZoneInfo(calendar.timezone)
    cal_span = cal_def.span
    # a date with its own hours is a working day even when it is a holiday or closure
    overridden = {day for day, _ in cal_def.overrides}

    def off(a: int, b: int) -> None:
        # non-working time, split at local midnights so a holiday is named as such
        t = a
        while t < b:
            local = _utc(t).astimezone(zone)
            nxt_day = local.date() + dt.timedelta(days=1)
            midnight = int(dt.datetime.combine(nxt_day, dt.time(), tzinfo=zone).timestamp())
            u = min(b, midnight)
            closed = local.date() not in overridden and calendar.is_closed(local.date())
            kind: SegmentKind = "holiday/closure" if closed else "outside hours"
            why = _closed_span(cal_def, local.date()) if closed else cal_span
            last = segs[-1] if segs else None
            if last is not None and (last.kind, last.span, last.end) == (kind, why, t):
                segs[-1] = Segment(last.start, u, kind, 0, why)
            else:
                segs.append(Segment(t, u, kind, 0, why))
            t = u

    def gap(a: int, b: int) -> None:
        ws, we = calendar.intervals_array(a, b)
        t = a
        for s, e in zip(ws.tolist(), we.tolist(), strict=True):
            if s > t:
                off(t, s)
            segs.append(Segment(s, e, "counted", e - s, row.span))
            t = e
        if t < b:
            off(t, b)

    cursor = start
    for status, a, b in pauses:
        if a > cursor:
            gap(cursor, a)
        segs.append(Segment(a, b, "paused", 0, clock.span, f"status {status}"))
        cursor = b
    if cursor < end:
        gap(cursor, end)
    return segs


def explain_ticket(plan: Plan, ticket: dict, as_of: int | dt.datetime,
                   roster: Roster | None = None) -> Explanation:
    """Explain every metric of one ticket (a ``TicketTable.row`` dict) as of ``as_of``."""
    as_of = _epoch(as_of)
    policy = plan.policy
    tier, tier_src, prio, prio_src, problems = _resolve(plan, ticket, roster)
    # a tier that could not be resolved (unknown, or contradicting the roster) is no tier for
    # the exclusions either, as in the vectorised path
    resolved_tier = None if any(p.startswith("tier:") for p in problems) else tier
    exclusion = _exclusion(policy, ticket, resolved_tier, prio)
    out = []
    for metric in plan.metrics:
        clock = policy.clock(metric)
        if exclusion >= 0:
            exc = policy.exclusions[exclusion]
            out.append(MetricExplanation(metric, EXCLUDED, None, None, 0, -1, None, None, (),
                                         f"excluded by {where(exc.span)}"))
            continue
        if problems:
            out.append(MetricExplanation(metric, INVALID, None, None, 0, -1, None, None, (),
                                         "; ".join(problems)))
            continue
        row = plan.row(tier, metric, prio)
        if row is None:
            out.append(MetricExplanation(metric, EXCLUDED, None, None, 0, -1, None, None, (),
                                         f"tier {tier} promises no {metric} for {prio}"))
            continue
        start, stop, end, pauses = clock_window(clock, ticket, as_of)
        if start is None:
            out.append(MetricExplanation(metric, OPEN, None, stop, 0, row.target_seconds, None,
                                         row, (), f"the clock has not started ({clock.start})"))
            continue
        cal = plan.calendars[row.calendar]
        pz = [(_utc(a), _utc(b)) for _, a, b in pauses]
        elapsed = int(cal.elapsed(_utc(start), _utc(end), pauses=pz))
        due = cal.due(_utc(start), row.target_seconds, pauses=pz)
        due_at = _epoch(due)
        if stop is not None:
            status = MET if elapsed <= row.target_seconds else BREACHED
        else:
            status = BREACHED if elapsed > row.target_seconds else OPEN
        segs = _timeline(cal, policy.calendar(row.calendar), clock, row, start, end, pauses)
        out.append(MetricExplanation(metric, status, start, stop, elapsed, row.target_seconds,
                                     due_at, row, tuple(segs)))
    return Explanation(str(ticket.get("id")), ticket.get("customer"), tier, tier_src, prio,
                       prio_src, as_of, tuple(out), exclusion, tuple(problems))


def _local(t: int | None, zone) -> str:
    if t is None:
        return "-"
    return _utc(t).astimezone(zone).isoformat(sep=" ")


#: how a compact stretch names the uncounted stretches folded into it
_FOLDED = {
    "outside hours": lambda n: f"{n} {'stretch' if n == 1 else 'stretches'} outside hours",
    "holiday/closure": lambda n: (f"{n} holiday or closure" if n == 1
                                  else f"{n} holidays or closures"),
}


def compact_segments(segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """The timeline a person reads: each pause on its own; every run of counted time, nights,
    weekends and holidays between two pauses as one stretch, its counted seconds added up and
    what was folded in named in its note (the clause is the first counted segment's).

    >>> from slalang.model import NOWHERE
    >>> segs = (Segment(0, 10, "counted", 10, NOWHERE), Segment(10, 20, "outside hours", 0,
    ...         NOWHERE), Segment(20, 25, "counted", 5, NOWHERE), Segment(25, 30, "paused", 0,
    ...         NOWHERE, "status waiting"))
    >>> for s in compact_segments(segs):
    ...     print(s.start, s.end, s.kind, s.seconds, s.note)
    0 25 counted 15 not counted: 1 stretch outside hours
    25 30 paused 0 status waiting
    """
    out: list[Segment] = []
    run: list[Segment] = []

    def close() -> None:
        if not run:
            return
        counted = [s for s in run if s.kind == "counted"]
        folded: dict[str, int] = {}
        for s in run:
            if s.kind != "counted":
                folded[s.kind] = folded.get(s.kind, 0) + 1
        note = ", ".join(_FOLDED[kind](n) for kind, n in folded.items())
        lead = counted[0] if counted else run[0]
        out.append(Segment(run[0].start, run[-1].end, lead.kind,
                           sum(s.seconds for s in run), lead.span,
                           f"not counted: {note}" if counted and note else lead.note))
        run.clear()

    for s in segments:
        if s.kind == "paused":
            close()
            out.append(s)
        else:
            run.append(s)
    close()
    return tuple(out)


def explanation_to_text(expl: Explanation, plan: Plan, source: str | None = None,
                        as_of_reason: str | None = None, compact: bool = False) -> str:
    """The explanation as a readable timeline, instants in the policy's time zone.

    ``source`` (``file:row`` of the ticket) is named beside what makes a ticket invalid, so
    the row to fix is one look away. ``as_of_reason`` says why ``as_of`` is that instant;
    ``compact`` folds nights, weekends and holidays into the counted stretches
    (:func:`compact_segments`).
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(plan.policy.header.timezone)
    # a tier the roster could not give is "not in the roster", not "from the roster"
    tier_from = (f"from the {expl.tier_source}" if expl.tier is not None
                 else f"not in the {expl.tier_source}")
    lines = [f"ticket {expl.ticket_id}: customer {expl.customer or '-'}, "
             f"tier {expl.tier or '-'} ({tier_from}), "
             f"priority {expl.priority or '-'} (from the {expl.priority_source})",
             f"as of {_local(expl.as_of, zone)}"
             + (f" ({as_of_reason})" if as_of_reason else "")]
    for m in expl.metrics:
        lines.append("")
        head = f"{m.metric}: {m.status_name}"
        if m.row is not None and m.start is not None:
            r = m.row
            head += (f", {format_duration(m.elapsed)} of {format_duration(r.target_seconds)} "
                     f"on {r.calendar} ({where(r.span)})")
        lines.append(head)
        if m.note:
            where_from = f"; ticket at {source}" if source and m.status == INVALID else ""
            lines.append(f"  {m.note}{where_from}")
        if m.start is None:
            continue
        clock = m.row.clock if m.row else None
        lines.append(f"  start    {_local(m.start, zone)}  {clock.start if clock else ''}")
        for s in compact_segments(m.segments) if compact else m.segments:
            amount = format_duration(s.seconds) if s.kind == "counted" else ""
            note = f" ({s.note})" if s.note else ""
            lines.append(f"  {_local(s.start, zone)} -> {_local(s.end, zone)}  "
                         f"{s.kind + note:<36} {amount:>9}  {where(s.span)}")
        if m.stop is not None:
            lines.append(f"  stop     {_local(m.stop, zone)}  {clock.stop if clock else ''}")
        else:
            lines.append(f"  running  at {_local(expl.as_of, zone)}")
        lines.append(f"  due      {_local(m.due_at, zone)}")
    return "\n".join(lines) + "\n"


def explanation_to_json(expl: Explanation, plan: Plan, source: str | None = None) -> dict:
    """The explanation as JSON-ready data; instants are ISO 8601 in the policy's time zone.

    ``source`` is the ticket's ``file:row``, kept as ``"source"`` (None when not given).
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(plan.policy.header.timezone)

    def iso(t: int | None) -> str | None:
        return None if t is None else _utc(t).astimezone(zone).isoformat()

    return {
        "ticket": expl.ticket_id, "source": source, "customer": expl.customer,
        "tier": expl.tier, "tier_source": expl.tier_source,
        "priority": expl.priority, "priority_source": expl.priority_source,
        "as_of": iso(expl.as_of), "problems": list(expl.problems),
        "exclusion": (where(plan.policy.exclusions[expl.exclusion].span)
                      if expl.exclusion >= 0 else None),
        "metrics": [{
            "metric": m.metric, "status": m.status_name, "start": iso(m.start),
            "stop": iso(m.stop), "elapsed_s": m.elapsed,
            "target_s": m.target if m.target >= 0 else None, "due_at": iso(m.due_at),
            "clause": where(m.row.span) if m.row is not None else None, "note": m.note or None,
            "segments": [{"from": iso(s.start), "to": iso(s.end), "kind": s.kind,
                          "seconds": s.seconds, "note": s.note or None,
                          "source": where(s.span)} for s in m.segments],
        } for m in expl.metrics],
    }
