"""The chunked evaluation: the same results as :func:`~slalang.evaluation.evaluate`, in memory
that does not grow with the number of tickets.

Plain CSV files are read by the split reader (:mod:`slalang.data.split`, :func:`_run_split`):
cut into byte ranges that the worker processes parse, validate and evaluate, each byte
parsed once. Gzip files, which cannot be cut, are read by the sequential reader
(:mod:`slalang.data.stream`, :func:`_run`), whose passes over the input are
(docs/evaluation/scale.md):

1. the tickets' id column: repeated ids, and the index that places events;
2. the tickets, chunk by chunk, validated only: the rejections, and each ticket's creation
   when no period is given (the default ``as_of`` is the end of the period, so it must be
   known before any clock is measured);
3. the events, window by window, validated and sorted into one temporary file per chunk of
   tickets; without a period, the tickets with an event before creation are marked, so the
   period is inferred from the tickets the in-memory reader keeps;
4. the tickets again, chunk by chunk with their events: each chunk through the kernel
   (:func:`~slalang.evaluation.kernel.evaluate_batch`), the partials merged, verdict rows
   appended to the CSV.

A :class:`~slalang.evaluation.kernel.Partial` merges associatively, so the merged chunks give
the in-memory partial exactly; :func:`~slalang.evaluation.kernel.finish` does the rest as it
does for the in-memory path. Tickets stay in file order, so the verdict CSV is identical too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from slalang.evaluation.compliance import Aggregate
from slalang.evaluation.countsum import CountSum
from slalang.evaluation.kernel import Context, Partial, empty_partial, finish
from slalang.evaluation.periods import Period, parse_period, period_covering
from slalang.evaluation.result import Evaluation
from slalang.evaluation.scratch import scratch_dir, scratch_folder
from slalang.evaluation.workers import (
    BatchPool,
    ChunkHook,
    TaskPool,
    default_workers,
    evaluate_chunk,
)
from slalang.workpool import PROCESS_BYTES

#: called as ``progress(phase, done, total)``: ``"read"`` counts tickets, ``"evaluate"``
#: chunks (or partitions)
Progress = Callable[[str, int, int], None]

if TYPE_CHECKING:
    from slalang.data import DowntimeTable
    from slalang.model import Roster
    from slalang.plan import Plan

#: tickets per chunk by default: a chunk's working set is a hundred MiB or two
DEFAULT_CHUNK_ROWS = 100_000
#: listed tickets (breached, at risk) gathered from chunks before they are merged
_MERGE_ROWS = 500_000
#: chunks' partials gathered before they are merged (the counts are added as they come);
#: listed tickets are sorted again by each merge, so they wait
_MERGE_PARTS = 64
#: by default, chunks are evaluated in worker processes from this many tickets on
PROCESS_TICKETS = 250_000


def evaluate_chunked(plan: Plan, tickets: str | Path, events: str | Path | None,
                     downtime: DowntimeTable | None, roster: Roster | None,
                     as_of: int | None = None, period: Period | str | None = None, *,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS, max_errors: int | None = None,
                     verdicts: BinaryIO | None = None, workdir: str | Path | None = None,
                     list_tickets: bool = True, workers: int | None = None,
                     progress: Progress | None = None, hook: ChunkHook | None = None,
                     collector: ChunkCollector | None = None) -> tuple[Evaluation, int]:
    """Evaluate canonical CSV tickets (and events) chunk by chunk; ``(evaluation, verdict
    rows written)``.

    The evaluation equals ``evaluate(plan, read_tickets(tickets, events), ...)`` in every
    count, rejection and hash; it has no per-ticket fields (``outcomes``, ``tickets`` are
    None), so the per-ticket verdicts go to ``verdicts`` (a binary stream, CSV) as the chunks
    are evaluated. Temporary files go to ``workdir`` (default: shared memory when they
    surely fit there, else the system's temp folder: :mod:`~slalang.evaluation.scratch`).
    ``list_tickets`` False skips gathering the tickets the JSON output lists (breached, at
    risk) when no JSON is written. ``workers`` processes evaluate the chunks (default: one
    per core from 250,000 tickets on; 1 evaluates them in this process);
    ``progress(phase, done, total)`` is called as the input is read (``"read"``, tickets)
    and as chunks are evaluated (``"evaluate"``, chunks). ``hook`` prepares each chunk and
    collects from its verdicts in the worker that evaluates it, ``collector`` gathers what it
    collected in chunk order and gives the roster the evaluation is finished with (a verb
    that needs every ticket's verdict: ``calibrate``, a replayed ``diff``).

    Raises:
        NotStreamable: the input needs the in-memory reader (its message says why).
        DataError, PeriodError: as the in-memory path.
    """
    from slalang.data.source import require_file
    from slalang.data.split_passes import splittable
    from slalang.data.stream import NotStreamable, _Conversion, _Malformed, file_digest

    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    for path in (tickets, events):  # the hash's thread would wait on a pipe for good
        if path is not None:
            require_file(path)
    digest = file_digest([tickets] + ([events] if events is not None else []))
    workdir = scratch_dir(workdir, (tickets, events))
    from slalang.data.inflate import NotInflated, gzipped
    from slalang.data.split import NoSplit
    from slalang.errors import ScratchError

    try:
        if splittable(tickets, events):
            try:
                return _run_split(plan, tickets, events, downtime, roster, as_of, period,
                                  chunk_rows, max_errors, verdicts, workdir, digest,
                                  list_tickets, workers, progress, hook, collector)
            except NoSplit:  # a quoted line break: the sequential reader reads the file
                pass
        elif gzipped(tickets, events):  # decompressed once, then split as plain files
            start = _position(verdicts)
            try:
                return _run_inflated(plan, tickets, events, downtime, roster, as_of, period,
                                     chunk_rows, max_errors, verdicts, workdir, digest,
                                     list_tickets, workers, progress, hook, collector)
            except (NoSplit, NotInflated):  # the sequential reader reads the files
                pass
            except ScratchError:
                # the split reader's files did not fit beside the copies: the sequential
                # reader needs less room, but only while no verdict row has gone out (a
                # full disk in pass 4 wrote the rows again after a cut-off one)
                if verdicts is not None and (start is None or _position(verdicts) != start):
                    raise
        return _run(plan, tickets, events, downtime, roster, as_of, period, chunk_rows,
                    max_errors, verdicts, workdir, digest, list_tickets, workers, progress,
                    hook, collector)
    except _Malformed as exc:  # only raised before any verdict is written
        raise NotStreamable(str(exc)) from None
    except _Conversion as exc:  # only raised before any verdict is written
        raise NotStreamable(f"an instant the typed reader refuses ({exc})") from None


def _run(plan, tickets, events, downtime, roster, as_of, period, chunk_rows, max_errors,
         verdicts, workdir, digest, list_tickets, workers, progress, hook=None,
         collector=None) -> tuple[Evaluation, int]:
    from slalang.data.checks import add_notes
    from slalang.data.counts import all_rejected
    from slalang.data.read import check_errors
    from slalang.data.stream import prepare_chunks, rejection_order

    zone = plan.timezone
    if isinstance(period, str):
        period = parse_period(period, zone)
    order = rejection_order(str(tickets))

    with scratch_folder(workdir) as tmp:
        # passes 1 to 3: ids, every chunk validated, the events placed per chunk
        prepared = prepare_chunks(tickets, events, chunk_rows, tmp, period is None,
                                  max_errors, progress)
        chunks, blocks, ingest = prepared.chunks, prepared.blocks, prepared.rejected
        if period is None:
            period = period_covering(prepared.created, zone)
            if period is None:  # every ticket kept has a status event before creation
                for _ in chunks.tables(blocks):  # they are refused with their events
                    pass
                _all_early(str(tickets), chunks.n, ingest, chunks.late_rejected,
                           max_errors, prepared.rows_read)
        if as_of is None:
            as_of = period.end

        # pass 4: the kernel, chunk by chunk (in worker processes when there are several);
        # the partials merged in chunk order as they come
        context = Context(plan, roster, int(as_of), period)
        merged = PartialSum(context, empty_partial(plan, roster, int(as_of), period))
        evaluated = invisible = 0
        notes: dict = {}
        writer, rows = None, 0
        done_chunks = 0

        def take(done) -> None:
            nonlocal writer, rows, done_chunks
            for part, table, extra in done:
                if collector is not None:
                    collector.add(extra)
                if table is not None:
                    writer, written = _write_table(writer, verdicts, table)
                    rows += written
                merged.add(part)  # its rejections were counted in pass 2 (ingest)
                done_chunks += 1
                if progress is not None:
                    progress("evaluate", done_chunks, n_chunks)

        n_chunks = max(-(-chunks.n // chunk_rows), 1)
        if workers is None:  # starting processes costs about a second: worth it when large
            workers = default_workers() if chunks.n >= PROCESS_TICKETS else 1
        if collector is not None:
            collector.start()
        with BatchPool(context, min(workers, n_chunks), listed=list_tickets,
                       verdict_rows=verdicts is not None, hook=hook) as pool:
            for _, table in chunks.tables(blocks):
                evaluated += table.n
                invisible += table.invisible_ids  # the tickets' ids; the events' are the blocks'
                add_notes(notes, table.notes)
                take(pool.submit(table))
            take(pool.drain())
        total = merged.result()
        if writer is not None:
            writer[0].close()
        if chunks.late_rejected:  # found with the events (pass 4): as read_tickets counts them
            ingest = sorted(ingest + chunks.late_rejected, key=order)
            check_errors(ingest, max_errors, prepared.rows_read)
            if not evaluated:
                raise all_rejected(str(tickets), chunks.n, ingest)

    context = total.context
    if collector is not None:
        context = dataclasses.replace(context, roster=collector.roster(context.roster))
    total = Partial(context, total.counts, tuple(ingest), total.invalid, total.listed,
                    facts=total.facts)
    return finish(total, downtime=downtime, data_hash=digest.result(),
                  input_counts=prepared.input_counts(evaluated, invisible, notes)), rows


class PartialSum:
    """The chunks' partials merged in chunk order as they come: the counts added in place as
    each comes (:class:`~slalang.evaluation.countsum.CountSum`), the rest merged in batches.
    Merging re-sorts every listed ticket kept, so the partials are gathered and merged when
    their new listed rows outnumber those kept (or enough partials wait)."""

    def __init__(self, context: Context, start: Partial) -> None:
        self.context = context
        self.counts = CountSum()
        self.counts.add(start.counts)
        # the counts are summed apart: the partials merged carry none
        self.none = Aggregate.empty(start.counts.metrics, start.counts.priorities)
        self.total = dataclasses.replace(start, counts=self.none)
        self.parts: list[Partial] = []
        self.pending = self.kept = 0

    def add(self, part: Partial) -> None:
        """Add a chunk's partial, without its ingest rejections (counted with the input)."""
        self.counts.add(part.counts)
        self.parts.append(Partial(self.context, self.none, (), part.invalid, part.listed,
                                  facts=part.facts))
        if part.listed is not None:
            self.pending += part.listed.table.num_rows
        if self.pending >= max(_MERGE_ROWS, self.kept) or len(self.parts) >= _MERGE_PARTS:
            self._merge()

    def _merge(self) -> None:
        self.total = Partial.merge_all([self.total, *self.parts])
        self.parts, self.pending = [], 0
        listed = self.total.listed
        self.kept = listed.table.num_rows if listed is not None else 0

    def result(self) -> Partial:
        """Every partial added, merged."""
        self._merge()
        return dataclasses.replace(self.total, counts=self.counts.result())


def _write_table(writer, out: BinaryIO, table):
    """Append a chunk's verdict rows (the header with the first chunk)."""
    import pyarrow.csv as pcsv

    if writer is None:
        writer = (pcsv.CSVWriter(out, table.schema, write_options=pcsv.WriteOptions(
            quoting_style="needed")), table.schema)
    elif table.schema != writer[1]:  # e.g. a column all null in one chunk
        table = table.cast(writer[1])
    writer[0].write_table(table)
    return writer, table.num_rows


def _position(stream: BinaryIO | None) -> int | None:
    """Where a stream is (None: no stream, or one that cannot say, such as a pipe)."""
    try:
        return None if stream is None else stream.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _run_inflated(plan, tickets, events, downtime, roster, as_of, period, chunk_rows,
                  max_errors, verdicts, workdir, digest, list_tickets, workers, progress,
                  hook=None, collector=None) -> tuple[Evaluation, int]:
    """:func:`_run_split` on the gzipped files decompressed into a scratch folder
    (:mod:`slalang.data.inflate`), the evaluation and its errors naming the user's files.
    Raises :class:`~slalang.data.inflate.NotInflated` when a file does not decompress or
    fit, :class:`~slalang.data.split.NoSplit` for a quoted line break, ScratchError when the
    split reader's files do not fit beside the copies: the sequential reader then reads
    the files as they are."""
    from slalang.data.inflate import inflate, renamed, renamed_error

    if progress is not None:
        progress("read", 0, 0)  # decompressing: a step without counts, its time shown
    with scratch_folder(workdir) as folder:
        (plain_tickets, plain_events), names = inflate([tickets, events], folder)

        def remove_copies() -> None:  # read into the chunks: their room is the run's again
            for copy in names:
                with contextlib.suppress(OSError):  # else removed with the folder
                    os.unlink(copy)

        try:
            ev, rows = _run_split(plan, plain_tickets, plain_events, downtime, roster, as_of,
                                  period, chunk_rows, max_errors, verdicts, workdir, digest,
                                  list_tickets, workers, progress, hook, collector,
                                  read_done=remove_copies)
        except Exception as exc:  # what it says names the user's files, not the copies
            raise renamed_error(exc, names) from None
    return renamed(ev, names), rows


def _run_split(plan, tickets, events, downtime, roster, as_of, period, chunk_rows,
               max_errors, verdicts, workdir, digest, list_tickets, workers, progress,
               hook=None, collector=None, read_done=None) -> tuple[Evaluation, int]:
    """:func:`_run` with the files parsed by range in the worker processes, each once
    (:mod:`slalang.data.split`): the same passes, the same answers. ``read_done()`` is
    called once the files are read into the chunks (they are not opened again)."""
    import numpy as np

    from slalang.data import split
    from slalang.data.checks import add_notes
    from slalang.data.counts import InputCounts, all_rejected
    from slalang.data.read import check_errors
    from slalang.data.split_passes import split_passes, ticket_layout
    from slalang.data.stream import rejection_order
    from slalang.data.table import NAT

    zone = plan.timezone
    if isinstance(period, str):
        period = parse_period(period, zone)
    file = str(tickets)
    order = rejection_order(file)
    t_layout = ticket_layout(tickets)
    if workers is None:  # starting processes costs about a second: worth it when large
        workers = default_workers() if os.path.getsize(tickets) >= PROCESS_BYTES else 1

    with scratch_folder(workdir) as tmp, \
            TaskPool(workers) as pool:
        # passes 1 and 2: the tickets and their events, read into chunks
        read = split_passes(t_layout, events, chunk_rows, tmp, pool, max_errors, progress)
        if read_done is not None:
            read_done()
        n, segments, ranges = read.n, read.segments, read.ranges
        tickets_at, events_at = read.tickets_at, read.events_at
        ev_rejected, ev_count, refused_rows = read.ev_rejected, read.ev_count, read.refused_rows
        ingest, rows_read = read.ingest, read.rows_read
        n_chunks = len(tickets_at)

        # without a period, the one the kept tickets span: guessed from the segments when no
        # verdict CSV is streamed (checked against the chunks' own spans after pass 4, which
        # runs again in the rare case that repeated ids or early events changed it), else
        # found first (pass 3: each chunk's tickets read again with its events)
        guessed = False
        if period is None and verdicts is None:
            period = period_covering(np.array([x for s in segments for x in s.span],
                                              dtype=np.int64), zone)
            guessed = period is not None
        if period is None:
            refused = np.sort(np.array([r.row - 2 for r in refused_rows], dtype=np.int64))
            tasks = []
            for t, e in zip(tickets_at, events_at, strict=True):
                lo, hi = np.searchsorted(refused, [t.start, t.start + chunk_rows])
                tasks.append((t, e, refused[lo:hi] - t.start))
            spans = [x for x in pool.map(split.chunk_span, tasks) if x[0] != NAT]
            created = np.array([x for span in spans for x in span], dtype=np.int64)
            period = period_covering(created, zone)
            if period is None:  # every ticket kept has a status event before creation
                late = [r for rs in pool.map(split.early_rejections, zip(
                    tickets_at, events_at, strict=True)) for r in rs]
                _all_early(file, n, ingest, late, max_errors, rows_read)
        if progress is not None:
            progress("read", n, n)
        given_as_of = as_of

        def pass4(period: Period) -> _Pass4:
            """The kernel, chunk by chunk in the workers, merged here in chunk order."""
            as_of = period.end if given_as_of is None else given_as_of
            context = Context(plan, roster, int(as_of), period)
            blob = pickle.dumps(context)
            merged = PartialSum(context, empty_partial(plan, roster, int(as_of), period))
            out = _Pass4()
            writer = None
            hooked = pickle.dumps(hook) if hook is not None else None
            tasks = [(blob, t, e, list_tickets, verdicts is not None, hooked)
                     for t, e in zip(tickets_at, events_at, strict=True)]
            if collector is not None:
                collector.start()  # a pass 4 run again starts from nothing
            for k, res in enumerate(pool.map(evaluate_chunk, tasks), 1):
                if collector is not None:
                    collector.add(res.extra)
                if res.rows is not None:
                    writer, written = _write_table(writer, verdicts, res.rows)
                    out.rows += written
                out.evaluated += res.n
                out.invisible += res.invisible  # the tickets' ids; the events' are the ranges'
                out.late += res.late_rejected
                out.spans += res.span
                add_notes(out.notes, res.notes)
                merged.add(res.partial)  # its rejections were counted with the input (ingest)
                if progress is not None:
                    progress("evaluate", k, n_chunks)
            out.total = merged.result()
            if writer is not None:
                writer[0].close()
            return out

        done = pass4(period)
        if guessed:
            spanned = period_covering(np.array(done.spans, dtype=np.int64), zone)
            if spanned is not None and spanned != period:
                done = pass4(spanned)
        total, evaluated, invisible, notes, late, rows = (
            done.total, done.evaluated, done.invisible, done.notes, done.late, done.rows)
        if late:  # found with the events (pass 4): as read_tickets counts them
            ingest = sorted(ingest + late, key=order)
            check_errors(ingest, max_errors, rows_read)
            if not evaluated:
                raise all_rejected(file, n, ingest)

    context = total.context
    if collector is not None:
        context = dataclasses.replace(context, roster=collector.roster(context.roster))
    total = Partial(context, total.counts, tuple(ingest), total.invalid, total.listed,
                    facts=total.facts)
    counts = InputCounts(file, "ticket", n, evaluated, n - evaluated, (),
                         invisible + sum(r.invisible for r in ranges), None, notes,
                         ev_count + len(ev_rejected))
    return finish(total, downtime=downtime, data_hash=digest.result(),
                  input_counts=counts), rows


class ChunkCollector(Protocol):
    """The main process's side of a :class:`~slalang.evaluation.workers.ChunkHook`: what
    each chunk's hook collected, in chunk order, and the roster the evaluation is finished
    with once every chunk is in."""

    def start(self) -> None: ...

    def add(self, extra: object) -> None: ...

    def roster(self, roster: Roster | None) -> Roster | None: ...


@dataclasses.dataclass
class _Pass4:
    """What pass 4 of the split reader gathers from the chunks."""

    total: Partial | None = None
    evaluated: int = 0
    invisible: int = 0
    notes: dict = dataclasses.field(default_factory=dict)
    late: list = dataclasses.field(default_factory=list)
    #: each chunk's first and last creation among the tickets it evaluated
    spans: list = dataclasses.field(default_factory=list)
    #: verdict rows written
    rows: int = 0


def _all_early(file: str, n: int, ingest: list, late: list, max_errors, rows_read) -> None:
    """Raise what the in-memory reader raises when every ticket it kept has a status event
    before its creation: every row refused (not "no period": there is no ticket to take one
    from because none is left)."""
    from slalang.data.counts import all_rejected
    from slalang.data.read import check_errors
    from slalang.data.stream import rejection_order

    ingest = sorted(ingest + late, key=rejection_order(file))
    check_errors(ingest, max_errors, rows_read)
    raise all_rejected(file, n, ingest)
