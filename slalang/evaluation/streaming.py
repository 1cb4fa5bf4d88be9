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
4. the tickets again, chunk by chunk with their events: outcomes, counts added into
   :class:`CountSum`, verdict rows appended to the CSV.

Verdict counts per (customer, tier, month, metric, priority, status) are sums, so adding the
chunks' :class:`~slalang.evaluation.compliance.Aggregate` (labels mapped to one vocabulary)
gives the in-memory aggregate exactly; :func:`finish_evaluation` does the rest as it does for
the in-memory path. Tickets stay in file order, so the verdict CSV is identical too.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from slalang.evaluation.compliance import N_STATUS, Aggregate, count_outcomes
from slalang.evaluation.evaluate import Evaluation, customer_namer, finish_evaluation
from slalang.evaluation.periods import (
    Period,
    PeriodError,
    bucket_of,
    parse_period,
    period_covering,
)

if TYPE_CHECKING:
    from slalang.data import DowntimeTable
    from slalang.model import Policy, Roster
    from slalang.plan import Plan

#: tickets per chunk by default: a chunk's working set is a hundred MiB or two
DEFAULT_CHUNK_ROWS = 100_000
#: listed tickets (breached, at risk) gathered from chunks before they are merged
_MERGE_ROWS = 500_000
#: inputs (tickets + events) at least this large are evaluated in chunks by default
AUTO_BYTES = 256 << 20


class CountSum:
    """Verdict counts added chunk by chunk, keyed by the labels (customer, tier), not by the
    chunk's codes, which differ from chunk to chunk."""

    def __init__(self, plan: Plan, n_buckets: int) -> None:
        policy = plan.policy
        self.metrics = tuple(policy.metrics)
        self.priorities = tuple(p.code for p in policy.priorities)
        self.nb = max(n_buckets, 1)
        self.customer_labels: set[str] = {""}
        self.tier_labels: set[str] = {"", *plan.tiers}
        self._customers: dict[str, int] = {}
        self._tiers: dict[str, int] = {}
        self.keys = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros((0, 4), dtype=np.int64)
        self.cells = np.zeros((0, len(self.metrics), len(self.priorities), N_STATUS),
                              dtype=np.int64)

    def _codes(self, labels: tuple[str, ...], vocabulary: dict[str, int]) -> np.ndarray:
        return np.array([vocabulary.setdefault(x, len(vocabulary)) for x in labels],
                        dtype=np.int64)

    def _key(self, customer: np.ndarray, tier: np.ndarray, bucket: np.ndarray) -> np.ndarray:
        return (customer * (1 << 20) + tier) * self.nb + bucket

    def add(self, agg: Aggregate) -> None:
        """Add one chunk's aggregate (counted without extra groups)."""
        self.customer_labels.update(agg.customers)
        self.tier_labels.update(agg.tiers)
        if not len(agg):
            return
        cust = self._codes(agg.customers, self._customers)[agg.g_customer]
        tier = self._codes(agg.tiers, self._tiers)[agg.g_tier]
        keys = self._key(cust, tier, np.asarray(agg.g_bucket, dtype=np.int64))
        merged, inverse = np.unique(np.concatenate([self.keys, keys]), return_inverse=True)
        old, new = inverse[:len(self.keys)], inverse[len(self.keys):]
        counts = np.zeros((len(merged), 4), dtype=np.int64)
        cells = np.zeros((len(merged), *self.cells.shape[1:]), dtype=np.int64)
        counts[old] += self.counts
        cells[old] += self.cells
        counts[new] += agg.g_counts  # keys are unique within each side: no repeated index
        cells[new] += agg.cells
        self.keys, self.counts, self.cells = merged, counts, cells

    def aggregate(self, extra: tuple[tuple[str, str, int], ...] = ()) -> Aggregate:
        """The sum as :func:`count_outcomes` would count all tickets at once, plus the
        ``extra`` (customer, tier, bucket) groups."""
        customers = tuple(sorted(self.customer_labels | {e[0] for e in extra}))
        tiers = tuple(sorted(self.tier_labels | {e[1] for e in extra}))
        nt, nb = len(tiers), self.nb
        c_pos = {x: i for i, x in enumerate(customers)}
        t_pos = {x: i for i, x in enumerate(tiers)}
        c_map = np.array([c_pos[x] for x in self._customers] + [0], dtype=np.int64)
        t_map = np.array([t_pos[x] for x in self._tiers] + [0], dtype=np.int64)
        rest, bucket = np.divmod(self.keys, nb)
        cust, tier = np.divmod(rest, 1 << 20)
        final = (c_map[cust] * nt + t_map[tier]) * nb + bucket
        extra_keys = np.array([(c_pos[c] * nt + t_pos[t]) * nb + b for c, t, b in extra],
                              dtype=np.int64)
        keys = np.unique(np.concatenate([final, extra_keys]))
        at = np.searchsorted(keys, final)
        counts = np.zeros((len(keys), 4), dtype=np.int64)
        cells = np.zeros((len(keys), *self.cells.shape[1:]), dtype=np.int64)
        counts[at], cells[at] = self.counts, self.cells
        rest, g_bucket = np.divmod(keys, nb)
        g_customer, g_tier = np.divmod(rest, nt)
        return Aggregate(customers, tiers, self.metrics, self.priorities, g_customer, g_tier,
                         g_bucket, counts, cells)


