"""A target longer than a year is a typo (``P1 4000000h``), and beyond what the clocks, the
contract's figures and the evaluation's 64-bit seconds are built for."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag
from slalang.language.values import duration_seconds, format_duration

CODES = {"SLA310": "a target longer than a year"}

#: a leap year of round-the-clock time: far beyond any real promise, and small enough that
#: every later stage (business-time arithmetic, int64 seconds, the contract's hours) holds it
MAX_TARGET_SECONDS = 366 * 24 * 3600


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if not isinstance(stmt, s.TargetLine):
                continue
            for item in stmt.items:
                seconds = duration_seconds(item.duration.text)
                if seconds is not None and seconds > MAX_TARGET_SECONDS:
                    shown = item.duration.text
                    shown = shown if len(shown) <= 20 else shown[:16] + "..."
                    yield diag("SLA310", f"a {stmt.metric.text} target of {shown} for "
                               f"{item.priority.text} is longer than a year",
                               item.duration.span,
                               f"targets are at most {format_duration(MAX_TARGET_SECONDS)} "
                               "(a year); a wrong unit? 40h, not 40000h")
