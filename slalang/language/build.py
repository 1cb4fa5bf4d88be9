"""Build the checked model from a syntax tree that passed every check.

Nothing here reports problems: :func:`slalang.language.check.check` calls :func:`build_policy`
only when the checks found no error, so every lookup and conversion is known to succeed.
"""

from __future__ import annotations

from slalang import model as m
from slalang.language import syntax as s
from slalang.language.checks.calendar_hours import day_indexes, range_minutes
from slalang.language.context import CheckContext
from slalang.language.values import duration_seconds, iso_date, month_day


def build_policy(ctx: CheckContext) -> m.Policy:
    tree = ctx.tree
    header = _header(ctx)
    matrices = tree.of_type(s.MatrixDecl)
    return m.Policy(
        header=header,
        calendars=tuple(_calendar(c, header.timezone) for c in tree.of_type(s.CalendarDecl)),
        priorities=tuple(m.Priority(p.code.text, p.label, rank, p.span, _text(p.text),
                                    _text(p.meaning))
                         for rank, p in enumerate(ctx.priorities.values(), start=1)),
        clocks=tuple(_clock(c) for c in tree.of_type(s.ClockDecl)),
        tiers=tuple(_tier(ctx, t) for t in tree.of_type(s.TierDecl)),
        exclusions=tuple(_exclusion(e) for e in tree.of_type(s.ExclusionDecl)),
        priority_derivation=_derivation(matrices[0]) if matrices else None,
        labels=tuple(m.Label(d.code, _text(d.text), d.span) for d in tree.of_type(s.LabelDecl)),
        terms=_terms(tree),
    )


def _text(text: s.TextLit | None) -> m.Text | None:
    return None if text is None else m.Text(text.texts, text.span)


def _terms(tree: s.PolicyFile) -> m.Terms:
    """The terms blocks (scope, support, credits, reporting), each statement once: the
    duplicates check has reported any repetition, so the first one wins here."""
    values: dict = {}
    covers, not_covered, channels = [], [], []
    for d in tree.of_type(s.ScopeDecl):
        for item in d.items:
            (covers if item.covered else not_covered).append(_text(item.text))
    for d in tree.of_type(s.SupportDecl):
        for st in d.stmts:
            if isinstance(st, s.ChannelStmt):
                channels.append(m.Channel(st.name.text, st.address,
                                          st.calendar.text if st.calendar else None,
                                          tuple(p.text for p in st.priorities), st.span))
            else:
                values.setdefault("classified_by", st.by.text)
    for d in tree.of_type(s.CreditTermsDecl):
        for st in d.stmts:
            if isinstance(st, s.ClaimStmt):
                values.setdefault("claim", "automatic" if st.days is None else "on_request")
                values.setdefault("claim_days", st.days)
            elif isinstance(st, s.PaidByStmt):
                values.setdefault("paid_by", st.how.text)
            else:
                values.setdefault("sole_remedy", st.sole)
    fields = {"monthly": "monthly_report_days", "review": "review_months"}
    for d in tree.of_type(s.ReportingDecl):
        for st in d.stmts:
            if st.kind == "quarterly":
                values.setdefault("quarterly_review", True)
            elif st.kind == "measured":
                values.setdefault("measured_by", _text(st.text))
            else:
                values.setdefault(fields[st.kind], st.number)
    return m.Terms(covers=tuple(covers), not_covered=tuple(not_covered),
                   channels=tuple(channels), **values)


def _header(ctx: CheckContext) -> m.Header:
    h = ctx.tree.header

    def value(key: str, index: int = 0):
        f = ctx.header_field(key)
        return None if f is None else f.values[index]

    return m.Header(
        name=h.name,
        version=value("version"),
        effective=iso_date(value("effective").text),
        currency=value("currency").text,
        period=value("period").text,
        timezone=value("period", 1),
        provider=value("provider"),
        roster=value("roster"),
        span=h.span,
    )


def _ranges(ranges: tuple[s.TimeRangeLit, ...]) -> tuple[m.TimeRange, ...]:
    return tuple(m.TimeRange(*mins) for mins in sorted(range_minutes(r) for r in ranges))


