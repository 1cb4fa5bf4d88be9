"""Percentages stay within 0-100: objectives, uptime, credit steps; the credit cap too."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {
    "SLA301": "a percentage (objective, uptime, credit) outside 0-100",
    "SLA304": "a credit cap above 100 %",
}

HUNDRED = Decimal(100)


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if isinstance(stmt, s.CapStmt):
                if stmt.percent.value > HUNDRED:
                    yield diag("SLA304", f"a cap of {stmt.percent} credits more than the fee",
                               stmt.percent.span, "a cap is a share of the monthly fee: at "
                               "most 100%")
                continue
            for what, pct in percents(stmt):
                if pct.value > HUNDRED:
                    yield diag("SLA301", f"{what} {pct} is above 100%", pct.span,
                               "percentages run from 0% to 100%")


def percents(stmt) -> Iterator[tuple[str, s.Percent]]:
    """(what, percentage) for each percentage a tier statement writes (the cap aside)."""
    if isinstance(stmt, s.TargetLine) and stmt.objective is not None:
        yield "objective", stmt.objective
    elif isinstance(stmt, s.UptimeStmt):
        yield "uptime", stmt.percent
    elif isinstance(stmt, s.UptimeCreditStmt):
        for step in stmt.steps:
            yield "credit", step.percent
            yield "uptime threshold", step.below
    elif isinstance(stmt, s.ObjectiveCreditStmt):
        yield "credit", stmt.percent
