"""A policy that declares its statuses names no other one.

``statuses { ... }`` is optional. When it is there, a clock pausing on, starting or stopping at
a status outside it, or an exclusion testing ``status`` against one, is an error: a misspelt
pause status (``waiting_on_custmer``) would simply never pause, and nothing in the data would
say so. Without the declaration, ``evaluate`` still warns about statuses the data never has.
"""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic, did_you_mean
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA209": "a clock or exclusion names a status the policy's `statuses` does not declare"}


def _named(ctx: CheckContext) -> Iterator[tuple[s.Ident, str]]:
    """Every status a clock or exclusion names, with where it is used."""
    for clock in ctx.tree.of_type(s.ClockDecl):
        for st in clock.stmts:
            if isinstance(st, s.PausesStmt):
                for name in st.statuses:
                    yield name, f"clock {clock.name.text!r} pauses on it"
            elif isinstance(st, s.ClockEventStmt) and st.event.status is not None:
                yield st.event.status, f"clock {clock.name.text!r} {st.which} at it"


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    decls = ctx.tree.of_type(s.StatusesDecl)
    if not decls:
        return
    declared = [item.name.text for d in decls for item in d.items]
    where = decls[0].span
    for name, use in _named(ctx):
        if name.text in declared:
            continue
        mean = did_you_mean(name.text, declared)
        hint = (f"{mean} (declared at {where})" if mean else
                f"declare it in `statuses` ({where}) or use one of: {', '.join(declared)}")
        yield diag("SLA209", f"status {name.text!r} is not among the declared statuses ({use})",
                   name.span, hint)
    for ex in ctx.tree.of_type(s.ExclusionDecl):
        for cond in ex.conditions:
            if cond.field.text != "status":
                continue
            for value in cond.values:
                if value not in declared:
                    mean = did_you_mean(value, declared)
                    yield diag("SLA209", f"status {value!r} is not among the declared "
                               "statuses (an exclusion tests it)", cond.span,
                               mean or f"declare it in `statuses` ({where})")
