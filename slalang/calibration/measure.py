"""Measuring a ticket history for calibration: one evaluation under the policy (or under one
tier for every customer), whose per-ticket elapsed times the calibration and the backtest read.
"""

from __future__ import annotations

import dataclasses

from slalang.data.table import Categorical, TicketTable
from slalang.errors import SlalangError
from slalang.model import Customer, Roster
from slalang.plan.compiled import Plan


def under_tier(plan: Plan, tickets: TicketTable, roster: Roster | None, tier: str
               ) -> tuple[TicketTable, Roster]:
    """The tickets and a roster that put every customer on ``tier`` at its list fee.

    A customer keeps its covered services (so its downtime is measured) but not a fee
    negotiated for its current tier; customers the roster does not list are added. The
    tickets' own tier column is dropped, since the roster now decides.
    """
    if tier not in plan.tiers:
        raise SlalangError(f"no tier {tier!r} in the policy; its tiers: {', '.join(plan.tiers)}")
    listed = {c.key: c for c in (roster.customers if roster is not None else ())}
    customers = [Customer(c.name, tier, None, c.services, c.id) for c in listed.values()]
    known = set(listed) | {c.name for c in listed.values()}
    customers += [Customer(name, tier, None, ()) for name in tickets.customer.labels
                  if name and name not in known]
    forced = dataclasses.replace(tickets, tier=Categorical.absent(len(tickets.id)))
    return forced, Roster(tuple(customers), roster.source_path if roster else "")
