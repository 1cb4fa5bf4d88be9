"""Per-ticket outcomes on every core of one process: a large table in contiguous slices,
one thread each, each writing its rows of the table's own verdict columns.

Outcomes are per ticket (a ticket's verdicts depend on its own row and events only), so
the slices' outcomes laid end to end are the whole table's, row for row: the columns
computed per ticket and metric are filled in place
(:class:`~slalang.evaluation.outcomes.VerdictColumns`), the few others concatenated.
Threads, not processes: the slices are views of the table (nothing copied, nothing
pickled) and numpy releases the interpreter lock inside its loops, which is where the time
goes. The calendars the slices share are built under a lock
(:class:`~slalang.businesstime.clock.BusinessClock`).

Threads pay only where they share one heap (:func:`slalang.allocator.heap_shared`: the
command line tunes its process so). With glibc's defaults each thread allocates from an
arena of its own and faults its memory in afresh: measured on the 1m bench set, threads then
saved no time and cost 0.12-0.14 s more CPU; with one heap kept, they took the run from
1.07-1.30 s to 1.01-1.17 s (medians of 12-14 alternated rounds). Elsewhere (the Python API,
a Dask worker running its own threads) a table is measured on one thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from slalang.data.table import Categorical, TicketTable
from slalang.evaluation.outcomes import (
    VERDICT_FIELDS,
    Outcomes,
    VerdictColumns,
    table_outcomes,
)
from slalang.evaluation.workers import default_workers
from slalang.model import Roster
from slalang.plan.compiled import Plan

#: tickets per thread below which a table is measured on one thread (a thread's start and
#: the concatenation cost more than they save on small tables)
THREAD_TICKETS = 200_000


#: the cores this process may run on
cores = default_workers


def compute_outcomes(plan: Plan, tickets: TicketTable, roster: Roster | None, as_of: int,
                     threads: int | None = None) -> Outcomes:
    """Every ticket's verdict for every metric of the plan, as of ``as_of`` (epoch seconds):
    :func:`~slalang.evaluation.outcomes.table_outcomes` on ``threads`` slices of the table at
    once (default: one per core, each of at least :data:`THREAD_TICKETS` tickets, where the
    threads share one heap; else one)."""
    from slalang.allocator import heap_shared

    n = len(tickets.id)
    if threads is None:
        k = min(cores(), n // THREAD_TICKETS) if heap_shared() else 1
    else:
        k = min(threads, n)
    if k <= 1 or not isinstance(tickets, TicketTable):
        return table_outcomes(plan, tickets, roster, as_of)
    bounds = [n * i // k for i in range(k + 1)]
    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    plan.calendars  # noqa: B018 -- compiled here, once, not by racing threads
    # each slice fills its rows of the table's columns: nothing laid end to end afterwards
    columns = VerdictColumns.allocate(n, len(plan.metrics))
    with ThreadPoolExecutor(k, thread_name_prefix="slalang-outcomes") as pool:
        outs = list(pool.map(lambda ab: table_outcomes(
            plan, tickets.slice(*ab), roster, as_of, columns.rows(*ab)), spans))
    return concat_outcomes(outs, bounds[:-1], len(tickets.rejected), columns)


def concat_outcomes(parts: list[Outcomes], first_ticket: list[int], read_rejected: int,
                    columns: VerdictColumns | None = None) -> Outcomes:
    """The outcomes of consecutive slices of one table as the table's: ticket indices
    shifted by each slice's first ticket; the rejections read with the table (which every
    slice carries) once, then each slice's invalid tickets in order. ``columns``: the
    table's columns, which the slices filled row by row (taken as they are)."""
    first = parts[0]

    def cat(name: str) -> np.ndarray:
        if columns is not None and name in VERDICT_FIELDS:
            return getattr(columns, name).reshape(-1)
        return np.concatenate([getattr(p, name) for p in parts])

    return Outcomes(
        ticket=np.concatenate([p.ticket + s for p, s in zip(parts, first_ticket, strict=True)]),
        metric=cat("metric"),
        metrics=first.metrics,
        tier=Categorical(np.concatenate([p.tier.codes for p in parts]), first.tier.labels),
        priority=Categorical(np.concatenate([p.priority.codes for p in parts]),
                             first.priority.labels),
        status=cat("status"),
        elapsed=cat("elapsed"),
        target=cat("target"),
        due_at=cat("due_at"),
        stopped_at=cat("stopped_at"),
        plan_row=cat("plan_row"),
        exclusion=cat("exclusion"),
        as_of=first.as_of,
        rejected=list(first.rejected[:read_rejected])
        + [r for p in parts for r in p.rejected[read_rejected:]],
        status_names=first.status_names,
    )
