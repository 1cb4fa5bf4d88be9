"""A fee with more than two decimals (``fee 4.000 EUR monthly``) is almost surely a
thousands separator: 4.000 reads as four euros, not four thousand."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA308": "an amount with more than two decimals"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if isinstance(stmt, s.FeeStmt) and -stmt.amount.as_tuple().exponent > 2:
                written = format(stmt.amount, "f")
                # as text: int() refuses more than 4,300 digits
                whole = written.replace(".", "").lstrip("0") or "0"
                yield diag("SLA308", f"fee {written} {stmt.currency.text} has more than two "
                           f"decimals: {written} is {stmt.amount.normalize():f} "
                           f"{stmt.currency.text}", stmt.span,
                           f"for {whole} {stmt.currency.text} write "
                           f"`fee {whole} {stmt.currency.text} monthly` (no thousands "
                           "separator); amounts have at most two decimals")
