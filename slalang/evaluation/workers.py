"""Batches evaluated in worker processes: the chunked driver's way to use every core.

The main process reads and assembles the batches (pyarrow's reader is threaded already) and
hands each to a worker, which runs the kernel (outcomes, counts, listed tickets) and, when a
verdict CSV is written, turns the verdicts into its table. Results come back in submission
order, so the merged partial and the CSV are the ones a single process makes. The plan and
the roster travel once per worker (its initializer), not with every batch.
"""

from __future__ import annotations

import os
import pickle
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from slalang.data.table import NAT
from slalang.evaluation.kernel import Context, Partial, evaluate_batch
from slalang.workpool import (  # noqa: F401 - the engines' pool, re-exported
    TaskPool,
    close_pool,
    close_spilling,
    default_workers,
    process_pool,
    spill_folder,
    spilled,
    unspilled,
    watch_main,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    import pyarrow as pa

    from slalang.data import TicketTable
    from slalang.evaluation.result import Verdicts
    from slalang.model import Roster
    from slalang.plan.compiled import Plan

_context: Context | None = None


def _init(context: Context, main: int) -> None:
    global _context
    _context = context
    watch_main(main)


def run_batch(context: Context, table: TicketTable, listed: bool, verdict_rows: bool,
              keep: bool = False) -> tuple[Partial, pa.Table | None]:
    """One batch through the kernel: its partial (without per-ticket verdicts, unless
    ``keep``) and, when asked, its verdict rows as a table."""
    part = evaluate_batch(context.plan, table, context.roster, context.as_of, context.period,
                          listed=listed, keep_verdicts=verdict_rows or keep)
    rows = None
    if verdict_rows:
        from slalang.evaluation.output.csv import verdict_table

        rows = verdict_table(part.verdicts)
    return (part if keep else replace(part, verdicts=None)), rows


def hooked_batch(context: Context, table: TicketTable, listed: bool, verdict_rows: bool,
                 hook: ChunkHook | None) -> tuple[Partial, pa.Table | None, object]:
    """:func:`run_batch` of a batch as ``hook`` prepares it, and what the hook collects from
    its verdicts (None without a hook)."""
    if hook is None:
        return (*run_batch(context, table, listed, verdict_rows), None)
    table, roster = hook.prepare(context.plan, table, context.roster)
    part, rows = run_batch(replace(context, roster=roster), table, listed, verdict_rows,
                           keep=True)
    extra = hook.collect(part.verdicts)
    return replace(part, verdicts=None), rows, extra


def _in_worker(table: TicketTable, listed: bool, verdict_rows: bool, hook: bytes | None):
    assert _context is not None
    part, rows, extra = hooked_batch(_context, table, listed, verdict_rows,
                                     None if hook is None else _unpickled(hook))
    return replace(part, context=None), rows, extra  # the main process has the context


class BatchPool:
    """Batches submitted in order, results taken in the same order; at most a few batches
    in flight, so memory stays bounded by the workers' count, not the input's size. A large
    result comes back through a file, as a :class:`~slalang.workpool.TaskPool`'s does (a
    worker killed while it wrote one to the pipe left the run waiting forever)."""

    def __init__(self, context: Context, workers: int, *, listed: bool,
                 verdict_rows: bool, hook: ChunkHook | None = None) -> None:
        self.context, self.listed, self.verdict_rows = context, listed, verdict_rows
        self.hook = hook
        #: the hook as every task carries it (pickled once)
        self._hook_blob = None if hook is None else pickle.dumps(hook)
        self.workers = max(workers, 1)
        self._pending: deque = deque()
        self._pool: ProcessPoolExecutor | None = None
        self._spill: str | None = None
        if self.workers > 1:
            self._spill = spill_folder()
            self._pool = process_pool(self.workers, ["slalang.evaluation.workers"],
                                      _init, (context, os.getpid()))

    def __enter__(self) -> BatchPool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        close_spilling(self._pool, self._spill, failed=exc_type is not None)

    def submit(self, table: TicketTable
               ) -> Iterator[tuple[Partial, pa.Table | None, object]]:
        """Queue a batch; yield the results that are due (the oldest, once enough are in
        flight): its partial, its verdict rows when asked, what the hook collected."""
        if self._pool is None:
            yield hooked_batch(self.context, table, self.listed, self.verdict_rows, self.hook)
            return
        # imported with the pool's first use: an in-memory run imports this module and
        # starts no process
        from concurrent.futures.process import BrokenProcessPool

        try:
            self._pending.append(self._pool.submit(spilled, self._spill, _in_worker, table,
                                                   self.listed, self.verdict_rows,
                                                   self._hook_blob))
        except (BrokenProcessPool, OSError) as exc:  # a worker died since the last batch
            # (EBADF: the broken executor closed the pipe a worker it starts needs)
            if isinstance(exc, OSError) and not getattr(self._pool, "_broken", False):
                raise
            from slalang.errors import WorkerLost

            raise WorkerLost() from None
        while len(self._pending) > self.workers:
            yield self._take(self._pending.popleft())

    def drain(self) -> Iterator[tuple[Partial, pa.Table | None, object]]:
        """The results still in flight, in order."""
        while self._pending:
            yield self._take(self._pending.popleft())

    def _take(self, future: Future) -> tuple[Partial, pa.Table | None, object]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            part, rows, extra = unspilled(future.result())
        except BrokenProcessPool:  # a worker died (the out-of-memory killer): say so
            from slalang.errors import WorkerLost

            raise WorkerLost() from None
        return replace(part, context=self.context), rows, extra


#: the objects every chunk task carries pickled (its context, a hook), by their bytes
_unpickled_by_blob: dict[bytes, object] = {}


@dataclass
class ChunkResult:
    """What a chunk evaluated in a worker brings back."""

    partial: Partial
    #: verdict rows (when asked)
    rows: pa.Table | None
    #: tickets evaluated, ids that carried invisible characters, notes
    n: int
    invisible: int
    notes: dict
    #: tickets refused for a status event before their creation
    late_rejected: list
    #: the first and last creation among the tickets evaluated ((NAT, NAT): none)
    span: tuple[int, int] = (NAT, NAT)
    #: what the chunk's :class:`ChunkHook` collected from its verdicts
    extra: object = None


class ChunkHook(Protocol):
    """What a verb that needs every ticket's verdict adds to the chunked engine's kernel, in
    the worker that evaluates a chunk: the chunk's tickets and roster made what the verb
    evaluates (``calibrate --tier``: every customer on one tier), and what it keeps of the
    verdicts (the measured rows; for a replayed ``diff``, the chunk evaluated under the new
    version and its flips), sent back with the chunk's partial and handed over in chunk
    order. Picklable: it travels, pickled once, with every chunk."""

    def prepare(self, plan: Plan, table: TicketTable, roster: Roster | None
                ) -> tuple[TicketTable, Roster | None]: ...

    def collect(self, verdicts: Verdicts) -> object: ...


def _unpickled(blob: bytes):
    """An object every chunk's task carries as the same bytes (the context, a hook with a
    plan), unpickled once per worker process."""
    if blob not in _unpickled_by_blob:
        if len(_unpickled_by_blob) > 4:
            _unpickled_by_blob.clear()
        _unpickled_by_blob[blob] = pickle.loads(blob)
    return _unpickled_by_blob[blob]


def evaluate_chunk(context: bytes, tickets, events, listed: bool, verdict_rows: bool,
                   hook: bytes | None = None) -> ChunkResult:
    """Read a chunk (:mod:`slalang.data.split`: its tickets from the segments, its events
    from the ranges' files), assemble it as the sequential reader does, and evaluate it
    (``hook``: a pickled :class:`ChunkHook`, which prepares it and collects from its
    verdicts)."""
    from slalang.data.checks import derive_resolution
    from slalang.data.split import chunk_table, drop_index

    drop_index()  # the events are placed: the id index is not needed any more
    ctx = _unpickled(context)
    if hook is not None:
        hook = _unpickled(hook)
    table, added = chunk_table(tickets, events)
    table = derive_resolution(table)
    part, rows, extra = hooked_batch(ctx, table, listed, verdict_rows, hook)
    span = (int(table.created_at.min()), int(table.created_at.max())) if table.n else (NAT, NAT)
    return ChunkResult(replace(part, context=None), rows, table.n, table.invisible_ids,
                       dict(table.notes), added, span, extra)
