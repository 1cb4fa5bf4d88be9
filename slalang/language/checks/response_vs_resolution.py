"""A response target longer than the resolution target it precedes is almost surely a typo."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA205": "a response target longer than the resolution target (warning)"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    pairs = list(_response_resolution_pairs(ctx))
    for tier in ctx.tree.of_type(s.TierDecl):
        if ctx.tiers.get(tier.name.text) is not tier or not ctx.chain_complete(tier.name.text):
            continue
        flat = ctx.flat_tier(tier.name.text)
        for response, resolution in pairs:
            for priority in ctx.priorities:
                a = flat.targets.get((response, priority))
                b = flat.targets.get((resolution, priority))
                if (a and b and a.seconds is not None and b.seconds is not None
                        and a.calendar == b.calendar and a.seconds > b.seconds
                        and tier.name.text in (a.origin, b.origin)):
                    yield diag("SLA205", f"in tier {tier.name.text!r} the {response} target for "
                               f"{priority} is longer than its {resolution} target",
                               a.span if a.origin == tier.name.text else b.span,
                               "a ticket resolved in time would miss its response target; "
                               "check the two durations", severity="warning")


def _stop(clock: s.ClockDecl) -> str | None:
    for st in clock.stmts:
        if isinstance(st, s.ClockEventStmt) and st.which == "stops":
            return st.event.kind.text
    return None


def _response_resolution_pairs(ctx: CheckContext) -> Iterator[tuple[str, str]]:
    """Clocks stopping at the first response, paired with clocks stopping at resolution."""
    stops = {name: _stop(clock) for name, clock in ctx.clocks.items()}
    for a, stop_a in stops.items():
        if stop_a == "first_response":
            for b, stop_b in stops.items():
                if stop_b in ("resolved", "closed"):
                    yield a, b
