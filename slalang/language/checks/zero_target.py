"""A target of zero (``P1 0m``) can only be met by an instant stop: almost surely a typo."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag
from slalang.language.values import duration_seconds

CODES = {"SLA307": "a target of zero"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if isinstance(stmt, s.TargetLine):
                for item in stmt.items:
                    # zero business seconds: met only when the clock stops the instant it
                    # starts, so every real ticket would breach
                    if duration_seconds(item.duration.text) == 0:
                        yield diag("SLA307", f"a {stmt.metric.text} target of "
                                   f"{item.duration.text} for {item.priority.text}: only an "
                                   "instant stop would meet it", item.duration.span,
                                   "give the time you promise, e.g. 15m")
