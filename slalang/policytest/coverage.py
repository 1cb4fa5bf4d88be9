"""Coverage of a policy by its tests: which plan rows, exclusions, credit clauses and calendar
features no test exercises.

Exercised means measured *and asserted*: a plan row counts when a test expects something of a
ticket measured under it (or of the customer-month objective it sets); an exclusion when an
asserted ticket is excluded by it, or a test's downtime it leaves out falls in a month whose
uptime or credit is asserted; a credit clause when it pays in a month whose credit a test
asserts; a calendar feature (holiday, closure, lunch break, DST night, override) when an
asserted ticket's clock runs across it under that calendar (or, for a downtime window, an
excluded outage does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from slalang.model import CalendarDef, Span

FEATURES = ("holiday", "closure", "lunch break", "DST night", "override")
#: a measured interval longer than this is not scanned day by day for features
MAX_DAYS = 400


def policy_years(policy) -> tuple[int, ...]:
    """The years a calendar's DST matters for: from the policy's effective date, five years
    (fixed by the policy, so coverage does not change with the day it is run)."""
    start = policy.header.effective.year
    return tuple(range(start, start + 5))


def _has_dst(zone: str, years: tuple[int, ...]) -> bool:
    z = ZoneInfo(zone)
    return any(dt.datetime(y, 1, 15, tzinfo=z).utcoffset() != dt.datetime(y, 7, 15, tzinfo=z)
               .utcoffset() for y in years)


def calendar_features(c: CalendarDef, years: tuple[int, ...]) -> tuple[str, ...]:
    """The features a calendar has, that a test should exercise (DST: in any of ``years``)."""
    if c.always:
        return ()
    found = []
    if c.holidays:
        found.append("holiday")
    if c.closures or c.yearly_closures:
        found.append("closure")
    if any(len(day) > 1 for day in c.weekly):
        found.append("lunch break")
    if _has_dst(c.timezone, years):
        found.append("DST night")
    if c.overrides:
        found.append("override")
    return tuple(found)


def features_crossed(c: CalendarDef, start: int, end: int) -> set[str]:
    """The calendar's features that fall inside ``[start, end)`` (epoch seconds)."""
    from slalang.businesstime import Calendar

    years = tuple(range(dt.datetime.fromtimestamp(start, dt.UTC).year,
                        dt.datetime.fromtimestamp(end, dt.UTC).year + 1))
    have = calendar_features(c, years)
    if not have or end <= start or end - start > MAX_DAYS * 86400:
        return set()
    zone = ZoneInfo(c.timezone)
    first = dt.datetime.fromtimestamp(start, zone)
    last = dt.datetime.fromtimestamp(end, zone)
    closures = set(c.closures)
    overrides = {d for d, _ in c.overrides}
    cal = Calendar.from_def(c) if "holiday" in have else None
    found = set()
    day = first.date()
    while day <= last.date():
        closure = day in closures or (day.month, day.day) in c.yearly_closures
        if closure:
            found.add("closure")
        elif cal is not None and cal.is_closed(day):
            found.add("holiday")
        if day in overrides:
            found.add("override")
        ranges = c.weekly[day.weekday()]
        for a, b in zip(ranges, ranges[1:], strict=False):
            # the gap between two ranges of the day (a lunch break) lies inside the interval
            lo = dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(
                minutes=a.end)
            hi = dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(
                minutes=b.start)
            if first <= lo and hi <= last:
                found.add("lunch break")
        # the clocks change inside the part of the interval on this day
        # (from the second before midnight: some zones change at midnight itself)
        lo = max(start, int(dt.datetime.combine(day, dt.time(), zone).timestamp()) - 1)
        hi = min(end, int(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(),
                                              zone).timestamp()) - 1)
        if lo < hi and (dt.datetime.fromtimestamp(lo, zone).utcoffset()
                        != dt.datetime.fromtimestamp(hi, zone).utcoffset()):
            found.add("DST night")
        day += dt.timedelta(days=1)
    return found & set(have)