def _calendar(cal: s.CalendarDecl, default_zone: str) -> m.CalendarDef:
    zones = [st.zone for st in cal.stmts if isinstance(st, s.TimezoneStmt)]
    zone = zones[0] if zones else default_zone
    if cal.always:
        weekly = tuple((m.TimeRange(0, 1440),) for _ in m.WEEKDAYS)
        return m.CalendarDef(cal.name.text, zone, True, weekly, span=cal.span)
    days: list[list[m.TimeRange]] = [[] for _ in m.WEEKDAYS]
    holidays, closures, yearly, overrides = [], [], [], []
    for st in cal.stmts:
        if isinstance(st, s.WeeklyHoursStmt):
            chosen = {d for item in st.days for d in day_indexes(item)}
            for day in chosen:
                days[day].extend(_ranges(st.ranges))
        elif isinstance(st, s.HolidaysStmt):
            sub = st.subdivision.text if st.subdivision else None
            holidays.append(m.HolidaySource(st.country.text, sub, st.span))
        elif isinstance(st, s.ClosedStmt) and st.every:
            yearly.extend(month_day(d.text) for d in st.dates)
        elif isinstance(st, s.ClosedStmt):
            closures.extend(iso_date(d.text) for d in st.dates)
        elif isinstance(st, s.OverrideStmt):
            overrides.append((iso_date(st.date.text), _ranges(st.ranges)))
    return m.CalendarDef(
        name=cal.name.text,
        timezone=zone,
        always=False,
        weekly=tuple(tuple(sorted(d, key=lambda r: (r.start, r.end))) for d in days),
        holidays=tuple(holidays),
        closures=tuple(sorted(set(closures))),
        yearly_closures=tuple(sorted(set(yearly))),
        overrides=tuple(sorted(overrides)),
        span=cal.span,
    )


def _event(ev: s.EventRef) -> m.ClockEvent:
    return m.ClockEvent(ev.kind.text, ev.status.text if ev.status else None)


def _clock(clock: s.ClockDecl) -> m.ClockDef:
    events, pauses, on = {}, [], {}
    means = {}
    for st in clock.stmts:
        if isinstance(st, s.ClockEventStmt):
            events.setdefault(st.which, _event(st.event))
            if st.means is not None:
                means.setdefault(st.which, _text(st.means))
        elif isinstance(st, s.PausesStmt):
            pauses.extend(i.text for i in st.statuses if i.text not in pauses)
        elif isinstance(st, s.OnStmt):
            on.setdefault(st.what, st.action.text)
    return m.ClockDef(
        name=clock.name.text,
        start=events["starts"],
        stop=events["stops"],
        pause_statuses=tuple(pauses),
        on_reopen=on.get("reopen", "resume"),
        on_priority_change=on.get("priority change", "carry"),
        description=clock.description,
        span=clock.span,
        start_means=means.get("starts"),
        stop_means=means.get("stops"),
    )


def _exclusion(e: s.ExclusionDecl) -> m.Exclusion:
    conditions = tuple(m.Condition(c.field.text, c.op, c.values, c.span) for c in e.conditions)
    return m.Exclusion(e.subject.text, conditions, e.during.text if e.during else None,
                       e.reason, e.span,
                       duration_seconds(e.notice.text) if e.notice is not None else None)


def _derivation(matrix: s.MatrixDecl) -> m.PriorityDerivation:
    rules = tuple(m.PriorityRule(r.values, r.priority.text, r.span) for r in matrix.rows)
    return m.PriorityDerivation(tuple(f.text for f in matrix.fields), rules, matrix.span)


def _sample(rule: s.SampleRule | None) -> tuple[int | None, int | None]:
    """(min_tickets, allowed_misses) of a checked rule (SLA311 has vetted the numbers)."""
    if rule is None:
        return None, None
    allowed = rule.allowed_misses
    return int(rule.min_tickets.text), None if allowed is None else int(allowed.text)


def _tier(ctx: CheckContext, decl: s.TierDecl) -> m.Tier:
    flat = ctx.flat_tier(decl.name.text)
    # Order targets as the policy declares metrics and priorities, not as lines happen to come.
    targets = tuple(
        m.Target(metric, priority, t.seconds, t.calendar, flat.objectives[metric][0],
                 t.origin, t.span, *_sample(flat.samples.get(metric)))
        for metric in ctx.clocks for priority in ctx.priorities
        if (t := flat.targets[(metric, priority)])
    )
    uptime = tuple(m.UptimeTarget(service, st.percent.value, origin, st.span)
                   for service, (st, origin) in flat.uptime.items())
    credits = {}
    for service, (st, origin) in flat.uptime_credits.items():
        steps = tuple(m.CreditStep(x.percent.value, x.below.value, x.span) for x in st.steps)
        credits[service] = m.UptimeCredit(steps, origin, st.span, service)
    credit = credits.pop(None, None)
    objective_credits = tuple(
        m.ObjectiveCredit(metric, priority, st.percent.value, origin, st.span)
        for (metric, priority), (st, origin) in flat.objective_credits.items())
    fee = m.Money(flat.fee.amount, flat.fee.currency.text) if flat.fee else None
    return m.Tier(
        name=decl.name.text,
        extends=decl.extends.text if decl.extends else None,
        fee=fee,
        targets=targets,
        uptime=uptime,
        uptime_credit=credit,
        objective_credits=objective_credits,
        cap=flat.cap.percent.value if flat.cap else None,
        span=decl.span,
        service_credits=tuple(credits.values()),
    )
