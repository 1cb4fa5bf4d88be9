"""``d``/``day``/``days`` in a duration: 24 hours of calendar time, or a business day?"""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag
from slalang.language.values import has_day_unit

CODES = {"SLA305": "ambiguous day unit in a duration"}

HINT = ("write 24h for a day of 24 hours of calendar time, or the business hours you mean "
        "(e.g. 8h on office)")


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if isinstance(stmt, s.TargetLine):
                for item in stmt.items:
                    if has_day_unit(item.duration.text):
                        yield diag("SLA305", f"ambiguous duration {item.duration.text!r}: "
                                   "a day unit has no fixed length", item.duration.span, HINT)
