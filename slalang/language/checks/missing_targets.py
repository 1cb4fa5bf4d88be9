"""Every tier promises every metric for every priority, each on a calendar, with an objective."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {
    "SLA203": "a tier without a target for some priority and metric",
    "SLA204": "a target without a calendar, or a metric without an objective",
}


def _gaps(ctx: CheckContext, name: str, metric: str) -> list[str]:
    """The priorities tier ``name`` (with what it inherits) has no ``metric`` target for."""
    flat = ctx.flat_tier(name)
    return [p for p in ctx.priorities if (metric, p) not in flat.targets]


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    complete = [t for t in ctx.tree.of_type(s.TierDecl)
                if ctx.tiers.get(t.name.text) is t and ctx.chain_complete(t.name.text)]
    for tier in complete:
        flat = ctx.flat_tier(tier.name.text)
        # a target line naming an undefined metric or priority (SLA103/SLA104) was most likely
        # meant to fill the gap; reporting the gap too would bury the real cause under noise
        misnamed = any(m not in ctx.clocks or p not in ctx.priorities for m, p in flat.targets)
        parent = tier.extends.text if tier.extends is not None else None
        for metric in ctx.clocks:
            # a gap inherited from the parent is reported once, on the tier it comes from,
            # naming the tiers that inherit it
            inherited = set(_gaps(ctx, parent, metric)) if parent else set()
            missing = [p for p in _gaps(ctx, tier.name.text, metric) if p not in inherited]
            if missing and not misnamed:
                # (the tiers below this one, found from it: asking every tier for its
                # ancestors made a long `extends` chain quadratic)
                below = set(ctx.heirs(tier.name.text))
                heirs = [t.name.text for t in complete if t.name.text in below
                         and set(missing) & set(_gaps(ctx, t.name.text, metric))]
                also = f" (inherited by {', '.join(heirs)})" if heirs else ""
                yield diag("SLA203", f"tier {tier.name.text!r} has no {metric} target for "
                           f"{', '.join(missing)}{also}", tier.name.span,
                           f"add e.g. `{metric} on <calendar>: {missing[0]} 4h` to the tier "
                           "or to a tier it extends")
            covered = any(m == metric for m, _ in flat.targets)
            if covered and metric not in flat.objectives:
                yield diag("SLA204", f"tier {tier.name.text!r} has no objective for {metric}",
                           tier.name.span, f"end a {metric} line with e.g. `objective 90%`")
        for (metric, priority), target in flat.targets.items():
            known = metric in ctx.clocks and priority in ctx.priorities
            if target.calendar is None and known:
                yield diag("SLA204", f"the {metric} target for {priority} has no calendar",
                           target.span, f"write `{metric} on <calendar>: ...` or "
                           f"`{priority} <duration> on <calendar>`")
