"""A name defined twice, or one thing said twice where only once makes sense."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, credit_service, diag
from slalang.model import Span

CODES = {"SLA201": "a name or statement is defined more than once"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    tree = ctx.tree
    yield from _twice("header field", ((f.key, f.span) for f in tree.header.fields))
    yield from _twice("calendar", _named(tree.of_type(s.CalendarDecl)))
    yield from _twice("clock", _named(tree.of_type(s.ClockDecl)))
    yield from _twice("tier", _named(tree.of_type(s.TierDecl)))
    items = [i for block in tree.of_type(s.PrioritiesDecl) for i in block.items]
    yield from _twice("priority", ((i.code.text, i.code.span) for i in items))
    for kind, label in ((s.PrioritiesDecl, "priorities block"),
                        (s.MatrixDecl, "priority matrix")):
        yield from _twice(label, ((label, d.span) for d in tree.of_type(kind)))
    for kind, label in ((s.ScopeDecl, "scope block"), (s.SupportDecl, "support block"),
                        (s.CreditTermsDecl, "credits block"), (s.ReportingDecl, "reporting block")):
        yield from _twice(label, ((label, d.span) for d in tree.of_type(kind)))
    yield from _twice("label", ((d.code, d.code_span) for d in tree.of_type(s.LabelDecl)))
    yield from _terms(tree)
    for matrix in tree.of_type(s.MatrixDecl):
        yield from _twice("matrix row", ((r.values, r.span) for r in matrix.rows))
    for tier in tree.of_type(s.TierDecl):
        yield from _tier(tier)


def _named(decls: list) -> Iterable[tuple[str, Span]]:
    return ((d.name.text, d.name.span) for d in decls)


def _tier(tier: s.TierDecl) -> Iterator[Diagnostic]:
    where = f" in tier {tier.name.text!r}"
    singles = {s.FeeStmt: "fee", s.CapStmt: "cap"}
    for kind, label in singles.items():
        yield from _twice(label, ((label, st.span) for st in tier.stmts
                                  if isinstance(st, kind)), where)
    yield from _twice("uptime credit", ((credit_service(st), st.span) for st in tier.stmts
                                        if isinstance(st, s.UptimeCreditStmt)), where)
    lines = [st for st in tier.stmts if isinstance(st, s.TargetLine)]
    yield from _twice("target", (((ln.metric.text, i.priority.text), i.span)
                                 for ln in lines for i in ln.items), where)
    yield from _twice("objective", ((ln.metric.text, ln.objective.span)
                                    for ln in lines if ln.objective), where)
    yield from _twice("uptime target", ((st.service.text if st.service else None, st.span)
                                        for st in tier.stmts if isinstance(st, s.UptimeStmt)),
                      where)
    yield from _twice("objective credit", (((st.metric.text, st.priority.text), st.span)
                                           for st in tier.stmts
                                           if isinstance(st, s.ObjectiveCreditStmt)), where)


def _terms(tree: s.PolicyFile) -> Iterator[Diagnostic]:
    """A term said twice (``claim ...`` twice, two ``classified by``) contradicts itself."""
    keyed: list[tuple[object, Span]] = []
    for d in tree.of_type(s.SupportDecl):
        keyed += [("classified by", st.span) for st in d.stmts
                  if isinstance(st, s.ClassifiedStmt)]
        keyed += [(("channel", st.name.text), st.span) for st in d.stmts
                  if isinstance(st, s.ChannelStmt)]
    names = {s.ClaimStmt: "claim", s.PaidByStmt: "paid by", s.SoleRemedyStmt: "sole remedy"}
    for d in tree.of_type(s.CreditTermsDecl):
        keyed += [(names[type(st)], st.span) for st in d.stmts]
    for d in tree.of_type(s.ReportingDecl):
        keyed += [(st.kind, st.span) for st in d.stmts]
    yield from _twice("term", keyed)


def _twice(kind: str, keyed: Iterable[tuple[object, Span]], where: str = ""
           ) -> Iterator[Diagnostic]:
    first: dict[object, Span] = {}
    for key, span in keyed:
        if key in first:
            yield diag("SLA201", f"{_describe(kind, key)} is defined twice{where}", span,
                       f"the first definition is at line {first[key].line}; keep one")
        else:
            first[key] = span


def _describe(kind: str, key: object) -> str:
    if key == kind:
        return f"the {kind}"
    if isinstance(key, tuple):
        shown = " ".join("all services" if k is None else str(k) for k in key)
        return f"{kind} {shown!r}"
    return f"{kind} {'for all services' if key is None else repr(key)}"
