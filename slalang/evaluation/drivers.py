"""The drivers: which engine evaluates an input, chosen here, in the library.

Every engine runs the same kernel (:mod:`slalang.evaluation.kernel`); they differ in how
the input is cut into batches and where the batches run:

* ``memory``: the whole input read at once, one batch;
* ``chunks``: a CSV export read in chunks of tickets, evaluated in worker processes on
  every core (:mod:`slalang.evaluation.streaming`), memory bounded; a partitioned dataset
  (``slalang convert``), a partition per task on the same worker processes
  (:mod:`slalang.evaluation.partitions`);
* ``dask``: a partitioned dataset, a partition per task on a Dask cluster, partials merged
  in a tree (:mod:`slalang.evaluation.distributed`);
* ``auto``: ``chunks`` for a CSV export of 256 MiB or more, ``memory`` for a smaller one;
  ``chunks`` for a dataset (on one machine, its worker processes beat a local Dask cluster:
  the 10m bench set in 3.4 s and 0.83 GB against 3.8 s and 1.0 GB; with the JSON, 6.4
  against 11.2 s), ``dask`` when a scheduler is named.

Whatever the engine, the outputs are the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from slalang.engines import AUTO_BYTES, ENGINES, input_bytes
from slalang.evaluation.result import Evaluation
from slalang.evaluation.streaming import DEFAULT_CHUNK_ROWS

if TYPE_CHECKING:
    from slalang.data import DowntimeTable, TicketTable
    from slalang.evaluation.periods import Period
    from slalang.evaluation.streaming import Progress
    from slalang.model import Roster
    from slalang.plan import Plan



@dataclass
class Run:
    """An evaluation and how it was made."""

    evaluation: Evaluation
    #: the engine that ran (``auto`` resolved)
    engine: str
    #: verdict rows written to ``verdicts`` (None when none were asked)
    rows: int | None = None
    #: why the engine asked for was not the one that ran, for the user
    notes: list[str] = field(default_factory=list)


def check_arguments(plan: object, as_of: object, period: object, *,
                    workers: object = None, chunk_rows: object = None) -> None:
    """Refuse, at the entry, the arguments that would fail deep inside an evaluation (a
    Policy where a Plan goes, a period as a number, an instant as text) or be taken in
    silence (``chunk_rows=0``, ``workers=-3``): a ValueError or TypeError that says what
    to give."""
    from slalang.evaluation.periods import Period
    from slalang.model import Policy

    if isinstance(plan, Policy):  # the likely slip (anything shaped as a plan is taken)
        raise TypeError("a Policy where a compiled Plan goes: compile_plan(policy)")
    if as_of is not None and (isinstance(as_of, bool) or not isinstance(as_of, int | np.integer)):
        raise TypeError(f"as_of: epoch seconds (an int; parse_instant turns text into one), "
                        f"not {type(as_of).__name__}")
    if period is not None and not isinstance(period, str | Period):
        raise TypeError(f"period: a Period or its text ('2026-07', '2026-Q3', "
                        f"'2026-07-01..2026-09-30'), not {type(period).__name__}")
    for name, value in (("workers", workers), ("chunk_rows", chunk_rows)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")


def more_workers_than_cores(workers: int | None, engine: str, scheduler: str | None
                            ) -> str | None:
    """The note for worker processes started here beyond the cores this process may use
    (``--workers 64`` on two cores ran, slower, in silence): None when they fit, or when the
    workers are a remote cluster's."""
    from slalang.workpool import default_workers

    here = engine == "chunks" or (engine == "dask" and scheduler in (None, "local"))
    cores = default_workers()
    if workers is None or not here or workers <= cores:
        return None
    return (f"{workers} worker processes on the {cores} core(s) this process may use: the "
            "extra ones only take turns, with the memory of each; one per core is the "
            "default")


