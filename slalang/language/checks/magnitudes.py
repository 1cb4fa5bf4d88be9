"""Numbers beyond any real contract: a target longer than a year (``P1 4000000h``), a fee of a
trillion or more, or a percentage with more than 12 decimals is a typo, and beyond what the
clocks, the evaluation's 64-bit seconds and the contract's 28-digit Decimal arithmetic hold."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.checks.percent_ranges import percents
from slalang.language.context import CheckContext, diag
from slalang.language.values import duration_seconds, format_duration
from slalang.model import MAX_FEE

CODES = {"SLA310": "a target longer than a year, a fee of a trillion or more, or a percentage "
                   "with more than 12 decimals"}

#: a leap year of round-the-clock time: far beyond any real promise, and small enough that
#: every later stage (business-time arithmetic, int64 seconds, the contract's hours) holds it
MAX_TARGET_SECONDS = 366 * 24 * 3600
#: ``0.000000000001%`` still computes exactly; 22 decimals overflowed the evaluation
MAX_PERCENT_DECIMALS = 12


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            found = [pct for _, pct in percents(stmt)]
            for pct in found + ([stmt.percent] if isinstance(stmt, s.CapStmt) else []):
                if -pct.value.as_tuple().exponent > MAX_PERCENT_DECIMALS:
                    yield diag("SLA310", f"the percentage {_shown(f'{pct.value:f}')}% has more "
                               f"than {MAX_PERCENT_DECIMALS} decimals", pct.span,
                               "round it: no contract measures finer than that")
            if isinstance(stmt, s.FeeStmt) and stmt.amount >= MAX_FEE:
                yield diag("SLA310", f"a fee of {_shown(f'{stmt.amount:f}')} "
                           f"{stmt.currency.text} a month is a trillion or more", stmt.span,
                           "a wrong number? fees are below 1000000000000 a month")
            if not isinstance(stmt, s.TargetLine):
                continue
            for item in stmt.items:
                seconds = duration_seconds(item.duration.text)
                if seconds is not None and seconds > MAX_TARGET_SECONDS:
                    yield diag("SLA310", f"a {stmt.metric.text} target of "
                               f"{_shown(item.duration.text)} for "
                               f"{item.priority.text} is longer than a year",
                               item.duration.span,
                               f"targets are at most {format_duration(MAX_TARGET_SECONDS)} "
                               "(a year); a wrong unit? 40h, not 40000h")


def _shown(text: str) -> str:
    return text if len(text) <= 20 else text[:16] + "..."
