"""Money is in the header's currency."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA306": "money in a currency other than the header's"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    currency = ctx.currency
    if currency is None:
        return
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if isinstance(stmt, s.FeeStmt) and stmt.currency.text != currency:
                yield diag("SLA306", f"fee in {stmt.currency.text} but the policy's currency "
                           f"is {currency}", stmt.currency.span,
                           f"state every amount in {currency}, or change the header's currency")
