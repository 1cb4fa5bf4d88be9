"""Checking: syntax tree -> checked :class:`~slalang.model.Policy` and every finding."""

from __future__ import annotations

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.build import build_policy
from slalang.language.checks import CHECKS
from slalang.language.context import CheckContext
from slalang.model import Policy


def check(tree: s.PolicyFile) -> tuple[Policy | None, list[Diagnostic]]:
    """Run every semantic check; build the policy when none of them found an error.

    Diagnostics are all collected (not first-error-only) and sorted by position.

    >>> from slalang.language import parse
    >>> policy, found = check(parse('policy "P" { version "1" }', "p.sla"))
    >>> policy is None, [d.code for d in found]
    (True, ['SLA206', 'SLA206', 'SLA206'])
    """
    ctx = CheckContext(tree)
    found: list[Diagnostic] = []
    for rule in CHECKS:
        found.extend(rule.run(ctx))
    found.sort(key=lambda d: (d.span.line, d.span.column, d.code))
    if any(d.severity == "error" for d in found):
        return None, found
    return build_policy(ctx), found
