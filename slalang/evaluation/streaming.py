"""The chunked evaluation: the same results as :func:`~slalang.evaluation.evaluate`, in memory
that does not grow with the number of tickets.

Passes over the input (docs/evaluation/scale.md):

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

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from slalang.evaluation.kernel import Partial, empty_partial, evaluate_batch, finish
from slalang.evaluation.periods import Period, PeriodError, parse_period, period_covering
from slalang.evaluation.result import Evaluation, Verdicts

if TYPE_CHECKING:
    from slalang.data import DowntimeTable
    from slalang.model import Roster
    from slalang.plan import Plan

#: tickets per chunk by default: a chunk's working set is a hundred MiB or two
DEFAULT_CHUNK_ROWS = 100_000
#: listed tickets (breached, at risk) gathered from chunks before they are merged
_MERGE_ROWS = 500_000
#: chunks' partials gathered before they are merged (their counts are small)
_MERGE_PARTS = 64
#: inputs (tickets + events) at least this large are evaluated in chunks by default
AUTO_BYTES = 256 << 20


def _rejection_order(tickets_file: str):
    # as read_tickets orders them: the tickets file first, then by file and row
    return lambda r: (r.file != tickets_file, r.file, r.row)


def evaluate_chunked(plan: Plan, tickets: str | Path, events: str | Path | None,
                     downtime: DowntimeTable | None, roster: Roster | None,
                     as_of: int | None = None, period: Period | str | None = None, *,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS, max_errors: int | None = None,
                     verdicts: BinaryIO | None = None, workdir: str | Path | None = None,
                     list_tickets: bool = True) -> tuple[Evaluation, int]:
    """Evaluate canonical CSV tickets (and events) chunk by chunk; ``(evaluation, verdict
    rows written)``.

    The evaluation equals ``evaluate(plan, read_tickets(tickets, events), ...)`` in every
    count, rejection and hash; it has no per-ticket fields (``outcomes``, ``tickets`` are
    None), so the per-ticket verdicts go to ``verdicts`` (a binary stream, CSV) as the chunks
    are evaluated. Temporary files go to ``workdir`` (default: the system's temp folder).
    ``list_tickets`` False skips gathering the tickets the JSON output lists (breached, at
    risk) when no JSON is written.

    Raises:
        NotStreamable: the input needs the in-memory reader (its message says why).
        DataError, PeriodError: as the in-memory path.
    """
    from slalang.data.stream import NotStreamable, _Conversion, _Malformed, file_digest

    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    digest = file_digest([tickets] + ([events] if events is not None else []))
    try:
        return _run(plan, tickets, events, downtime, roster, as_of, period, chunk_rows,
                    max_errors, verdicts, workdir, digest, list_tickets)
    except _Malformed as exc:  # only raised before any verdict is written
        raise NotStreamable(str(exc)) from None
    except _Conversion as exc:  # only raised before any verdict is written
        raise NotStreamable(f"an instant the typed reader refuses ({exc})") from None


def _run(plan, tickets, events, downtime, roster, as_of, period, chunk_rows, max_errors,
         verdicts, workdir, digest, list_tickets) -> tuple[Evaluation, int]:
    from slalang.data.checks import NOTE_IDS
    from slalang.data.counts import InputCounts, all_rejected
    from slalang.data.read import check_errors
    from slalang.data.stream import EventBlocks, TicketChunks, _Conversion
    from slalang.data.table import NAT

    zone = plan.timezone
    if isinstance(period, str):
        period = parse_period(period, zone)
    order = _rejection_order(str(tickets))

    # passes 1 and 2: ids, then every chunk validated (rejections; the period's extent)
    chunks = TicketChunks(tickets, chunk_rows)
    # without a period, every kept ticket's creation, to infer it once the events have
    # refused the tickets with an event before creation (8 bytes a ticket, only then)
    created = np.full(chunks.n, NAT, dtype=np.int64) if period is None else None
    for attempt in (0, 1):
        try:
            ingest = []
            kept = 0
            for _, table in chunks.tables():
                ingest += table.rejected
                kept += table.n
                if created is not None and table.n:
                    created[np.asarray(table.source_row) - 2] = table.created_at
            break
        except _Conversion:
            if attempt:
                raise
            chunks.text_instants = True  # as read_tickets: instants as text, errors per row

    with tempfile.TemporaryDirectory(prefix="slalang-chunks-", dir=workdir) as tmp:
        # pass 3: events into one file per chunk of tickets
        blocks = EventBlocks(tmp, chunk_rows, created)
        if events is not None:
            try:
                blocks.place(events, chunks, chunks.text_instants)
            except _Conversion:
                blocks = EventBlocks(tmp, chunk_rows, created)
                for leftover in Path(tmp).iterdir():
                    leftover.unlink()
                blocks.place(events, chunks, True)
        chunks.drop_index()
        ingest = sorted(ingest + blocks.rejected, key=order)
        rows_read = chunks.n + blocks.count + len(blocks.rejected)
        check_errors(ingest, max_errors, rows_read)
        if not kept:  # as read_tickets: nothing to measure is an error, never a green run
            raise all_rejected(str(tickets), chunks.n, ingest)
        if period is None:
            kept = created[(created != NAT) & ~blocks.early]  # type: ignore[index]
            del created
            period = period_covering(kept, zone)
            if period is None:
                raise PeriodError("no period given and no ticket to infer one from: use "
                                  "--period")
        if as_of is None:
            as_of = period.end

        # pass 4: the kernel, chunk by chunk; the partials merged as they come
        total = empty_partial(plan, roster, int(as_of), period)
        evaluated = invisible = 0
        notes: dict = {}
        writer, rows = None, 0
        parts: list[Partial] = []
        pending = listed_rows = 0
        for _, table in chunks.tables(blocks):
            part = evaluate_batch(plan, table, roster, int(as_of), period,
                                  listed=list_tickets, keep_verdicts=verdicts is not None)
            if verdicts is not None:
                writer, written = _write_chunk(writer, verdicts, part.verdicts)
                rows += written
            # the chunk's rejections were counted in pass 2 (ingest): keep the rest
            parts.append(Partial(part.context, part.counts, (), part.invalid, part.listed,
                                 facts=part.facts))
            evaluated += table.n
            invisible += table.invisible_ids  # the tickets' ids; the events' are the blocks'
            for key, (count, ids) in table.notes.items():
                was = notes.get(key, (0, ()))
                notes[key] = (was[0] + count, (was[1] + ids)[:NOTE_IDS])
            if part.listed is not None:
                pending += part.listed.table.num_rows
            # merging re-sorts every listed ticket kept: merge when the new rows outnumber
            # them (the counts alone merge cheaply, at the same moments)
            if pending >= max(_MERGE_ROWS, listed_rows) or len(parts) >= _MERGE_PARTS:
                total = Partial.merge_all([total, *parts])
                parts, pending = [], 0
                listed_rows = total.listed.table.num_rows if total.listed is not None else 0
        total = Partial.merge_all([total, *parts])
        if writer is not None:
            writer[0].close()
        if chunks.late_rejected:  # found with the events (pass 4): as read_tickets counts them
            ingest = sorted(ingest + chunks.late_rejected, key=order)
            check_errors(ingest, max_errors, rows_read)
            if not evaluated:
                raise all_rejected(str(tickets), chunks.n, ingest)

    total = Partial(total.context, total.counts, tuple(ingest), total.invalid, total.listed,
                    facts=total.facts)
    counts = InputCounts(str(tickets), "ticket", chunks.n, evaluated, chunks.n - evaluated,
                         (), invisible + blocks.invisible, None, notes,
                         blocks.count + len(blocks.rejected))
    return finish(total, downtime=downtime, data_hash=digest.result(),
                  input_counts=counts), rows


def _write_chunk(writer, out: BinaryIO, chunk: Verdicts | None):
    """Append a chunk's verdict rows (the header with the first chunk)."""
    import pyarrow.csv as pcsv

    from slalang.evaluation.output.csv import verdict_table

    table = verdict_table(chunk)
    if writer is None:
        writer = (pcsv.CSVWriter(out, table.schema, write_options=pcsv.WriteOptions(
            quoting_style="needed")), table.schema)
    elif table.schema != writer[1]:  # e.g. a column all null in one chunk
        table = table.cast(writer[1])
    writer[0].write_table(table)
    return writer, table.num_rows
