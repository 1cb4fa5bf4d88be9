"""Words that must be one of a fixed set: clock events and options, exclusion subjects,
the reporting period."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic, did_you_mean
from slalang.language import syntax as s
from slalang.language.context import CLOCK_EVENTS, CheckContext, diag

CODES = {"SLA105": "a word outside its fixed set (clock event or option, exclusion subject, "
                   "period, who classifies, how credits are paid)"}

ON_CHOICES = {"reopen": ("resume", "restart"), "priority change": ("carry", "restart")}
SUBJECTS = ("tickets", "downtime")
PERIODS = ("month",)
CLASSIFIERS = ("provider", "customer")
PAYMENTS = ("credit_note", "deduction")


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    period = ctx.header_field("period")
    if period is not None:
        yield from _one_of(period.values[0], PERIODS, "reporting period")
    for decl in ctx.tree.declarations:
        if isinstance(decl, s.ClockDecl):
            for stmt in decl.stmts:
                if isinstance(stmt, s.ClockEventStmt) and stmt.event.status is None:
                    yield from _one_of(stmt.event.kind, CLOCK_EVENTS, "clock event",
                                       "or `status <name>` for the first entry into a status")
                elif isinstance(stmt, s.OnStmt):
                    yield from _one_of(stmt.action, ON_CHOICES[stmt.what],
                                       f"`on {stmt.what}` action")
        elif isinstance(decl, s.ExclusionDecl):
            yield from _one_of(decl.subject, SUBJECTS, "exclusion subject")
            if decl.during is not None and decl.subject.text == "tickets":
                yield diag("SLA105", "`during` applies only to downtime exclusions",
                           decl.during.span, "a ticket is excluded whole; drop `during`")
            if decl.notice is not None and decl.during is None:
                yield diag("SLA105", "`notice` applies to a maintenance window (`during`)",
                           decl.notice.span, "add `during <window>`, or drop `notice`")
        elif isinstance(decl, s.SupportDecl):
            for st in decl.stmts:
                if isinstance(st, s.ClassifiedStmt):
                    yield from _one_of(st.by, CLASSIFIERS, "`classified by` party")
        elif isinstance(decl, s.CreditTermsDecl):
            for st in decl.stmts:
                if isinstance(st, s.PaidByStmt):
                    yield from _one_of(st.how, PAYMENTS, "credit payment (`paid by`)")


def _one_of(ident: s.Ident, allowed: tuple[str, ...], what: str, extra: str = ""
            ) -> Iterator[Diagnostic]:
    if ident.text not in allowed:
        choices = " | ".join(allowed)
        hint = did_you_mean(ident.text, allowed) or f"one of: {choices} {extra}".strip()
        yield diag("SLA105", f"unknown {what} {ident.text!r}", ident.span, hint)
