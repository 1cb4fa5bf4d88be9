"""Measuring a ticket history for calibration: one evaluation under the policy (or under one
tier for every customer), whose per-ticket elapsed times the calibration and the backtest read.

A large CSV export is measured chunk by chunk (:func:`measure_input`): each chunk's verdicts
give its measured rows (:class:`~slalang.calibration.calibrate.Measured`, 17 bytes a ticket
and metric) while its counts join the evaluation's sum, so calibrating the 10m bench set no
longer needs the whole table in memory (49 s and 7.0 GB read whole; 11-16 s and 1.25 GB on
the chunked engine's worker processes). The rows, the evaluation and so every calibration,
backtest and draft are the ones the whole read gives.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from slalang.calibration.calibrate import (
    Measured,
    MeasuredParts,
    measured,
    measured_rows,
)
from slalang.data.table import Categorical, TicketTable
from slalang.errors import SlalangError
from slalang.evaluation.result import Evaluation
from slalang.model import Customer, Roster
from slalang.plan.compiled import Plan


def under_tier(plan: Plan, tickets: TicketTable, roster: Roster | None, tier: str
               ) -> tuple[TicketTable, Roster]:
    """The tickets and a roster that put every customer on ``tier`` at its list fee.

    A customer keeps its covered services (so its downtime is measured) but not a fee
    negotiated for its current tier; customers the roster does not list are added. The
    tickets' own tier column is dropped, since the roster now decides.
    """
    forced = dataclasses.replace(tickets, tier=Categorical.absent(len(tickets.id)))
    return forced, tier_roster(plan, roster, tier, tickets.customer.labels)


def tier_roster(plan: Plan, roster: Roster | None, tier: str, names) -> Roster:
    """The roster of :func:`under_tier`: the listed customers and the ``names`` (tickets'
    customer labels) it does not list, every one on ``tier``."""
    if tier not in plan.tiers:
        raise SlalangError(f"no tier {tier!r} in the policy; its tiers: {', '.join(plan.tiers)}")
    listed = {c.key: c for c in (roster.customers if roster is not None else ())}
    customers = [Customer(c.name, tier, None, c.services, c.id) for c in listed.values()]
    known = set(listed) | {c.name for c in listed.values()}
    customers += [Customer(name, tier, None, ()) for name in names
                  if name and name not in known]
    return Roster(tuple(customers), roster.source_path if roster else "")


@dataclass(frozen=True)
class MeasuredInput:
    """An input measured: its evaluation (without per-ticket verdicts when read in chunks),
    the measured rows, and how many tickets were kept to evaluate."""

    evaluation: Evaluation
    measured: Measured
    tickets: int


def measure_input(plan: Plan, tickets: str | Path, events: str | Path | None, downtime,
                  roster: Roster | None, *, period=None, as_of: int | None = None,
                  tier: str | None = None, mapping=None, chunk_rows: int | None = None,
                  workdir: str | None = None, whole: bool = False, progress=None,
                  scheduler: str | None = None) -> MeasuredInput:
    """Evaluate an input's files for calibration (every customer on ``tier`` when given):
    read whole, or chunk by chunk when it is a CSV export of 256 MiB or more (``chunk_rows``
    forces chunks, ``whole`` the whole read), or a partition per task for a dataset written
    by ``slalang convert``: on the worker processes here, or on Dask when ``scheduler`` is
    named (as for ``evaluate``).
    ``progress(phase, done, total)`` is called as the chunks are read and evaluated."""
    from slalang.data.dataset import is_dataset
    from slalang.engines import reads_in_chunks
    from slalang.evaluation.drivers import choose_engine

    engine = "auto" if scheduler is None else "dask"  # a scheduler named: Dask or an error
    chosen = choose_engine(engine, tickets, events, mapping)[0]
    if not whole and (chosen == "dask" or is_dataset(tickets)):
        # a dataset: a partition per task, as `evaluate` runs it (on the worker processes
        # here, or on the Dask cluster named)
        from slalang.evaluation.drivers import refuse_beside_dataset
        from slalang.evaluation.partitions import evaluate_dataset

        refuse_beside_dataset(tickets, events, mapping)
        if tier is not None:
            tier_roster(plan, roster, tier, ())  # an unknown tier: refused before starting
        collector = _Collector(plan, tier)
        ev, _ = evaluate_dataset(chosen, plan, str(tickets), downtime, roster, as_of, period,
                                 scheduler=scheduler, list_tickets=False, progress=progress,
                                 hook=_TierHook(tier), collector=collector)
        return MeasuredInput(ev, collector.parts.result(), ev.input.tickets)
    if whole or not reads_in_chunks(tickets, events, mapping,
                                    any_size=chunk_rows is not None):
        from slalang.evaluation import evaluate
        from slalang.evaluation.drivers import read_whole

        table = read_whole(tickets, events, mapping, None)
        if tier is not None:
            table, roster = under_tier(plan, table, roster, tier)
        ev = evaluate(plan, table, downtime, roster, as_of=as_of, period=period)
        return MeasuredInput(ev, measured(ev), len(table.id))
    from slalang.data.stream import NotStreamable
    from slalang.evaluation.streaming import DEFAULT_CHUNK_ROWS, evaluate_chunked

    if tier is not None:
        tier_roster(plan, roster, tier, ())  # an unknown tier is refused before any reading
    collector = _Collector(plan, tier)
    try:  # the chunked engine: the chunks evaluated on every core, the hook in the worker
        ev, _ = evaluate_chunked(plan, tickets, events, downtime, roster, as_of, period,
                                 chunk_rows=chunk_rows or DEFAULT_CHUNK_ROWS,
                                 workdir=workdir, list_tickets=False, progress=progress,
                                 hook=_TierHook(tier), collector=collector)
    except NotStreamable:  # a malformed row or an unreadable instant: the whole read names it
        return measure_input(plan, tickets, events, downtime, roster, period=period,
                             as_of=as_of, tier=tier, mapping=mapping, workdir=workdir,
                             whole=True, progress=progress)
    return MeasuredInput(ev, collector.parts.result(), ev.input.tickets)


@dataclass(frozen=True)
class _TierHook:
    """In the worker evaluating a chunk: every customer put on ``tier`` (when given), and
    the chunk's measured rows kept (:class:`~slalang.evaluation.workers.ChunkHook`)."""

    tier: str | None

    def prepare(self, plan, table, roster):
        return (table, roster) if self.tier is None else under_tier(plan, table, roster,
                                                                    self.tier)

    def collect(self, verdicts) -> Measured:
        return measured_rows(verdicts.outcomes, verdicts.tickets,
                             verdicts.ticket_bucket).only_usable()


class _Collector:
    """In the main process: the chunks' measured rows in order, and the roster that puts
    every customer of every chunk on the tier (:class:`~slalang.evaluation.streaming.
    ChunkCollector`)."""

    def __init__(self, plan: Plan, tier: str | None) -> None:
        self.plan, self.tier = plan, tier
        self.parts = MeasuredParts()

    def start(self) -> None:
        self.parts = MeasuredParts()

    def add(self, extra) -> None:
        self.parts.add(extra)

    def roster(self, roster: Roster | None) -> Roster | None:
        if self.tier is None:
            return roster
        return tier_roster(self.plan, roster, self.tier, tuple(self.parts.labels))
