"""What a policy change really changes: the difference of two plans, row by row."""

from __future__ import annotations

from slalang.plan.compiled import Plan, PlanRow
from slalang.plan.text import credit_text, exclusion_text, format_duration, format_percent


def _row_facts(r: PlanRow) -> dict[str, str]:
    c = r.clock
    return {"target": format_duration(r.target_seconds), "calendar": r.calendar,
            "objective": format_percent(r.objective),
            "clock": f"{c.start} -> {c.stop}; paused in {','.join(c.pause_statuses) or '-'}; "
                     f"reopen {c.on_reopen}; priority change {c.on_priority_change}"}


def diff_plans(old: Plan, new: Plan) -> str:
    """One line per promise added, removed or changed; empty when the plans agree.

    Compares targets (by tier, metric and priority), exclusions and credit clauses; line
    numbers are ignored, so moving text around is no change.
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
            fa, fb = _row_facts(a[key]), _row_facts(b[key])
            for k in fa:
                if fa[k] != fb[k]:
                    out.append(f"~ {name}: {k} {fa[k]} -> {fb[k]}")
    ea = [exclusion_text(e) for e in old.exclusions]
    eb = [exclusion_text(e) for e in new.exclusions]
    out += [f"- exclusion: {e}" for e in ea if e not in eb]
    out += [f"+ exclusion: {e}" for e in eb if e not in ea]
    ca = [(c.tier, *credit_text(c), str(c.cap)) for c in old.credit_rules]
    cb = [(c.tier, *credit_text(c), str(c.cap)) for c in new.credit_rules]
    out += [f"- credit: {c[0]} {c[1]}: {c[2]} (cap {c[3]})" for c in ca if c not in cb]
    out += [f"+ credit: {c[0]} {c[1]}: {c[2]} (cap {c[3]})" for c in cb if c not in ca]
    return "\n".join(out) + ("\n" if out else "")