@dataclass(frozen=True)
class Gap:
    """Something no test exercises: its kind, a description, and where the policy says it."""

    kind: str
    what: str
    span: Span | None


def exercised_by(ev, asserted_rows: list[int], asserted_months: list, downtime=None):
    """What one evaluated test exercised (see the module docstring)."""
    from slalang.policytest.run import Exercised

    out, plan, tickets = ev.outcomes, ev.plan, ev.tickets
    done = Exercised()
    n_metrics = len(out.metrics)
    policy = plan.policy
    for r in asserted_rows:
        row, exc = int(out.plan_row[r]), int(out.exclusion[r])
        if exc >= 0:
            done.exclusions.add(exc)
        if row < 0 or exc >= 0:
            continue
        done.rows.add(row)
        calendar = policy.calendar(plan.rows[row].calendar)
        i = r // n_metrics
        start = int(np.asarray(tickets.created_at)[i])
        stop = int(out.stopped_at[r])
        end = stop if stop > -(2 ** 62) else int(out.as_of)
        done.features |= {(calendar.name, f) for f in features_crossed(calendar, start, end)}
    tiers = {t: i for i, t in enumerate(plan.tiers)}
    for month, want in asserted_months:
        for key in [*want.get("compliance", {}), *want.get("achieved", {})]:
            metric, _, priority = key.partition(" ")
            if month.tier in tiers:
                k = plan.row_index(month.tier, metric, priority)
                if k >= 0:
                    done.rows.add(k)
        if "credit" in want or "credit_amount" in want:
            done.credits |= {(month.tier, line.span) for line in month.credit.lines
                             if line.percent > 0}
        if "credit" in want or "credit_amount" in want or "uptime" in want:
            done.exclusions |= _downtime_exclusions(ev, month, done, downtime)
    return done


def _downtime_exclusions(ev, month, done, downtime) -> set[int]:
    """Downtime exclusions that leave out some of this customer-month's test outages."""
    from slalang.evaluation.uptime import downtime_records

    found = set()
    policy = ev.plan.policy
    for rec in downtime_records(downtime):
        customer = ev.roster.get(rec.customer) if ev.roster is not None else None
        name = customer.name if customer is not None else rec.customer
        if name != month.customer or not month.bucket.start <= rec.start < month.bucket.end:
            continue
        for k, ex in enumerate(policy.exclusions):
            if ex.subject != "downtime":
                continue
            if all(c.matches(getattr(rec, c.field, None)) for c in ex.conditions):
                found.add(k)
                if ex.during:
                    cal = policy.calendar(ex.during)
                    done.features |= {(cal.name, f)
                                      for f in features_crossed(cal, rec.start, rec.end)}
    return found


def coverage_gaps(plan, exercised) -> list[Gap]:
    """Every plan row, exclusion, credit clause and calendar feature not exercised."""
    gaps = []
    for k, r in enumerate(plan.rows):
        if k not in exercised.rows:
            gaps.append(Gap("plan row", f"{r.tier} {r.metric} {r.priority}", r.span))
    from slalang.plan.text import credit_text, exclusion_text

    for k, e in enumerate(plan.exclusions):
        if k not in exercised.exclusions:
            gaps.append(Gap("exclusion", f"exclude {exclusion_text(e)}", e.span))
    for c in plan.credit_rules:
        # an uptime clause pays through one of its steps: any step paying exercises it
        spans = {c.span, *(s.span for s in c.steps)}
        if not any((c.tier, s) in exercised.credits for s in spans):
            gaps.append(Gap("credit clause", f"{c.tier}: {' '.join(credit_text(c))}", c.span))
    used = {r.calendar for r in plan.rows} | {e.during for e in plan.exclusions if e.during}
    for cal in plan.policy.calendars:
        if cal.name not in used:
            continue
        for f in calendar_features(cal, policy_years(plan.policy)):
            if (cal.name, f) not in exercised.features:
                gaps.append(Gap("calendar feature", f"calendar {cal.name}: {f}", cal.span))
    return gaps
