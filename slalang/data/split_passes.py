"""A plain CSV export read by the split reader's first passes, on a pool of worker processes:
what the chunked engine and ``slalang convert`` share.

Pass 1 parses the tickets range by range into segments (each byte once) and numbers their
ids; pass 2 parses the events range by range, validates them and places each in its chunk's
file. What is left is a list of chunks, each as its slices of the segments and of the
events' files, ready to be assembled in a worker (:func:`slalang.data.split.chunk_table`),
and the rows refused so far. The caller then evaluates the chunks (the chunked engine) or
writes them as a dataset's partitions (``slalang convert``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slalang.data import split
from slalang.data.source import missing_canonical_column
from slalang.data.table import Rejection
from slalang.workpool import TaskPool


def splittable(tickets: str | Path, events: str | Path | None) -> bool:
    """Whether the files are plain files, not compressed: they can be cut into byte ranges
    (:mod:`slalang.data.split`)."""
    from slalang.data.sources.compressed import compressions_of

    kinds = compressions_of((tickets, events))
    return kinds is not None and all(kind is None for kind in kinds)


def ticket_layout(tickets: str | Path) -> split.Layout:
    """The tickets file cut into ranges, once it is known to hold a header and a row, and
    an id column."""
    from slalang.data.read import is_blank, is_one_line, no_tickets
    from slalang.data.stream import _head

    file = str(tickets)
    head = _head(tickets)
    if is_blank(head):
        raise no_tickets(file, "the file is empty")
    if is_one_line(head):
        raise no_tickets(file, "only a header row")
    layout = split.layout(tickets, split.SEGMENT_BYTES)
    require_columns(layout, ("id",))
    return layout


@dataclass
class SplitInput:
    """What passes 1 and 2 leave: the chunks, ready to be assembled, and the refusals."""

    file: str
    #: ticket rows read
    n: int
    segments: list
    #: each chunk's slices of the segments and of the events' files
    tickets_at: list
    events_at: list
    #: the event ranges (their invisible characters, their rows)
    ranges: list
    ev_rejected: list[Rejection]
    #: events kept
    ev_count: int
    #: the ticket rows refused (pass 1, and the repeated ids)
    refused_rows: list[Rejection]
    #: every row refused so far, in the order the sequential reader says them
    ingest: list[Rejection]
    rows_read: int


def split_passes(layout: split.Layout, events: str | Path | None, chunk_rows: int, tmp: str,
                 pool: TaskPool, max_errors: int | float | None,
                 progress: Callable[[str, int, int], None] | None) -> SplitInput:
    """Passes 1 and 2 over the tickets (``layout``, from :func:`ticket_layout`) and their
    events, in ``pool``'s workers, scratch files in ``tmp``. Raises what the sequential
    reader raises (DataError, too many errors, every row refused), and ``split.NoSplit``
    when the files cannot be cut (the caller reads them in sequence)."""
    from slalang.data.counts import all_rejected
    from slalang.data.read import check_errors, no_tickets
    from slalang.data.stream import NumberedIds, rejection_order, repeated_rows

    file = layout.path
    size = sum(b - a for a, b in layout.ranges) or 1
    # pass 1: the tickets parsed range by range into segments; their ids
    text = False
    while True:
        tasks = [(file, a, b, layout.names, text, os.path.join(tmp, f"t{i:06d}.arrow"))
                 for i, (a, b) in enumerate(layout.ranges)]
        segments, seen, read = [], 0, 0
        for (_, a, b, *_), seg in zip(tasks, pool.map(split.read_segment, tasks,
                                                      helped=True), strict=True):
            segments.append(seg)
            if progress is not None and not isinstance(seg, Exception):
                seen, read = seen + seg.rows, read + b - a
                progress("read", seen, max(seen * size // read, seen))
        error = first_error(segments)
        if error is None:
            break
        if error.kind == "conversion" and not text:
            text = True  # as read_tickets: instants as text, errors per row
            continue
        raise_range_error(error, layout)
    require_columns(layout, split.REQUIRED)
    n = sum(s.rows for s in segments)
    if not n:
        raise no_tickets(file, "only a header row")
    if n >= 1 << 31:  # the placed events number their tickets in 32 bits
        raise split.NoSplit("more than 2**31 tickets")
    # made in the scratch folder when the workers are to map it (pass 2)
    index = split.segment_index(segments, tmp if pool.workers > 1 else None)
    dup_rows, dup_first = (index.repeated() if isinstance(index, NumberedIds)
                           else repeated_rows(index.first_occurrence()))
    tickets_at = split.ticket_slices(file, segments, chunk_rows, dup_rows, dup_first)
    n_chunks = len(tickets_at)

    # pass 2: the events parsed range by range, validated, placed per chunk
    ranges: list = []
    ev_rejected: list = []
    if events is not None:
        e_layout = split.layout(events, split.EVENT_RANGE_BYTES)
        require_columns(e_layout, ("ticket_id", "at"))
        shipped = isinstance(index, NumberedIds) and pool.workers > 1
        ref = index.save(tmp) if shipped else index
        del index
        ev_text = text
        while True:
            tasks = [(str(events), a, b, e_layout.names, ev_text, ref, chunk_rows,
                      n_chunks, os.path.join(tmp, f"e{i:06d}.bin"))
                     for i, (a, b) in enumerate(e_layout.ranges)]
            ranges = list(pool.map(split.place_range, tasks, here=not shipped))
            error = first_error(ranges)
            if error is None:
                break
            if error.kind == "conversion" and not ev_text:
                ev_text = True
                continue
            raise_range_error(error, e_layout)
        del ref
        split.drop_index()
        shift = 0
        for r in ranges:
            r.shift, shift = shift, shift + r.rows
            ev_rejected += split.shifted(r.rejected, r.shift)
        events_at = split.event_slices(ranges, n_chunks)
    else:
        del index
        events_at = [None] * n_chunks
    ev_count = sum(int(r.offsets[-1]) for r in ranges)

    # the tickets' rejections (found in pass 1, the repeated ids now)
    refused_rows = split.ticket_rejections(file, segments, dup_rows, dup_first)
    ingest = sorted(refused_rows + ev_rejected, key=rejection_order(file))
    rows_read = n + ev_count + len(ev_rejected)
    check_errors(ingest, max_errors, rows_read, so_far=True)  # the late ones to come
    if n == len(refused_rows):  # as read_tickets: nothing to measure is an error
        raise all_rejected(file, n, ingest)
    return SplitInput(file, n, segments, tickets_at, events_at, ranges, ev_rejected,
                      ev_count, refused_rows, ingest, rows_read)


def require_columns(layout: split.Layout, names: tuple[str, ...]) -> None:
    """A DataError naming the first of ``names`` the file's header lacks."""
    for name in names:
        if name not in layout.names:
            raise missing_canonical_column(name, list(layout.names), layout.path)


def first_error(results: list):
    """The error the sequential reader would meet first: a malformed row anywhere (its pass
    over the ids finds it before anything else), else the first range's error."""
    errors = [r for r in results if isinstance(r, split.RangeError | split.NoSplit)]
    for e in errors:
        if isinstance(e, split.NoSplit):
            raise e
    malformed = [e for e in errors if e.kind == "malformed"]
    return (malformed or errors or [None])[0]


def raise_range_error(error, layout: split.Layout) -> None:
    """The sequential reader's error for a range pyarrow refused."""
    from slalang.data.source import not_utf8
    from slalang.data.stream import _bad_row, _Conversion, _lines, _Malformed, _open

    if error.kind == "utf8":
        with _open(layout.path) as stream:
            raise not_utf8(_lines(stream), layout.path, delimiter=",") from None
    if error.kind == "conversion":
        raise _Conversion(error.text)
    raise _Malformed(f"row {_bad_row(layout.path, len(layout.names))} of {layout.path} is "
                     "malformed, and the in-memory reader rejects it alone")
