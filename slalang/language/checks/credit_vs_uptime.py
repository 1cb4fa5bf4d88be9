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
        for service, (credit, credit_origin) in flat.uptime_credits.items():
            yield from _clause(name, flat, service, credit, credit_origin)


def _clause(name: str, flat, service: str | None, credit: s.UptimeCreditStmt,
            credit_origin: str) -> Iterator[Diagnostic]:
    # one clause for every service (the worst decides) is sized to the highest promise; a
    # clause for one service to that service's promise (or the promise for every service)
    if service is None:
        promises = list(flat.uptime.values())
    else:
        own = flat.uptime.get(service) or flat.uptime.get(None)
        promises = [own] if own else []
    of = f" of {service}" if service else ""
    if not promises:
        if credit_origin == name:
            what = f"of {service!r} " if service else ""
            yield diag("SLA309", f"tier {name!r} credits low uptime {what}but promises none",
                       credit.span, f"state the promise the credit backs, e.g. `uptime "
                       f"{service + ' ' if service else ''}{credit.steps[0].below}`, or drop "
                       "the credit", "warning")
        return
    top = credit.steps[0]
    promise, promise_origin = max(promises, key=lambda p: p[0].percent.value)
    if name not in (credit_origin, promise_origin):
        return  # reported on the tier that wrote the credit or the promise
    if top.below.value > promise.percent.value:
        yield diag("SLA309", f"tier {name!r} credits uptime{of} below {top.below} but "
                   f"promises at most {promise.percent}: a month between the two keeps the "
                   "promise and still earns a credit", top.span,
                   f"start the steps at the promise (`credit ... when uptime{of} < "
                   f"{promise.percent}`), or raise the promise", "warning")
