"""Measuring a ticket history for calibration: one evaluation under the policy (or under one
tier for every customer), whose per-ticket elapsed times the calibration and the backtest read.

A large CSV export is measured chunk by chunk (:func:`measure_input`): each chunk's verdicts
give its measured rows (:class:`~slalang.calibration.calibrate.Measured`, about 30 bytes a
ticket and metric) while its counts join the evaluation's sum, so calibrating the 10m bench
set no longer needs the whole table in memory. The rows, the evaluation and so every
calibration, backtest and draft are the ones the whole read gives.
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


class _NothingRead(Exception):
    """No chunk to evaluate."""


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
                  workdir: str | None = None, whole: bool = False, progress=None
                  ) -> MeasuredInput:
    """Evaluate an input's files for calibration (every customer on ``tier`` when given):
    read whole, or chunk by chunk when it is a CSV export of 256 MiB or more (``chunk_rows``
    forces chunks, ``whole`` the whole read). ``progress(phase, done, total)`` is called as
    the chunks are read and evaluated."""
    from slalang.engines import reads_in_chunks

    if whole or not reads_in_chunks(tickets, events, mapping,
                                    any_size=chunk_rows is not None):
        from slalang.data import read_tickets
        from slalang.evaluation import evaluate

        table = read_tickets(tickets, events=events, mapping=mapping)
        if tier is not None:
            table, roster = under_tier(plan, table, roster, tier)
        ev = evaluate(plan, table, downtime, roster, as_of=as_of, period=period)
        return MeasuredInput(ev, measured(ev), len(table.id))
    from slalang.data.stream import _Conversion
    from slalang.evaluation.scratch import scratch_dir
    from slalang.evaluation.streaming import DEFAULT_CHUNK_ROWS

    if tier is not None:
        tier_roster(plan, roster, tier, ())  # an unknown tier is refused before any reading
    try:
        return _measure_chunks(plan, tickets, events, downtime, roster, period, as_of, tier,
                               chunk_rows or DEFAULT_CHUNK_ROWS,
                               scratch_dir(workdir, (tickets, events)), progress)
    except (_Conversion, _NothingRead):  # the whole read names the row, or says why none
        return measure_input(plan, tickets, events, downtime, roster, period=period,
                             as_of=as_of, tier=tier, mapping=mapping, workdir=workdir,
                             whole=True, progress=progress)


def _measure_chunks(plan, tickets, events, downtime, roster, period, as_of, tier, rows: int,
                    workdir, progress) -> MeasuredInput:
    """:func:`measure_input` chunk by chunk (the sequential chunked reader, in this
    process). A ticket's verdict depends on its own rows alone, so each chunk's measured
    rows are the whole read's rows of those tickets; the roster every customer is put on
    ``tier`` by is made from every chunk's customers once they are all read, as the whole
    read makes it from the whole column."""
    from slalang.data.stream import file_digest, prepare_chunks, rejection_order
    from slalang.evaluation.evaluate import resolve_period
    from slalang.evaluation.kernel import Context, Partial, empty_partial, evaluate_batch, finish
    from slalang.evaluation.scratch import scratch_folder
    from slalang.evaluation.streaming import PartialSum

    digest = file_digest([tickets] + ([events] if events is not None else []))
    with scratch_folder(workdir) as tmp:
        prepared = prepare_chunks(tickets, events, rows, tmp, keep_created=period is None,
                                  progress=progress)
        per = resolve_period(plan, period, prepared.created)
        at = int(per.end if as_of is None else as_of)
        total = PartialSum(Context(plan, roster, at, per), empty_partial(plan, roster, at, per))
        parts = MeasuredParts()
        kept = 0
        n_chunks = max(-(-prepared.chunks.n // rows), 1)
        for done, (_, table) in enumerate(prepared.chunks.tables(prepared.blocks), start=1):
            batch_roster = roster
            if tier is not None:
                table, batch_roster = under_tier(plan, table, roster, tier)
            part = evaluate_batch(plan, table, batch_roster, at, per, listed=False,
                                  keep_verdicts=True)
            v = part.verdicts
            parts.add(measured_rows(v.outcomes, v.tickets, v.ticket_bucket).only_usable())
            total.add(dataclasses.replace(part, verdicts=None))
            del part, v  # the chunk's verdicts: its measured rows are kept
            kept += table.n
            if progress is not None:
                progress("evaluate", done, n_chunks)
        ingest = sorted(prepared.rejected + prepared.chunks.late_rejected,
                        key=rejection_order(str(tickets)))
    if not parts:  # no ticket to evaluate: the whole read says why
        raise _NothingRead
    if tier is not None:
        # every chunk's customer labels, in first-seen order, as the whole read's column
        roster = tier_roster(plan, roster, tier, tuple(parts.labels))
    summed = total.result()
    summed = Partial(Context(plan, roster, at, per), summed.counts, tuple(ingest),
                     summed.invalid, summed.listed, facts=summed.facts)
    ev = finish(summed, downtime=downtime, data_hash=digest.result())
    return MeasuredInput(ev, parts.result(), kept)