def choose_engine(engine: str, tickets: str | Path, events: str | Path | None,
                  mapping: object | None, chunk_rows: int | None = None
                  ) -> tuple[str, str | None]:
    """``(engine, note)``: the engine that will run, and why it is not the one asked for.

    >>> choose_engine("auto", "small.jsonl", None, None)
    ('memory', None)
    >>> choose_engine("chunks", "t.jsonl", None, None)
    ('memory', 'evaluating in memory: JSON Lines tickets are read whole')
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})")
    from slalang.data.dataset import is_dataset

    if is_dataset(tickets):  # a partition per task: here unless a cluster is asked for
        return ("chunks" if engine == "auto" else engine), None
    # a pipe is refused before it is read: by stream_refusal here, by the reader in memory
    if engine == "dask":  # the workers read a dataset's partitions, nothing else
        from slalang.errors import DataError

        raise DataError("the dask engine evaluates a dataset written by `slalang convert` "
                        "(its partitions are the workers' tasks), and this is not one: "
                        "convert the export first, or evaluate it on this machine",
                        file=str(tickets))
    if engine == "memory":
        return "memory", None
    from slalang.data.stream import stream_refusal

    refusal = stream_refusal(tickets, events, mapping)
    if engine == "chunks" or chunk_rows is not None:
        if refusal is not None:
            return "memory", f"evaluating in memory: {refusal}"
        return "chunks", None
    size = input_bytes(tickets, events)  # 0 for a missing file: the reader names it
    return ("chunks" if refusal is None and size >= AUTO_BYTES else "memory"), None


def evaluate_input(plan: Plan, tickets: str | Path, events: str | Path | None = None,
                   downtime: DowntimeTable | str | Path | None = None,
                   roster: Roster | None = None, as_of: int | None = None,
                   period: Period | str | None = None, *, mapping: object | None = None,
                   engine: str = "auto", workers: int | None = None,
                   scheduler: str | None = None, chunk_rows: int | None = None,
                   max_errors: int | float | None = None, verdicts: BinaryIO | None = None,
                   list_tickets: bool = True, progress: Progress | None = None) -> Run:
    """Read and evaluate an input with the engine asked for (see the module docstring).

    Args:
        plan, roster, as_of, period: as for :func:`~slalang.evaluation.evaluate`.
        tickets, events, mapping: the input files (a partitioned dataset directory for
            ``dask``), as for :func:`~slalang.data.read_tickets`.
        downtime: a DowntimeTable or the path of a downtime file.
        engine: ``auto``, ``memory``, ``chunks`` or ``dask``.
        workers: worker processes (chunks: default one per core for large inputs; dask: the
            local cluster's workers).
        scheduler: dask only (``auto`` with a scheduler is ``dask``): ``local`` (a
            LocalCluster started here, the default) or the address of a running scheduler
            (``tcp://host:8786``).
        chunk_rows: tickets per chunk (chunks).
        max_errors: how many refused input rows to tolerate, all files together.
        verdicts: a binary stream the per-ticket verdict CSV is written to.
        list_tickets: gather the breached and at-risk tickets the JSON lists.
        progress: called as ``progress(phase, done, total)`` while a long run goes on.
    """
    from slalang.data import read_downtime
    from slalang.data.dataset import is_dataset
    from slalang.data.read import check_errors

    check_arguments(plan, as_of, period, workers=workers, chunk_rows=chunk_rows)
    if as_of is not None and period is not None:
        # an instant before the period given is refused before anything is read: each
        # engine said another problem first (the rows its reading refused, or this)
        from slalang.evaluation.kernel import before_the_period
        from slalang.evaluation.periods import Period, parse_period

        before_the_period(as_of, period if isinstance(period, Period)
                          else parse_period(period, plan.timezone))
    refuse_beside_dataset(tickets, events, mapping)
    if scheduler is not None and engine == "auto":  # a cluster named: Dask, or an error
        engine = "dask"
    if chunk_rows is not None and is_dataset(tickets):
        raise ValueError("chunk_rows goes with a CSV export: a dataset's batches are its "
                         "partitions")
    chosen, note = choose_engine(engine, tickets, events, mapping, chunk_rows)
    notes = [note] if note else []
    crowded = more_workers_than_cores(workers, chosen, scheduler)
    if crowded:
        notes.append(crowded)
    down = (read_downtime(downtime, max_errors=max_errors)
            if isinstance(downtime, str | Path) else downtime)
    # the limit is of all files together: the readers, which know only the tickets and
    # events, leave it to the check below when there is downtime, whose refused rows (and
    # rows no customer-month measures, found at the end) join the sum (the memory and
    # chunked engines refused what a dataset accepted, 10% of 6 rows against 10% of 10, or
    # said 47 rows where a dataset said the 52 with the downtime's)
    early = None if down is not None and (getattr(down, "records", ()) or getattr(
        down, "rejected", ())) else max_errors
    ev: Evaluation | None = None
    rows: int | None = None
    if chosen == "dask" or (chosen == "chunks" and is_dataset(tickets)):
        from slalang.evaluation.partitions import evaluate_dataset

        ev, rows = evaluate_dataset(
            chosen, plan, str(tickets), down, roster, as_of=as_of, period=period,
            workers=workers, scheduler=scheduler, verdicts=verdicts,
            list_tickets=list_tickets, progress=progress)
    elif chosen == "chunks":
        from slalang.data.stream import NotStreamable
        from slalang.evaluation.streaming import evaluate_chunked

        try:
            ev, rows = evaluate_chunked(
                plan, tickets, events, down, roster, as_of=as_of, period=period,
                chunk_rows=DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows,
                max_errors=early,
                verdicts=verdicts, list_tickets=list_tickets, workers=workers,
                progress=progress)
        except NotStreamable as exc:
            notes.append(f"evaluating in memory: {exc}")
            chosen = "memory"
    if ev is None:
        from slalang.evaluation.evaluate import evaluate

        if progress is not None:  # one step each, that cannot count: the time they take
            progress("read", 0, 0)
        table = read_whole(tickets, events, mapping, early)
        if progress is not None:
            progress("evaluate", table.n, 0)
        ev = evaluate(plan, table, down, roster, as_of=as_of, period=period)
        if verdicts is not None:
            from slalang.evaluation.output.csv import write_verdicts

            rows = write_verdicts(ev, verdicts)
    if max_errors is not None:  # all files together, with the downtime no month measures
        check_errors(list(ev.rejected), max_errors, rows_read(ev, down))
    return Run(ev, chosen, rows if verdicts is not None else None, notes)


def read_whole(tickets: str | Path, events: str | Path | None, mapping: object | None,
               max_errors: int | float | None) -> TicketTable:
    """The whole input read at once (the in-memory engine's read): a dataset directory, or
    tickets (and events) through :func:`~slalang.data.read_tickets`."""
    from slalang.data.dataset import is_dataset, read_dataset

    if is_dataset(tickets):
        refuse_beside_dataset(tickets, events, mapping)
        return read_dataset(tickets)
    if Path(tickets).is_dir():
        from slalang.errors import DataError

        raise DataError("a directory, and not a dataset written by `slalang convert` (it has "
                        "no slalang-dataset.json)", file=str(tickets))
    from slalang.data import read_tickets

    return read_tickets(tickets, events=events, mapping=mapping, max_errors=max_errors)


def refuse_beside_dataset(tickets: str | Path, events: str | Path | None,
                          mapping: object | None) -> None:
    """A dataset written by ``slalang convert`` holds its tickets' events and was mapped
    when it was written: an events file or a mapping given beside it would be left unread,
    so it is refused, not dropped."""
    from slalang.data.dataset import is_dataset
    from slalang.errors import DataError

    if (events is not None or mapping is not None) and is_dataset(tickets):
        given = "an events file" if events is not None else "a mapping"
        raise DataError(f"{given} beside a dataset: the dataset written by `slalang convert` "
                        "holds its tickets' events, mapped when it was written; give the "
                        "dataset alone, or the export's files instead of it",
                        file=str(events if events is not None else tickets))


def rows_read(ev, downtime) -> int | None:
    """Rows read in every input file (tickets, events, downtime): the base of a
    ``--max-errors`` share; None when the evaluation does not know its input's counts."""
    counts = ev.input
    if counts is None:
        return None
    down = (len(downtime.records) + len(downtime.rejected)) if downtime is not None else 0
    return counts.read + counts.events_read + down
