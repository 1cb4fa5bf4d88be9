"""A tier may not extend itself, directly or through others."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA202": "tier inheritance cycle"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Each tier extends at most one other, so following `extends` from every tier finds each
    # cycle once, and a tier is never walked twice: linear in the number of tiers (walking the
    # whole chain from every tier was cubic on a chain of 1,000 tiers).
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    on_cycle: dict[str, tuple[list[str], int]] = {}  # tier -> (its cycle, its place in it)
    for start in ctx.tiers:
        walk: list[str] = []
        current: str | None = start
        while current is not None and current in ctx.tiers and current not in state:
            state[current] = 1
            walk.append(current)
            parent = ctx.tiers[current].extends
            current = parent.text if parent is not None else None
        if current is not None and state.get(current) == 1:
            cycle = walk[walk.index(current):]
            for i, tier in enumerate(cycle):
                on_cycle[tier] = (cycle, i)
        for tier in walk:
            state[tier] = 2
    reported: set[str] = set()  # each cycle by its first tier found
    for tier in ctx.tree.of_type(s.TierDecl):
        name = tier.name.text
        if ctx.tiers.get(name) is not tier or name not in on_cycle:
            continue
        cycle, i = on_cycle[name]
        if cycle[0] in reported:
            continue
        reported.add(cycle[0])
        path = cycle[i:] + cycle[:i]
        # a long cycle is named by its first and last few tiers
        if len(path) > 12:
            path = [*path[:6], f"... ({len(path) - 9} more)", *path[-3:]]
        shown = " -> ".join([*path, name])
        yield diag("SLA202", f"tier inheritance cycle: {shown}", tier.extends.span,
                   "a tier cannot inherit from itself; remove one `extends`")
