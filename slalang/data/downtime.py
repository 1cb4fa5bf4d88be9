"""Service downtime records: ``customer,service,start,end,kind[,note]`` as CSV or JSON Lines.

Downtime is small (tens of records a month), so it is a tuple of frozen records rather than
columns. ``kind`` is a free string; the reference policy knows ``unplanned``, ``planned`` and
``customer_caused``. Instants follow the ticket rules: ISO 8601 with an offset, or a mapping's
format and time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from slalang.data.build import out_of_range, out_of_range_reason
from slalang.data.instants import parse_instants
from slalang.data.source import Digest, kind_of, read_bytes, read_csv
from slalang.data.table import NAT, Rejection, to_datetime
from slalang.errors import DataError

if TYPE_CHECKING:
    from slalang.data.mapping import Mapping

DOWNTIME_FIELDS = ("customer", "service", "start", "end", "kind", "note")
_REQUIRED = ("customer", "service", "start", "end", "kind")


@dataclass(frozen=True)
class DowntimeRecord:
    """One outage: ``[start, end)`` in int64 epoch seconds (UTC)."""

    customer: str
    service: str
    start: int
    end: int
    kind: str
    note: str | None = None
    #: 1-based row (CSV, header = row 1) or line (JSONL) in the source file
    row: int = 0

    @property
    def seconds(self) -> int:
        return self.end - self.start

    def as_dict(self) -> dict:
        """The record with aware UTC datetimes, for explanations and tests."""
        return {"customer": self.customer, "service": self.service,
                "start": to_datetime(self.start), "end": to_datetime(self.end),
                "kind": self.kind, "note": self.note}


@dataclass(frozen=True)
class DowntimeTable:
    records: tuple[DowntimeRecord, ...]
    source: str = ""
    rejected: tuple[Rejection, ...] = ()
    data_hash: str = ""
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[DowntimeRecord]:
        return iter(self.records)

    @property
    def start(self) -> np.ndarray:
        return np.array([r.start for r in self.records], dtype=np.int64)

    @property
    def end(self) -> np.ndarray:
        return np.array([r.end for r in self.records], dtype=np.int64)


def read_downtime(path: str | Path, mapping: Mapping | str | Path | None = None,
                  max_errors: int | None = None) -> DowntimeTable:
    """Read downtime records (CSV or JSON Lines, optionally gzipped).

    ``mapping`` (a :class:`slalang.data.Mapping` or a YAML path) may rename columns, give a
    timestamp format and time zone, and map ``kind`` values.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("customer,service,start,end,kind\\n"
    ...                  "Alfa Srl,email,2026-08-04T10:00:00+02:00,2026-08-04T10:50:00+02:00,"
    ...                  "unplanned\\n")
    >>> d = read_downtime(p)
    >>> len(d), d.records[0].seconds, d.records[0].kind
    (1, 3000, 'unplanned')
    """
    from slalang.data.read import check_errors

    if mapping is not None:
        from slalang.data.mapping import Mapping, load_mapping

        if not isinstance(mapping, Mapping):
            mapping = load_mapping(mapping)
    file = str(path)
    digest = Digest()
    if mapping is not None and _through_registry(path, mapping):
        columns, rows = _source_columns(path, mapping, digest)
    else:
        data = read_bytes(path, digest)
        if kind_of(path) == "csv":
            columns, rows = _csv_columns(data, file, mapping)
        else:
            columns, rows = _jsonl_columns(data, file, mapping)
    records, rejected = _records(columns, rows, file, mapping)
    check_errors(rejected, max_errors)
    return DowntimeTable(tuple(records), file, tuple(rejected), digest.hexdigest())


def _through_registry(path: str | Path, mapping) -> bool:
    """Whether a mapped downtime export needs the reader registry: a format the mapping
    names (JSON records, Excel, Parquet, SQL) or a suffix other than CSV/JSON Lines."""
    from slalang.data.sources import format_of

    declared = mapping.source_options.get("format")
    if declared is not None:
        return declared != "csv" or bool(set(mapping.source_options) - {"format"})
    try:
        kind_of(path)
        return False
    except DataError:
        format_of(path)  # names an unknown suffix
        return True


def _source_columns(path: str | Path, mapping, digest: Digest
                    ) -> tuple[dict[str, list], list[int]]:
    from slalang.data.sources import read_source

    wanted = [s for s in mapping.downtime.values() if isinstance(s, str)]
    options = {**mapping.csv_options(), **mapping.source_options}
    found = read_source(path, options, wanted, digest)
    cols = {name: found.table.column(name).to_pylist() for name in found.table.column_names}
    if found.problems:
        problems = cols.setdefault("__problem__", [None] * found.n)
        for k, reason in found.problems.items():
            problems[k] = reason
    return cols, found.rows.tolist()


def _csv_columns(data: bytes, file: str, mapping) -> tuple[dict[str, list], list[int]]:
    options = mapping.csv_options() if mapping is not None else {}
    bad: list[tuple[int, str]] = []
    table = read_csv(data, file, {}, bad_rows=bad, **options)
    n = table.num_rows
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    if bad:  # malformed rows: refused one by one, the rest read
        problems = cols.setdefault("__problem__", [None] * n)
        for k, reason in bad:
            problems[k] = reason
    return cols, list(range(2, n + 2))


def _jsonl_columns(data: bytes, file: str, mapping) -> tuple[dict[str, list], list[int]]:
    from slalang.data.canonical import _json_records, _text

    records = _json_records(data, file)
    cols: dict[str, list] = {}
    rows = []
    for k, (row, obj) in enumerate(records):
        rows.append(row)
        if isinstance(obj, str):
            cols.setdefault("__problem__", [None] * len(records))[k] = obj
            continue
        for key, value in obj.items():
            cols.setdefault(key, [None] * len(records))[k] = _text(value)
    return cols, rows


def _records(cols: dict[str, list], rows: list[int], file: str, mapping
             ) -> tuple[list[DowntimeRecord], list[Rejection]]:
    n = len(rows)
    if mapping is not None:
        cols = mapping.downtime_columns(cols, n)
    fmt = mapping.timestamp_format if mapping is not None else None
    zone = mapping.timezone if mapping is not None else None
    problems = cols.get("__problem__", [None] * n)
    for name in _REQUIRED:
        if name not in cols and n:
            from slalang.errors import DataError

            raise DataError(f"missing column {name!r}", file=file, row=1, field=name)
    starts = parse_instants(pa.array(cols.get("start", [None] * n), pa.string()), fmt, zone)
    ends = parse_instants(pa.array(cols.get("end", [None] * n), pa.string()), fmt, zone)
    far_start, far_end = out_of_range(starts.values), out_of_range(ends.values)
    records, rejected = [], []
    for k in range(n):
        def refuse(fld: str | None, reason: str, k: int = k) -> None:
            rejected.append(Rejection(file, rows[k], fld, reason))

        if problems[k]:
            refuse(None, problems[k])
            continue
        missing = [c for c in _REQUIRED if not cols[c][k]]
        if missing:
            refuse(missing[0], f"missing {missing[0]}")
        elif k in starts.errors:
            refuse("start", starts.errors[k])
        elif k in ends.errors:
            refuse("end", ends.errors[k])
        elif far_start[k] or far_end[k]:
            fld = "start" if far_start[k] else "end"
            refuse(fld, out_of_range_reason(int((starts if far_start[k] else ends).values[k])))
        elif ends.values[k] < starts.values[k] or NAT in (starts.values[k], ends.values[k]):
            refuse("end", "downtime ends before it starts")
        else:
            note = cols.get("note", [None] * n)[k]
            records.append(DowntimeRecord(cols["customer"][k], cols["service"][k],
                                          int(starts.values[k]), int(ends.values[k]),
                                          cols["kind"][k], note or None, rows[k]))
    return records, rejected
