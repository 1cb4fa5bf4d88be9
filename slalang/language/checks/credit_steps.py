"""Uptime credit steps: lower uptime, higher credit; no two steps at the same threshold."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {
    "SLA302": "uptime credit steps that are not monotone",
    "SLA303": "uptime credit steps that overlap (same threshold)",
}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if isinstance(stmt, s.UptimeCreditStmt):
                yield from _steps(stmt.steps)


def _steps(steps: tuple[s.UptimeStep, ...]) -> Iterator[Diagnostic]:
    # Compare each step with the one before it: written in order of falling uptime, the
    # threshold must fall strictly while the credit rises.
    for prev, step in zip(steps, steps[1:], strict=False):
        if step.below.value == prev.below.value:
            yield diag("SLA303", f"two credit steps at the same threshold {step.below}",
                       step.span, "each step needs its own uptime threshold")
        elif step.below.value > prev.below.value or step.percent.value <= prev.percent.value:
            yield diag("SLA302", "credit steps are not monotone: "
                       f"{prev.percent} below {prev.below}, then {step.percent} below "
                       f"{step.below}", step.span,
                       "list steps from the highest threshold down, each with a higher credit "
                       "than the one before (lower uptime, higher credit)")
