"""The evaluation entry point: per-ticket outcomes aggregated per customer and month.

:func:`evaluate` runs the kernel (:mod:`slalang.evaluation.kernel`) on the tickets, then
computes, for every customer (the roster's and those found in the tickets) and every month of
the period: compliance per metric and priority against the objective, uptime per covered
service, and the service credit with its clause breakdown. The period totals aggregate the
months: compliance over the period's tickets, the credit as the sum of the (capped) monthly
credits.

The counts stay columnar (:class:`~slalang.evaluation.compliance.Aggregate`); Python objects
are built only where a customer-month has something to compute one by one (uptime, credit
clauses), and on demand (:attr:`Evaluation.months`, :attr:`Evaluation.customers`) for the
renderings of a small evaluation. A million tickets over thousands of customers stay arrays.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from slalang.evaluation.kernel import customer_namer, evaluate_batch, finish
from slalang.evaluation.periods import Period, PeriodError, parse_period, period_covering
from slalang.evaluation.result import (  # noqa: F401 - the result's names, where they were
    CustomerMonth,
    CustomerPeriod,
    Evaluation,
    Objectives,
    combined_hash,
)

if TYPE_CHECKING:  # the stages above and below, for annotations only
    from slalang.data import DowntimeTable, TicketTable
    from slalang.evaluation.outcomes import Outcomes
    from slalang.model import Roster
    from slalang.plan import Plan

__all__ = ["CustomerMonth", "CustomerPeriod", "Evaluation", "customer_namer", "evaluate",
           "resolve_period"]


def resolve_period(plan: Plan, period: Period | str | None, created: np.ndarray) -> Period:
    """The period: given (as text in the policy's zone), else the whole months spanning the
    ``created`` instants."""
    zone = plan.timezone
    if isinstance(period, str):
        period = parse_period(period, zone)
    if period is None:
        period = period_covering(np.asarray(created), zone)
        if period is None:
            raise PeriodError("no period given and no ticket to infer one from: use --period")
    return period


def _no_ticket_left(tickets: TicketTable) -> str:
    """Why a table has no ticket to infer a period from, when its rows were all rejected."""
    rejected = len(getattr(tickets, "rejected", ()) or ())
    if len(tickets.created_at) or not rejected:
        return ""
    return f" (all {rejected} rows read were rejected; the table's rejected list names them)"


def evaluate(plan: Plan, tickets: TicketTable | str | Path, downtime: DowntimeTable | None,
             roster: Roster | None, as_of: int | None = None,
             period: Period | str | None = None, *, outcomes: Outcomes | None = None,
             engine: str = "auto", **options: Any) -> Evaluation:
    """Evaluate ``plan`` on ``tickets`` (and ``downtime``) for each customer and month.

    Args:
        plan: the compiled plan.
        tickets: a TicketTable (evaluated in memory), or the path of an input to read with
            the ``engine`` asked for (``auto``, ``memory``, ``chunks``, ``dask``; the other
            ``options`` are :func:`~slalang.evaluation.drivers.evaluate_input`'s).
        downtime: a DowntimeTable (or records), or None.
        roster: the customer Roster, or None.
        as_of: epoch seconds; default the end of the period (reproducible results).
        period: a Period or its text (``2026-07``, ``2026-Q3``, ``2026-07-01..2026-09-30``);
            default the whole months spanning the tickets' creation instants.
        outcomes: precomputed per-ticket outcomes (default: ``compute_outcomes``).
    """
    if isinstance(tickets, str | Path):
        from slalang.evaluation.drivers import evaluate_input

        return evaluate_input(plan, tickets, options.pop("events", None), downtime, roster,
                              as_of, period, engine=engine, **options).evaluation
    from slalang.engines import ENGINES
    from slalang.evaluation.drivers import check_arguments

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})")
    if engine not in ("auto", "memory") or options:
        raise ValueError("a TicketTable is evaluated in memory: give the input's path for "
                         "the chunks or dask engine")
    check_arguments(plan, as_of, period)
    if isinstance(downtime, str | Path):  # a file, as a path of tickets takes one
        from slalang.data import read_downtime

        downtime = read_downtime(downtime)
    try:
        period = resolve_period(plan, period, tickets.created_at)
    except PeriodError as exc:
        why = _no_ticket_left(tickets)
        if not why:
            raise
        raise PeriodError(str(exc).replace(" to infer one from", f" to infer one from{why}")
                          ) from None
    if as_of is None:
        as_of = period.end
    # one batch, its verdicts kept for the CSV and the explanations; the listed tickets are
    # taken from them only if a writer asks
    partial = evaluate_batch(plan, tickets, roster, int(as_of), period, outcomes=outcomes,
                             listed=False, keep_verdicts=True)
    from slalang.data.counts import InputCounts

    counts = InputCounts.of(tickets, tickets.shape) if hasattr(tickets, "shape") else None
    return finish(partial, downtime=downtime, data_hash=tickets.data_hash,
                  input_counts=counts)
