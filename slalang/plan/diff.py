"""What a policy change really changes: the difference of two plans, promise by promise."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.model import ClockDef
from slalang.plan.compiled import Plan, PlanRow
from slalang.plan.text import (
    calendar_facts,
    credit_text,
    exclusion_text,
    format_duration,
    format_percent,
    objective_text,
)


def _row_facts(r: PlanRow) -> dict[str, str]:
    # the clock is compared once per clock (below), not on every row that uses it
    return {"target": format_duration(r.target_seconds), "calendar": r.calendar,
            "objective": objective_text(r)}


def _matrix(plan: Plan) -> dict[tuple[str, ...], str]:
    """The priority matrix as (field=value, ...) -> priority."""
    d = plan.policy.priority_derivation
    if d is None:
        return {}
    return {tuple(f"{f}={v}" for f, v in zip(d.fields, r.values, strict=True)): r.priority
            for r in d.rules}


def _cap(cap) -> str:
    return format_percent(cap) if cap is not None else "none"


def _changed(name: str, old: dict[str, str], new: dict[str, str]) -> Iterator[str]:
    for k in old:
        if old[k] != new.get(k):
            yield f"~ {name}: {k} {old[k]} -> {new.get(k)}"


def _keyed(name: str, old: dict, new: dict, facts) -> Iterator[str]:
    """Removed, added and changed entries of two dicts with the same kind of keys."""
    for key in [*old, *(k for k in new if k not in old)]:
        label = f"{name} {key}" if isinstance(key, str) else f"{name} {' '.join(key)}"
        if key not in new:
            yield f"- {label}: removed"
        elif key not in old:
            yield f"+ {label}: added"
        else:
            yield from _changed(label, facts(old[key]), facts(new[key]))


def diff_plans(old: Plan, new: Plan) -> str:
    """One line per promise added, removed or changed; empty when the plans agree.

    Compares targets (by tier, metric and priority), clocks, calendars, uptime promises, fees,
    the priority matrix, exclusions and credit clauses; line numbers are ignored, so moving
    text around is no change.
    """
    out: list[str] = []
    a = {(r.tier, r.metric, r.priority): r for r in old.rows}
    b = {(r.tier, r.metric, r.priority): r for r in new.rows}
    for key in [*a, *(k for k in b if k not in a)]:
        name = " ".join(key)
        if key not in b:
            out.append(f"- {name}: removed (was {_row_facts(a[key])['target']})")
        elif key not in a:
            out.append(f"+ {name}: added ({_row_facts(b[key])['target']})")
        else:
            out.extend(_changed(name, _row_facts(a[key]), _row_facts(b[key])))

    def clock(c: ClockDef) -> dict[str, str]:
        return {"starts at": str(c.start), "stops at": str(c.stop),
                "paused while": ", ".join(c.pause_statuses) or "never",
                "on reopen": c.on_reopen, "on priority change": c.on_priority_change}

    out.extend(_keyed("clock", {c.name: c for c in old.policy.clocks},
                      {c.name: c for c in new.policy.clocks}, clock))
    out.extend(_keyed("calendar", {c.name: c for c in old.policy.calendars},
                      {c.name: c for c in new.policy.calendars}, calendar_facts))
    out.extend(_keyed("uptime", {(u.tier, u.service or "every service"): u
                                 for u in old.uptime_rules},
                      {(u.tier, u.service or "every service"): u for u in new.uptime_rules},
                      lambda u: {"monthly": format_percent(u.percent)}))
    out.extend(_keyed("fee", {t.name: t for t in old.policy.tiers},
                      {t.name: t for t in new.policy.tiers},
                      lambda t: {"monthly": str(t.fee) if t.fee else "none"}))
    out.extend(_keyed("priority from", _matrix(old), _matrix(new),
                      lambda prio: {"priority": prio}))
    ea = [exclusion_text(e) for e in old.exclusions]
    eb = [exclusion_text(e) for e in new.exclusions]
    out += [f"- exclusion: {e}" for e in ea if e not in eb]
    out += [f"+ exclusion: {e}" for e in eb if e not in ea]
    ca = [(c.tier, *credit_text(c), _cap(c.cap)) for c in old.credit_rules]
    cb = [(c.tier, *credit_text(c), _cap(c.cap)) for c in new.credit_rules]
    out += [f"- credit: {c[0]} {c[1]}: {c[2]} (cap {c[3]})" for c in ca if c not in cb]
    out += [f"+ credit: {c[0]} {c[1]}: {c[2]} (cap {c[3]})" for c in cb if c not in ca]
    return "\n".join(out) + ("\n" if out else "")