@dataclass
class _Chunk:
    """What :func:`~slalang.evaluation.output.csv.verdict_table` reads of an Evaluation, for
    one chunk of tickets."""

    plan: object
    period: Period
    as_of: int
    outcomes: object
    tickets: object
    ticket_bucket: np.ndarray

    @property
    def policy(self) -> Policy:
        return self.plan.policy  # type: ignore[attr-defined]


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
    from slalang.data.stream import NotStreamable, _Conversion, file_digest

    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    digest = file_digest([tickets] + ([events] if events is not None else []))
    try:
        return _run(plan, tickets, events, downtime, roster, as_of, period, chunk_rows,
                    max_errors, verdicts, workdir, digest, list_tickets)
    except _Conversion as exc:  # only raised before any verdict is written
        raise NotStreamable(f"an instant the typed reader refuses ({exc})") from None


def _run(plan, tickets, events, downtime, roster, as_of, period, chunk_rows, max_errors,
         verdicts, workdir, digest, list_tickets) -> tuple[Evaluation, int]:
    from slalang.data.read import check_errors
    from slalang.data.stream import EventBlocks, TicketChunks, _Conversion
    from slalang.data.table import NAT
    from slalang.evaluation.outcomes import compute_outcomes

    policy = plan.policy
    zone = policy.header.timezone
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
            for _, table in chunks.tables():
                ingest += table.rejected
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
        check_errors(ingest, max_errors)
        if period is None:
            kept = created[(created != NAT) & ~blocks.early]  # type: ignore[index]
            del created
            period = period_covering(kept, zone)
            if period is None:
                raise PeriodError("no period given and no ticket to infer one from: use "
                                  "--period")
        if as_of is None:
            as_of = period.end

        # pass 4: outcomes and counts, chunk by chunk
        n_buckets = len(period.buckets)
        rename = customer_namer(roster)
        total = CountSum(plan, n_buckets)
        found: list = []  # tickets the outcomes stage finds invalid, in ticket order
        writer, rows = None, 0
        lister = _lister() if list_tickets else None
        parts: list = []
        pending = listed_rows = 0
        for _, table in chunks.tables(blocks):
            outcomes = compute_outcomes(plan, table, roster, as_of)
            found += outcomes.rejected[len(table.rejected):]
            bucket = bucket_of(np.asarray(table.created_at, dtype=np.int64), period)
            total.add(count_outcomes(outcomes, table, bucket, total.metrics, total.priorities,
                                     n_buckets, rename, ()))
            chunk = _Chunk(plan, period, int(as_of), outcomes, table, bucket)
            if lister is not None:  # the worst tickets per group, kept as the chunks pass
                parts.append(lister.of(chunk))
                pending += parts[-1].table.num_rows
                # merging re-sorts everything kept: merge when the new rows outnumber it
                if pending >= max(_MERGE_ROWS, listed_rows):
                    parts = [lister.merge(parts)]
                    pending, listed_rows = 0, parts[0].table.num_rows
            if verdicts is not None:
                writer, written = _write_chunk(writer, verdicts, chunk)
                rows += written
        if writer is not None:
            writer[0].close()
        if chunks.late_rejected:  # found with the events (pass 4): as read_tickets counts them
            ingest = sorted(ingest + chunks.late_rejected, key=order)
            check_errors(ingest, max_errors)

    ev = finish_evaluation(plan, period, int(as_of), total.aggregate, downtime, roster,
                           tuple(ingest), digest.result(), invalid=tuple(found))
    if parts:
        ev.listed_tickets = lister.merge(parts)  # type: ignore[attr-defined, union-attr]
    return ev, rows


def _lister():
    """The outputs' collector of tickets worth listing (breached, at risk), when the JSON
    output has one: it takes a chunk at a time and merges the parts."""
    from slalang.evaluation.output import json as json_output

    lister = getattr(json_output, "ListedTickets", None)
    return lister if hasattr(lister, "of") and hasattr(lister, "merge") else None


def _write_chunk(writer, out: BinaryIO, chunk: _Chunk):
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
