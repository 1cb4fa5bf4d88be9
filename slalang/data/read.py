"""``read_tickets``: any supported ticket export to a :class:`TicketTable`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from slalang.data.build import RawEvents, assemble
from slalang.data.canonical import csv_events, csv_tickets, jsonl_tickets
from slalang.data.checks import derive_resolution, refuse_early_events
from slalang.data.counts import InputCounts, all_rejected
from slalang.data.source import Digest, kind_of, read_bytes
from slalang.data.table import Rejection, TicketTable
from slalang.errors import DataError

if TYPE_CHECKING:
    from slalang.data.mapping import Mapping


def read_tickets(path: str | Path, events: str | Path | None = None,
                 mapping: Mapping | str | Path | None = None,
                 max_errors: int | None = None) -> TicketTable:
    """Read tickets in the canonical form, or any export through a mapping.

    Args:
        path: tickets file; the format follows the suffix (``.jsonl``/``.json``/``.ndjson``
            or ``.csv``, each optionally ``.gz``).
        events: a separate status-events file (CSV tickets only), rows in any order.
        mapping: a :class:`slalang.data.Mapping` or the path of a mapping YAML file.
        max_errors: how many refused rows to tolerate (None: any number), or a share of the
            rows read (a float, 0.05 for 5%); beyond that, :class:`DataError` names the first.

    Raises:
        DataError: unreadable or unrecognised file, a missing required column, or more
            rejected rows than ``max_errors``.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.jsonl"
    >>> _ = p.write_text('{"id": "T-1", "customer": "Alfa Srl", "priority": "P1", '
    ...                  '"created_at": "2026-07-01T09:12:00+02:00"}\\n')
    >>> t = read_tickets(p)
    >>> t.n, t.priority.values().tolist(), t.row(0)["created_at"].isoformat()
    (1, ['P1'], '2026-07-01T07:12:00+00:00')
    """
    if mapping is not None:
        from slalang.data.mapping import Mapping, load_mapping

        if not isinstance(mapping, Mapping):
            mapping = load_mapping(mapping)
        if _empty_file(path):
            raise no_tickets(str(path), "the file is empty")
        table = mapping.read(path, events)
        # the tickets' own files: the path, or the page files / database it stands for
        files = {str(path), *table.source_files}
        if not table.n and not any(r.file in files for r in table.rejected):
            mine = [i for i in table.ignored if i.file in files]
            if mine:
                raise no_tickets(str(path), "every row was ignored (" + "; ".join(
                    f"{i.rows} x {i.reason}" for i in mine) + "): check the mapping's "
                    "ignore rules and the statuses it maps to null")
            raise no_tickets(str(path), "no records")
    else:
        table = _read_canonical(path, events)
    table = derive_resolution(refuse_early_events(table))
    check_errors(table.rejected, max_errors, rows_total(table))
    if not table.n and table.rejected:  # nothing to measure: never a silent green
        raise all_rejected(str(path), InputCounts.of(table, table.shape).read, table.rejected)
    return table


def rows_total(table: TicketTable) -> int:
    """Rows read in the input files of a table (the tickets file's records and the events
    file's rows): the base of a ``--max-errors`` share."""
    return (table.rows_read or table.n) + table.events_read


def no_tickets(file: str, why: str) -> DataError:
    """The error for a tickets file without a single record (empty, blank lines, a header
    only): evaluating nothing would look like a perfect month."""
    error = DataError(f"no tickets in {file}: {why}")
    error.file = file
    return error


def is_blank(data: pa.Buffer | bytes) -> bool:
    """Whether the bytes hold nothing but white space (an empty file).

    >>> is_blank(b""), is_blank(b" \\n"), is_blank(b"id\\n")
    (True, True, False)
    """
    return len(data) <= 65536 and not bytes(memoryview(data)).strip()


def is_one_line(data: pa.Buffer | bytes) -> bool:
    """Whether the bytes hold a single line (a CSV header without rows; pyarrow refuses one
    without its line end as malformed).

    >>> is_one_line(b"id,customer"), is_one_line(b"id\\r\\n"), is_one_line(b"id\\nT1\\n")
    (True, True, False)
    """
    return len(data) <= 65536 and b"\n" not in bytes(memoryview(data)).rstrip(b"\r\n")


def _empty_file(path: str | Path) -> bool:
    try:
        return Path(path).stat().st_size == 0
    except OSError:
        return False  # the reader names the missing file


def _read_canonical(path: str | Path, events: str | Path | None) -> TicketTable:
    file = str(path)
    if is_parquet(path):
        from slalang.data.sources.columnar import canonical

        digest = Digest()
        raw, raw_events = canonical(path, events, digest)
        if not raw.n:
            raise no_tickets(file, "no rows")
        return assemble(raw, raw_events, check_event_order=isinstance(raw_events.ticket,
                                                                      np.ndarray),
                        data_hash=digest.hexdigest())
    kind = kind_of(path)
    # hashed once the files are parsed: Arrow's CSV parser keeps both cores busy meanwhile
    digest = Digest(hold=True)
    data = read_bytes(path, digest)
    if is_blank(data):
        raise no_tickets(file, "the file is empty")
    if kind == "jsonl":
        if events is not None:
            raise DataError("a JSON Lines file carries its events inside each ticket; "
                            "a separate events file goes with CSV tickets", file=str(events))
        raw, raw_events = jsonl_tickets(data, file)
        digest.release()
        if not raw.n:
            raise no_tickets(file, "no records")
        return _hashed(assemble(raw, raw_events, check_event_order=True), digest)
    if is_one_line(data):
        raise no_tickets(file, "only a header row")
    with ThreadPoolExecutor(1, thread_name_prefix="slalang-events") as pool:
        # the events are parsed beside the tickets: Arrow's reader leaves the cores idle for
        # part of each file (the two together took 0.20 s at 1m, one after the other 0.22-
        # 0.26 s). What either file's reading finds is said in the order of a read one after
        # the other: the tickets' problems first.
        later = _events_beside(pool, events, digest)
        raw = csv_tickets(data, file)
        del data
        if not raw.n:
            raise no_tickets(file, "only a header row")
        raw_events = later()
    digest.release()
    return _hashed(assemble(raw, raw_events), digest)


def _events_beside(pool: ThreadPoolExecutor, events: str | Path | None, digest: Digest):
    """Start parsing the events file of CSV tickets on ``pool`` (its bytes hashed after the
    tickets'); returns what gives the events, or raises their problem, when called."""
    if events is None:
        return RawEvents.empty
    try:
        if kind_of(events) != "csv":
            raise DataError("the events file of CSV tickets must be CSV too", file=str(events))
        job = pool.submit(csv_events, read_bytes(events, digest), str(events))
    except DataError as exc:
        error = exc

        def fail() -> RawEvents:
            raise error

        return fail
    return job.result


def _hashed(table: TicketTable, digest: Digest) -> TicketTable:
    """The table with the input's hash, computed while it was assembled (one core is busy
    assembling, the other hashes)."""
    table.data_hash = digest.hexdigest()
    return table


def is_parquet(path: str | Path) -> bool:
    """Whether a canonical input is a Parquet file (by its suffix, compressed or not).

    >>> is_parquet("t.parquet"), is_parquet("T.PQ.gz"), is_parquet("t.csv")
    (True, True, False)
    """
    from slalang.data.sources import format_of, strip_compression

    name = strip_compression(str(path).lower())
    return name.endswith((".parquet", ".pq")) and format_of(name) == "parquet"


def check_errors(rejected: list[Rejection], max_errors: int | float | None,
                 total: int | None = None, *, so_far: bool = False) -> None:
    """Raise :class:`DataError` when more rows were refused than ``max_errors`` allows: a
    number of rows (int), or a share of the ``total`` rows read (a float in [0, 1], from
    ``--max-errors 5%``; without a total the share is checked later, when it is known).
    ``so_far``: the rows refused until now, more may come (the chunked engine stops as soon
    as the limit is passed, before its last pass finds the tickets with an event before
    their creation): the count is said to be a floor, the row named one of them."""
    if max_errors is None:
        return
    if isinstance(max_errors, float):
        if total is None:
            return
        allowed = int(max_errors * total)
        said = f"{max_errors * 100:g}% of the {total} rows read ({allowed})"
    else:
        allowed, said = max_errors, str(max_errors)
    if len(rejected) <= allowed:
        return
    first = rejected[0]
    count, which = (f"at least {len(rejected)}", "one of them") if so_far else (
        str(len(rejected)), "the first")
    raise DataError(f"{count} row(s) rejected, more than the {said} allowed; "
                    f"{which}: {first.reason}", file=first.file, row=first.row,
                    field=first.field)


def parse_max_errors(text: str) -> int | float:
    """``--max-errors``: a number of rows, or a share of the rows read (``5%``).

    >>> parse_max_errors("10"), parse_max_errors("5%"), parse_max_errors("0.5%")
    (10, 0.05, 0.005)
    """
    text = text.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1]) / 100
            if not 0 <= share <= 1:
                raise ValueError
            return share
        count = int(text)
        if count < 0:
            raise ValueError
        return count
    except ValueError:
        raise ValueError(f"{text!r} is neither a number of rows (10) nor a share of the "
                         "rows read (5%)") from None
