"""A clock says once what starts it and once what stops it."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA208": "a clock without a start or stop event, or with two"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for clock in ctx.tree.of_type(s.ClockDecl):
        for which in ("starts", "stops"):
            stmts = [st for st in clock.stmts
                     if isinstance(st, s.ClockEventStmt) and st.which == which]
            if not stmts:
                yield diag("SLA208", f"clock {clock.name.text!r} never says what {which} it",
                           clock.name.span, f"add e.g. `{which} at "
                           f"{'created' if which == 'starts' else 'resolved'}`")
            for extra in stmts[1:]:
                yield diag("SLA208", f"clock {clock.name.text!r} {which} twice", extra.span,
                           f"a clock {which} at one event; keep the line at {stmts[0].span}")
        for what in ("reopen", "priority change"):
            ons = [st for st in clock.stmts if isinstance(st, s.OnStmt) and st.what == what]
            for extra in ons[1:]:
                yield diag("SLA208", f"clock {clock.name.text!r} says `on {what}` twice",
                           extra.span, "keep one")
