"""Uptime credits and uptime promises must fit together: a credit step above the promised
uptime pays out in months that keep the promise, and a credit with no promise backs nothing
the contract states."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA309": "an uptime credit above the uptime promise, or with no promise (warning)"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for tier in ctx.tree.of_type(s.TierDecl):
        name = tier.name.text
        if ctx.tiers.get(name) is not tier or not ctx.chain_complete(name):
            continue  # duplicates and broken chains are reported as such
        flat = ctx.flat_tier(name)
        if flat.uptime_credit is None:
            continue
        credit, credit_origin = flat.uptime_credit
        if not flat.uptime:
            if credit_origin == name:
                yield diag("SLA309", f"tier {name!r} credits low uptime but promises none",
                           credit.span, f"state the promise the credit backs, e.g. `uptime "
                           f"{credit.steps[0].below}`, or drop the credit", "warning")
            continue
        top = credit.steps[0]
        # one clause covers every service (the worst decides), so it is sized to the highest
        # promise; only a step above all of them pays out in a month that keeps every promise
        promise, promise_origin = max(flat.uptime.values(), key=lambda p: p[0].percent.value)
        if name not in (credit_origin, promise_origin):
            continue  # reported on the tier that wrote the credit or the promise
        if top.below.value > promise.percent.value:
            yield diag("SLA309", f"tier {name!r} credits uptime below {top.below} but "
                       f"promises at most {promise.percent}: a month between the two keeps the "
                       "promise and still earns a credit", top.span,
                       f"start the steps at the promise (`credit ... when uptime < "
                       f"{promise.percent}`), or raise the promise", "warning")
