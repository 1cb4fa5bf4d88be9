"""The plan as JSON-ready data (stable keys, decimals as strings, sources as ``file:line``)."""

from __future__ import annotations

from decimal import Decimal

from slalang.model import WEEKDAYS, CalendarDef, Exclusion
from slalang.plan.compiled import Plan
from slalang.plan.text import condition_text, exclusion_text, where


def _calendar(c: CalendarDef) -> dict:
    """A calendar as it measures: its week, holidays, closures and days of other hours."""
    return {"name": c.name, "timezone": c.timezone, "always": c.always,
            "weekly": {day: [str(r) for r in ranges]
                       for day, ranges in zip(WEEKDAYS, c.weekly, strict=True) if ranges},
            "holidays": [{"country": h.country, "subdivision": h.subdivision}
                         for h in c.holidays],
            "closed_every": [f"{m:02d}-{d:02d}" for m, d in c.yearly_closures],
            "closed": [d.isoformat() for d in c.closures],
            "day_hours": {d.isoformat(): [str(r) for r in rs] for d, rs in c.overrides},
            "source": where(c.span)}

#: bumped when the shape of :func:`plan_to_json` changes incompatibly
FORMAT_VERSION = 1


def _dec(d: Decimal | None) -> str | None:
    if d is None:
        return None
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _exclusion(e: Exclusion) -> dict:
    return {
        "subject": e.subject,
        "text": exclusion_text(e),
        "conditions": [{"field": c.field, "op": c.op, "values": list(c.values),
                        "text": condition_text(c)} for c in e.conditions],
        "during": e.during,
        "reason": e.reason,
        "source": where(e.span),
    }


def plan_to_json(plan: Plan, tier: str | None = None) -> dict:
    """The plan as a dict ready for ``json.dumps`` (``tier`` keeps only that tier's rows)."""
    p = plan.policy
    keep = (lambda t: True) if tier is None else (lambda t: t == tier)
    return {
        "format_version": FORMAT_VERSION,
        "policy": {"name": p.header.name, "version": p.header.version,
                   "effective": p.header.effective.isoformat(), "currency": p.header.currency,
                   "timezone": p.header.timezone, "source_path": p.source_path,
                   "source_hash": p.source_hash},
        "clocks": [{"metric": c.name, "start": str(c.start), "stop": str(c.stop),
                    "pause_statuses": list(c.pause_statuses), "on_reopen": c.on_reopen,
                    "on_priority_change": c.on_priority_change, "source": where(c.span)}
                   for c in p.clocks],
        "calendars": [_calendar(c) for c in p.calendars],
        "tiers": [{"name": t.name, "extends": t.extends,
                   "fee": None if t.fee is None else {"amount": _dec(t.fee.amount),
                                                      "currency": t.fee.currency},
                   "cap": _dec(t.cap), "source": where(t.span)}
                  for t in plan.tier_terms if keep(t.name)],
        "targets": [{"tier": r.tier, "metric": r.metric, "priority": r.priority,
                     "target_seconds": r.target_seconds, "calendar": r.calendar,
                     "objective": _dec(r.objective),
                     "min_tickets": r.min_tickets, "allowed_misses": r.allowed_misses,
                     "pause_statuses": list(r.clock.pause_statuses),
                     "origin_tier": r.origin_tier, "source": where(r.span)}
                    for r in plan.rows if keep(r.tier)],
        "uptime": [{"tier": u.tier, "service": u.service, "percent": _dec(u.percent),
                    "source": where(u.span)} for u in plan.uptime_rules if keep(u.tier)],
        "exclusions": [_exclusion(e) for e in plan.exclusions],
        "credits": [{"tier": c.tier, "kind": c.kind, "metric": c.metric,
                     "priority": c.priority, "service": c.service,
                     "steps": [{"below": _dec(s.below), "percent": _dec(s.percent)}
                               for s in c.steps],
                     "percent": _dec(c.percent), "cap": _dec(c.cap),
                     "origin_tier": c.origin_tier, "source": where(c.span)}
                    for c in plan.credit_rules if keep(c.tier)],
        # how a ticket without a priority gets one: the matrix decides which target applies
        "priority_from": None if p.priority_derivation is None else {
            "fields": list(p.priority_derivation.fields),
            "rules": [{"values": list(r.values), "priority": r.priority,
                       "source": where(r.span)} for r in p.priority_derivation.rules],
            "source": where(p.priority_derivation.span)},
    }
