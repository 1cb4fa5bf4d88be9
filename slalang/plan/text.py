"""The plan as a reviewable text table, every row citing the policy line that made it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from slalang.model import WEEKDAYS, CalendarDef, ClockDef, Condition, Exclusion, Span
from slalang.plan.compiled import CreditRule, Plan


def format_duration(seconds: int) -> str:
    """A whole number of seconds as the policy writes it.

    >>> format_duration(2 * 3600), format_duration(15 * 60), format_duration(5430)
    ('2h', '15m', '1h30m30s')
    >>> format_duration(0)
    '0s'
    """
    if seconds == 0:
        return "0s"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v)


def objective_text(row) -> str:
    """A plan row's objective with its minimum-sample rule, as the policy writes it.

    >>> from types import SimpleNamespace as R
    >>> objective_text(R(objective=Decimal(95), min_tickets=20, allowed_misses=1))
    '95% over at least 20 tickets else at most 1 missed'
    >>> objective_text(R(objective=Decimal("99.5"), min_tickets=None, allowed_misses=None))
    '99.5%'
    """
    text = format_percent(row.objective)
    if row.min_tickets is not None:
        text += f" over at least {row.min_tickets} tickets"
        if row.allowed_misses is not None:
            text += f" else at most {row.allowed_misses} missed"
    return text


def format_percent(value: Decimal) -> str:
    """A percentage without exponent or trailing zeros.

    >>> format_percent(Decimal("99.90")), format_percent(Decimal("90"))
    ('99.9%', '90%')
    """
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def where(span: Span) -> str:
    """``file:line`` of a span."""
    return f"{span.file}:{span.line}"


def clock_text(clock: ClockDef) -> str:
    pauses = ", ".join(clock.pause_statuses) or "none"
    return (f"{clock.start} -> {clock.stop}; paused in: {pauses}; "
            f"on reopen {clock.on_reopen}; on priority change {clock.on_priority_change}")


def condition_text(c: Condition) -> str:
    if c.op in ("=", "!="):
        return f"{c.field} {c.op} {c.values[0]}"
    return f"{c.field} {c.op} ({', '.join(c.values)})"


def exclusion_text(e: Exclusion) -> str:
    text = f"{e.subject} where " + " and ".join(condition_text(c) for c in e.conditions)
    if e.during:
        text += f" during {e.during}"
    return text


def credit_text(rule: CreditRule) -> tuple[str, str]:
    """(clause, credit) columns of a credit rule."""
    if rule.kind == "uptime":
        steps = sorted(rule.steps, key=lambda s: s.below, reverse=True)
        of = f" of {rule.service}" if rule.service else ""
        return (f"uptime{of} below target",
                "; ".join(f"< {format_percent(s.below)} -> {format_percent(s.percent)}"
                          for s in steps))
    return (f"{rule.metric} {rule.priority} objective missed",
            format_percent(rule.percent or Decimal(0)))


def table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Left-aligned columns, two spaces apart; the last column is not padded."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths[:-1], strict=True)] + [r[-1]]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def calendar_facts(c: CalendarDef) -> dict[str, str]:
    """What a calendar promises, as text (its line numbers left out)."""
    if c.always:
        return {"hours": "24x7", "timezone": c.timezone}
    week = "; ".join(f"{day} {', '.join(str(r) for r in ranges)}"
                     for day, ranges in zip(WEEKDAYS, c.weekly, strict=True) if ranges)
    holidays = ", ".join(h.country + (f" subdivision {h.subdivision}" if h.subdivision else "")
                         for h in c.holidays)
    return {
        "timezone": c.timezone, "hours": week or "none", "holidays": holidays or "none",
        "closed every": ", ".join(f"{m:02d}-{d:02d}" for m, d in c.yearly_closures) or "none",
        "closed": ", ".join(d.isoformat() for d in c.closures) or "none",
        "day hours": "; ".join(f"{d.isoformat()} {', '.join(str(r) for r in rs) or 'none'}"
                               for d, rs in c.overrides) or "none",
    }


def _calendar_cells(c: CalendarDef) -> tuple[str, str, str]:
    """A calendar's hours, holidays and closures for the plan's table: what the clocks
    measure on, so a plan that differs only there prints differently."""
    f = calendar_facts(c)
    if c.always:
        return "24x7", "-", "-"
    closed = [f"every {f['closed every']}" if f["closed every"] != "none" else "",
              f["closed"] if f["closed"] != "none" else "",
              f"day hours {f['day hours']}" if f["day hours"] != "none" else ""]
    holidays = f["holidays"] if f["holidays"] != "none" else "-"
    return _week(c) or "none", holidays, "; ".join(x for x in closed if x) or "-"


def _week(c: CalendarDef) -> str:
    """The week as the policy writes it: days of the same hours in a run, ``mon-fri``."""
    runs: list[tuple[int, int, str]] = []  # first day, last day, hours
    for k, ranges in enumerate(c.weekly):
        hours = ", ".join(str(r) for r in ranges)
        if runs and hours and runs[-1][2] == hours and runs[-1][1] == k - 1:
            runs[-1] = (runs[-1][0], k, hours)
        elif hours:
            runs.append((k, k, hours))
    return "; ".join((WEEKDAYS[a] if a == b else f"{WEEKDAYS[a]}-{WEEKDAYS[b]}") + " " + h
                     for a, b, h in runs)


def plan_to_text(plan: Plan, tier: str | None = None) -> str:
    """The plan as text: header, clocks, calendars, tiers, targets, uptime, exclusions and
    credits.

    ``tier`` keeps only that tier's targets, uptime and credits.
    """
    p = plan.policy
    h = p.header
    lines = [f"plan: {h.name} {h.version} ({p.source_path or '<memory>'}, "
             f"sha256 {p.source_hash[:12] or '-'})",
             f"effective {h.effective.isoformat()}; currency {h.currency}; period {h.period}; "
             f"zone {h.timezone}", ""]
    lines.append("clocks")
    lines += table(("metric", "starts at", "stops at", "paused while", "on reopen",
                    "on priority change", "source"),
                   [(c.name, str(c.start), str(c.stop), ", ".join(c.pause_statuses) or "-",
                     c.on_reopen, c.on_priority_change, where(c.span)) for c in p.clocks])
    lines += ["", "calendars"]
    lines += table(("calendar", "zone", "hours", "holidays", "closed", "source"),
                   [(c.name, "24x7" if c.always else c.timezone, *_calendar_cells(c),
                     where(c.span)) for c in p.calendars])

    terms = [t for t in plan.tier_terms if tier is None or t.name == tier]
    lines += ["", "tiers"]
    lines += table(("tier", "extends", "list fee", "credit cap", "source"),
                   [(t.name, t.extends or "-", str(t.fee) if t.fee is not None else "-",
                     format_percent(t.cap) if t.cap is not None else "none", where(t.span))
                    for t in terms])

    rows = [r for r in plan.rows if tier is None or r.tier == tier]
    lines += ["", "targets"]
    lines += table(
        ("tier", "metric", "priority", "target", "calendar", "objective", "pauses", "source"),
        [(r.tier, r.metric, r.priority, format_duration(r.target_seconds), r.calendar,
          objective_text(r), ",".join(r.clock.pause_statuses) or "-",
          where(r.span) + ("" if r.origin_tier == r.tier else f" (from {r.origin_tier})"))
         for r in rows])

    uptime = [u for u in plan.uptime_rules if tier is None or u.tier == tier]
    if uptime:
        lines += ["", "uptime"]
        lines += table(("tier", "service", "monthly", "source"),
                       [(u.tier, u.service or "every service", format_percent(u.percent),
                         where(u.span)) for u in uptime])

    if plan.exclusions:
        lines += ["", "exclusions"]
        lines += table(("exclusion", "reason", "source"),
                       [(exclusion_text(e), e.reason or "-", where(e.span))
                        for e in plan.exclusions])

    credits = [c for c in plan.credit_rules if tier is None or c.tier == tier]
    if credits:
        lines += ["", "credits (percent of the monthly fee)"]
        lines += table(("tier", "clause", "credit", "cap", "source"),
                       [(c.tier, *credit_text(c),
                         format_percent(c.cap) if c.cap is not None else "none",
                         where(c.span) + ("" if c.origin_tier in ("", c.tier)
                                          else f" (from {c.origin_tier})"))
                        for c in credits])
    if p.priority_derivation is not None:
        d = p.priority_derivation
        lines += ["", f"priority from {', '.join(d.fields)} ({where(d.span)})"]
        lines += table((*d.fields, "priority", "source"),
                       [(*r.values, r.priority, where(r.span)) for r in d.rules])
    return "\n".join(lines) + "\n"
