"""Every reference names something defined: calendars, tiers, priorities, metrics."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic, did_you_mean
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {
    "SLA101": "undefined calendar",
    "SLA102": "undefined tier",
    "SLA103": "undefined priority",
    "SLA104": "undefined metric (no clock of that name)",
}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    tables = {
        "SLA101": ("calendar", ctx.calendars),
        "SLA102": ("tier", ctx.tiers),
        "SLA103": ("priority", ctx.priorities),
        "SLA104": ("metric", ctx.clocks),
    }
    for code, ident in _references(ctx.tree):
        kind, table = tables[code]
        if ident.text not in table:
            hint = did_you_mean(ident.text, table) or _nothing_defined(kind, table)
            yield diag(code, f"undefined {kind} {ident.text!r}", ident.span, hint)


def _nothing_defined(kind: str, table: dict) -> str | None:
    if table:
        plural = "priorities" if kind == "priority" else f"{kind}s"
        return f"defined {plural}: {', '.join(table)}"
    return None if kind == "tier" else f"no {kind} is defined in this policy"


def _references(tree: s.PolicyFile) -> Iterator[tuple[str, s.Ident]]:
    for decl in tree.declarations:
        if isinstance(decl, s.ExclusionDecl) and decl.during is not None:
            yield "SLA101", decl.during
        elif isinstance(decl, s.MatrixDecl):
            for row in decl.rows:
                yield "SLA103", row.priority
        elif isinstance(decl, s.SupportDecl):
            for st in decl.stmts:
                if isinstance(st, s.ChannelStmt):
                    if st.calendar is not None:
                        yield "SLA101", st.calendar
                    for p in st.priorities:
                        yield "SLA103", p
        elif isinstance(decl, s.TierDecl):
            if decl.extends is not None:
                yield "SLA102", decl.extends
            for stmt in decl.stmts:
                if isinstance(stmt, s.TargetLine):
                    yield "SLA104", stmt.metric
                    if stmt.calendar is not None:
                        yield "SLA101", stmt.calendar
                    for item in stmt.items:
                        yield "SLA103", item.priority
                        if item.calendar is not None:
                            yield "SLA101", item.calendar
                elif isinstance(stmt, s.ObjectiveCreditStmt):
                    yield "SLA104", stmt.metric
                    yield "SLA103", stmt.priority
