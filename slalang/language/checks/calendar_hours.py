"""Calendar hours: valid times and dates, no overlaps, some working time, and nothing but a
zone on a 24x7 calendar."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag
from slalang.language.values import clock_minutes, iso_date, month_day, unsupported_year
from slalang.model import WEEKDAYS, Span

CODES = {
    "SLA401": "a calendar with no working time",
    "SLA402": "overlapping hours on the same day (or two `hours` lines for one date)",
    "SLA405": "invalid time, time range or date",
    "SLA406": "hours, holidays or closures on a 24x7 calendar",
}


def day_indexes(item: s.DayItem) -> list[int]:
    """``mon-fri`` -> [0..4]; a range may wrap past Sunday (``fri-mon``)."""
    first = WEEKDAYS.index(item.first.text)
    last = WEEKDAYS.index(item.last.text) if item.last else first
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def range_minutes(r: s.TimeRangeLit) -> tuple[int, int] | None:
    """(start, end) minutes of a valid range: start before end, ``24:00`` only as an end."""
    start, end = clock_minutes(r.start.text), clock_minutes(r.end.text)
    if start is None or end is None or start >= end:
        return None
    return start, end


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for cal in ctx.tree.of_type(s.CalendarDecl):
        yield from _dates(cal)
        if cal.always:
            for st in cal.stmts:
                if not isinstance(st, s.TimezoneStmt):
                    yield diag("SLA406", f"calendar {cal.name.text!r} is 24x7: it cannot have "
                               f"{_kind(st)}", st.span,
                               "drop the line, or define a calendar with working hours instead")
            continue
        week: list[list[tuple[int, int, Span]]] = [[] for _ in WEEKDAYS]
        written = False  # weekly hours written, valid or not: then SLA405 says what is wrong
        # a day override is checked like a weekday of its own: one per date, no overlaps
        overrides: dict[str, s.OverrideStmt] = {}
        for st in cal.stmts:
            if isinstance(st, s.WeeklyHoursStmt):
                written = written or bool(st.ranges)
                for r in st.ranges:
                    minutes = yield from _checked_range(r, st.days)
                    if minutes is not None:
                        for day in {d for item in st.days for d in day_indexes(item)}:
                            week[day].append((*minutes, r.span))
            elif isinstance(st, s.OverrideStmt):
                day_ranges: list[tuple[int, int, Span]] = []
                for r in st.ranges:
                    minutes = yield from _checked_range(r)
                    if minutes is not None:
                        day_ranges.append((*minutes, r.span))
                yield from _overlaps([day_ranges], [st.date.text])
                if st.date.text in overrides:
                    yield diag("SLA402", f"the hours of {st.date.text} are given twice",
                               st.date.span, f"the first `hours {st.date.text}` is at line "
                               f"{overrides[st.date.text].span.line}; keep one line per date")
                overrides.setdefault(st.date.text, st)
        yield from _overlaps(week)
        if not any(week) and not written:
            yield diag("SLA401", f"calendar {cal.name.text!r} has no working time",
                       cal.name.span, "add weekly hours such as `mon-fri 09:00-17:00`, or "
                       "write `calendar " + cal.name.text + " 24x7`")


def _kind(st) -> str:
    return {s.WeeklyHoursStmt: "weekly hours", s.HolidaysStmt: "holidays",
            s.ClosedStmt: "closures", s.OverrideStmt: "day overrides"}[type(st)]


def _days_text(items: tuple[s.DayItem, ...], shift: int = 0) -> str:
    """``mon-fri`` as written, or moved by ``shift`` days (``tue-sat``)."""
    def name(ident: s.Ident) -> str:
        return WEEKDAYS[(WEEKDAYS.index(ident.text) + shift) % 7]

    return ", ".join(name(i.first) + (f"-{name(i.last)}" if i.last else "") for i in items)


def _checked_range(r: s.TimeRangeLit, days: tuple[s.DayItem, ...] = ()):
    """Yield a diagnostic for an invalid range; return its minutes when valid."""
    for lit in (r.start, r.end):
        if clock_minutes(lit.text) is None:
            yield diag("SLA405", f"no such time {lit.text!r}", lit.span,
                       "times run from 00:00 to 24:00 (24:00 only as the end of a range)")
            return None
    minutes = range_minutes(r)
    if minutes is None:
        start, end = clock_minutes(r.start.text), clock_minutes(r.end.text)
        if days and start is not None and end is not None and 0 < end < start < 1440:
            # a night shift: the same hours, split at midnight, the second part a day later
            hint = (f"a range cannot cross midnight: write `{_days_text(days)} "
                    f"{r.start.text}-24:00` and `{_days_text(days, 1)} 00:00-{r.end.text}`")
        else:
            hint = ("a range cannot cross midnight: split it at 24:00, e.g. "
                    "`mon 22:00-24:00` and `tue 00:00-06:00`")
        yield diag("SLA405", f"the range {r.start.text}-{r.end.text} does not move forward",
                   r.span, hint)
    return minutes


def _dates(cal: s.CalendarDecl) -> Iterator[Diagnostic]:
    for st in cal.stmts:
        if isinstance(st, s.ClosedStmt):
            parse = month_day if st.every else iso_date
            for lit in st.dates:
                if parse(lit.text) is None:
                    yield diag("SLA405", f"no such date {lit.text!r}", lit.span,
                               "write MM-DD after `every`, YYYY-MM-DD otherwise")
                elif not st.every and (why := unsupported_year(lit.text)):
                    yield diag("SLA405", f"closure {lit.text}: {why}", lit.span, None)
        elif isinstance(st, s.OverrideStmt) and iso_date(st.date.text) is None:
            yield diag("SLA405", f"no such date {st.date.text!r}", st.date.span,
                       "write the date as YYYY-MM-DD")
        elif isinstance(st, s.OverrideStmt) and (why := unsupported_year(st.date.text)):
            yield diag("SLA405", f"hours {st.date.text}: {why}", st.date.span, None)


def _overlaps(week: list[list[tuple[int, int, Span]]],
              names: Sequence[str] = WEEKDAYS) -> Iterator[Diagnostic]:
    # later range -> (lines of the ranges it overlaps, days on which it does)
    clashes: dict[Span, tuple[set[int], list[str]]] = {}
    for day, ranges in enumerate(week):
        ranges.sort()
        for (_s1, e1, sp1), (s2, _e2, sp2) in zip(ranges, ranges[1:], strict=False):
            if s2 < e1:
                lines, days = clashes.setdefault(max(sp1, sp2), (set(), []))
                lines.add(min(sp1, sp2).line)
                if names[day] not in days:
                    days.append(names[day])
    for later, (lines, days) in sorted(clashes.items()):
        shown = ", ".join(str(n) for n in sorted(lines))
        yield diag("SLA402", f"these hours overlap the hours at line {shown} on "
                   f"{', '.join(days)}", later,
                   "working hours on a day must not overlap; merge or shorten the ranges")
