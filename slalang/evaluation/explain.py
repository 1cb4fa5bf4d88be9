"""One ticket, explained: its clocks segment by segment, the due instant and the verdict.

:func:`explain_ticket` is the scalar twin of :func:`~slalang.evaluation.outcomes.
compute_outcomes`: plain Python over one ticket dict (``TicketTable.row(i)``), the calendar's
scalar ``elapsed``/``due``. The two paths are written independently and a differential test
holds them to the same verdicts on every ticket. The timeline says, for each stretch between
the clock's start and stop, whether it counted, was paused (and by which status), fell outside
working hours or on a holiday/closure, each with the policy line responsible.

A ticket's priority may change (events carrying a ``priority``): the targets are always the
final priority's, which a reader cannot guess from the timeline alone. So the explanation lists
every change (when, from what to what), the renderers put each one in the timeline, and every
metric says how its clock took the change: ``carry`` measures the whole elapsed time, from the
start, against the final target; ``restart`` restarted the clock at the last change before it
stopped.
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
class PriorityChange:
    """An event that changed the ticket's priority, at ``at`` (epoch seconds)."""

    at: int
    #: the priority before it (None: the ticket was opened without one)
    before: str | None
    after: str


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
    #: the instant ``on priority change restart`` moved the clock's start to (None: it did not)
    priority_restart: int | None = None

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
    #: the ticket's priority changes in time order (``priority`` is the last one's ``after``)
    priority_changes: tuple[PriorityChange, ...] = ()

    @property
    def priority_opened(self) -> str | None:
        """The priority the ticket was opened with (``priority`` when it never changed)."""
        return self.priority_changes[0].before if self.priority_changes else self.priority


def _epoch(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return int(value)


def priority_changes(ticket: dict, as_of: int | None = None) -> tuple[PriorityChange, ...]:
    """The ticket's priority changes (known at ``as_of`` when given): each event whose
    priority differs from the one the ticket had then (opened with, or last changed to). An
    event restating it is no change."""
    changes: list[PriorityChange] = []
    prio = ticket.get("priority") or None
    for e in ticket.get("events", ()):
        if as_of is not None and _epoch(e["at"]) > as_of:
            break
        new = e.get("priority") or None
        if new is not None and new != prio:
            changes.append(PriorityChange(_epoch(e["at"]), prio, new))
        prio = new or prio
    return tuple(changes)


def _last_priority_event(events, end: int, opened: str | None) -> int | None:
    """The last instant before ``end`` at which ``on priority change restart`` restarts a
    clock. As in the vectorised path (``EventIndex.build``) a priority repeating the one the
    ticket had (``opened`` with, or last changed to) is no change."""
    last, prev = None, opened
    for at, _, p in events:
        if p and p != prev and at < end:
            last = at if last is None else max(last, at)
        prev = p or prev
    return last


def _resolve(plan: Plan, ticket: dict, roster: Roster | None,
             changes: tuple[PriorityChange, ...]):
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
    # the final priority known at the as-of: the last change's, else the opening one
    prio = changes[-1].after if changes else (ticket.get("priority") or None)
    prio_src = "ticket"
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
    return _window(clock, ticket, as_of)[:4]


def _window(clock: ClockDef, ticket: dict, as_of: int):
    """:func:`clock_window`, and the instant a priority change restarted the clock (None when
    none did), which the explanation names: a start that is no start event needs a reason."""
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
    restarted = None
    if start is not None and clock.on_priority_change == "restart":
        last = _last_priority_event(events, end, ticket.get("priority") or None)
        if last is not None and last > start:
            start = restarted = last
    if start is None or start > as_of:
        return None, stop, end, [], None
    end = max(end, start)
    pauses = []
    for k, (at, s) in enumerate(statuses):
        if s in clock.pause_statuses:
            nxt = statuses[k + 1][0] if k + 1 < len(statuses) else end
            a, b = max(at, start), min(nxt, end)
            if a < b:
                pauses.append((s, a, b))
    return start, stop, end, pauses, restarted


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
    changes = priority_changes(ticket, as_of)
    tier, tier_src, prio, prio_src, problems = _resolve(plan, ticket, roster, changes)
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
        start, stop, end, pauses, restarted = _window(clock, ticket, as_of)
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
                                     due_at, row, tuple(segs), priority_restart=restarted))
    return Explanation(str(ticket.get("id")), ticket.get("customer"), tier, tier_src, prio,
                       prio_src, as_of, tuple(out), exclusion, tuple(problems),
                       changes)


def _local(t: int | None, zone) -> str:
    if t is None:
        return "-"
    return _utc(t).astimezone(zone).isoformat(sep=" ")


def _ran_at(expl: Explanation, start: int, end: int) -> list[str]:
    """The priorities the ticket had while a clock ran, ``[start, end)``, in time order."""
    now = expl.priority_opened
    for c in expl.priority_changes:
        if c.at <= start:
            now = c.after
    # a ticket opened without a priority ran without one until its first change
    ran = [now or "no priority"]
    for c in expl.priority_changes:
        if start < c.at < end and c.after not in ran:
            ran.append(c.after)
    return ran


def _restart_text(m: MetricExplanation, zone) -> str:
    """Why a ``restart`` clock starts where it does (or why it does not restart)."""
    if m.priority_restart is None:
        return "no change came while the clock ran, so it did not restart; "
    return f"the clock restarted at the change at {_local(m.priority_restart, zone)}; "


