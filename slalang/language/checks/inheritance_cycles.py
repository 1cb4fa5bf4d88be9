"""A tier may not extend itself, directly or through others."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA202": "tier inheritance cycle"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    reported: set[frozenset[str]] = set()
    for tier in ctx.tree.of_type(s.TierDecl):
        if ctx.tiers.get(tier.name.text) is not tier or tier.extends is None:
            continue
        path = [tier.name.text]
        current = tier
        while current.extends is not None and current.extends.text in ctx.tiers:
            nxt = current.extends.text
            if nxt == tier.name.text:
                cycle = frozenset(path)
                if cycle not in reported:
                    reported.add(cycle)
                    shown = " -> ".join([*path, nxt])
                    yield diag("SLA202", f"tier inheritance cycle: {shown}", tier.extends.span,
                               "a tier cannot inherit from itself; remove one `extends`")
                break
            if nxt in path:
                break  # a cycle further up the chain, reported from its own tier
            path.append(nxt)
            current = ctx.tiers[nxt]
