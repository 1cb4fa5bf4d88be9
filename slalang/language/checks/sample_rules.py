"""A minimum-sample rule (``objective 95% over at least 20 tickets else at most 1 missed``)
needs whole numbers, a minimum of at least 2 (one ticket is no sample) and an allowance below
the minimum (an allowance of the minimum itself would pass any small month)."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA311": "a minimum-sample rule that is not a whole number, below 2 tickets, "
                   "or allows as many misses as its minimum"}

#: a larger minimum would never apply to a month of support tickets; bounded so the numbers
#: stay integers the evaluation can compare exactly
MAX_TICKETS = 1_000_000


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            rule = stmt.sample if isinstance(stmt, s.TargetLine) else None
            if rule is None:
                continue
            least = rule.min_tickets.text
            # the length first: int() refuses more than 4,300 digits (an internal error)
            if not _whole(least) or not 2 <= int(least) <= MAX_TICKETS:
                yield diag("SLA311", f"'over at least {least} tickets': the minimum must be a "
                           f"whole number of tickets from 2 to {MAX_TICKETS:,}",
                           rule.min_tickets.span, "e.g. over at least 20 tickets")
                continue
            if rule.allowed_misses is None:
                continue
            most = rule.allowed_misses.text
            if not _whole(most) or int(most) >= int(least):
                yield diag("SLA311", f"'else at most {most} missed' below a minimum of "
                           f"{least} tickets: the allowance must be a whole number smaller "
                           "than the minimum", rule.allowed_misses.span,
                           "e.g. else at most 1 missed")


def _whole(text: str) -> bool:
    """A whole number short enough for int() (any real count of tickets is)."""
    return text.isdigit() and len(text) <= 20