def priority_note(expl: Explanation, m: MetricExplanation, clock: ClockDef,
                  zone) -> str | None:
    """How the metric took the ticket's priority changes: the target is the final priority's,
    and ``carry`` measures all the elapsed time against it while ``restart`` restarted the
    clock. None when the priority never changed (and no priority event restarted the clock)."""
    if m.start is None or m.row is None:
        return None
    if not expl.priority_changes and m.priority_restart is None:
        return None
    final = expl.priority or "-"
    text = (f"target: {format_duration(m.target)} of {final}, the final priority; on priority "
            f"change {clock.on_priority_change} ({where(clock.span)}): ")
    if clock.on_priority_change == "restart":
        text += _restart_text(m, zone)
    end = m.stop if m.stop is not None else expl.as_of
    ran = _ran_at(expl, m.start, end)
    others = [p for p in ran if p != final]
    if not others:
        return text + f"it ran at {final} throughout"
    if final in ran:
        # the clock kept its start through the change (carry), so the time before it counts
        return text + f"its time at {', '.join(others)} counts against {final}'s target too"
    after = "it stopped" if m.stop is not None else "the as-of"
    return (text + f"it ran at {' then '.join(others)} throughout; the change to {final} came "
            f"after {after}, and the final priority sets the target")


def _history_line(expl: Explanation, zone) -> str:
    """The header line naming every priority the ticket had, and which one the verdicts use."""
    steps = [f"{expl.priority_opened or 'none'} when opened"]
    steps += [f"{c.after} from {_local(c.at, zone)}" for c in expl.priority_changes]
    return (f"priority changed: {', '.join(steps)}; the targets are those of the final "
            f"priority, {expl.priority or '-'}")


def _with_changes(entries: list[tuple[int, str]], changes: tuple[PriorityChange, ...],
                  zone) -> list[str]:
    """The timeline's ``(instant, line)`` entries with a line per priority change put in time
    order: before the first entry at or after it (a change at an instant precedes what happens
    then, e.g. the restart it causes), the ones after the last entry at the end."""
    marks = [(c.at, f"  priority {_local(c.at, zone)}  {c.before or 'none'} -> {c.after}")
             for c in changes]
    out: list[str] = []
    for at, line in entries:
        while marks and marks[0][0] <= at:
            out.append(marks.pop(0)[1])
        out.append(line)
    return out + [line for _, line in marks]


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
    if expl.priority_changes:
        lines.insert(1, _history_line(expl, zone))
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
        why = priority_note(expl, m, clock, zone) if clock else None
        if why:
            lines.append(f"  {why}")
        started = str(clock.start) if clock else ""
        if m.priority_restart is not None:
            started += ", restarted at a priority change (on priority change restart)"
        entries = [(m.start, f"  start    {_local(m.start, zone)}  {started}")]
        for s in compact_segments(m.segments) if compact else m.segments:
            amount = format_duration(s.seconds) if s.kind == "counted" else ""
            note = f" ({s.note})" if s.note else ""
            entries.append((s.start, f"  {_local(s.start, zone)} -> {_local(s.end, zone)}  "
                                     f"{s.kind + note:<36} {amount:>9}  {where(s.span)}"))
        if m.stop is not None:
            entries.append((m.stop, f"  stop     {_local(m.stop, zone)}  "
                                    f"{clock.stop if clock else ''}"))
        else:
            entries.append((expl.as_of, f"  running  at {_local(expl.as_of, zone)}"))
        lines.extend(_with_changes(entries, expl.priority_changes, zone))
        lines.append(f"  due      {_local(m.due_at, zone)}")
    return "\n".join(lines) + "\n"


def explanation_to_json(expl: Explanation, plan: Plan, source: str | None = None) -> dict:
    """The explanation as JSON-ready data; instants are ISO 8601 in the policy's time zone.

    ``source`` is the ticket's ``file:row``, kept as ``"source"`` (None when not given).
    ``priority_changes`` lists the ticket's priority changes (``at``, ``from``, ``to``; empty
    when it never changed); per metric, ``on_priority_change`` is its clock's rule,
    ``priority_restarted_at`` where a ``restart`` moved the start (else null) and
    ``priority_note`` the text line saying how the changes were taken (null without changes).
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(plan.policy.header.timezone)

    def iso(t: int | None) -> str | None:
        return None if t is None else _utc(t).astimezone(zone).isoformat()

    return {
        "ticket": expl.ticket_id, "source": source, "customer": expl.customer,
        "tier": expl.tier, "tier_source": expl.tier_source,
        "priority": expl.priority, "priority_source": expl.priority_source,
        "priority_changes": [{"at": iso(c.at), "from": c.before, "to": c.after}
                             for c in expl.priority_changes],
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
            **_priority_json(expl, m, plan.policy.clock(m.metric), zone, iso),
        } for m in expl.metrics],
    }


def _priority_json(expl: Explanation, m: MetricExplanation, clock: ClockDef, zone,
                   iso) -> dict:
    """A metric's JSON fields about the priority (added after the others, so that the older
    fields keep their order)."""
    return {"on_priority_change": clock.on_priority_change,
            "priority_restarted_at": iso(m.priority_restart),
            "priority_note": priority_note(expl, m, clock, zone)}
