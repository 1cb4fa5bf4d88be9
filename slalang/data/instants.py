"""Turning timestamp text into int64 epoch seconds (UTC), vectorised where it matters.

The canonical form wants ISO 8601 with an offset (``Z`` allowed). pyarrow parses those at
C speed; when a column holds something it refuses, we fall back to Python for that column so
that every bad value is reported with its row instead of failing the whole file. A mapping may
give a ``strptime`` format and the time zone of naive timestamps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.table import NAT

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class Parsed:
    """Instants of one column: ``values`` (NAT where absent or bad) and ``errors`` (row index
    -> reason) for the values that could not be read."""

    values: np.ndarray
    errors: dict[int, str]


def _floor_seconds(ts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A timestamp array (any unit; a CSV reader's column comes in many chunks) to int64
    seconds, NAT for nulls: each chunk copied once, straight into the array returned (owned,
    writable), not combined into one Arrow array first."""
    chunks = ts.chunks if isinstance(ts, pa.ChunkedArray) else [ts]
    scale = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[ts.type.unit]
    out = np.empty(sum(len(c) for c in chunks), dtype=np.int64)
    at = 0
    for chunk in chunks:
        ints = chunk.view(pa.int64())  # zero-copy: the epoch count in the type's unit
        if ints.null_count:
            ints = pc.fill_null(ints, NAT)
        out[at:at + len(chunk)] = ints.to_numpy(zero_copy_only=False)
        at += len(chunk)
    if scale != 1:
        valid = out != NAT
        out = np.where(valid, np.floor_divide(out, scale), NAT)
    return out


def parse_instants(text: pa.Array | pa.ChunkedArray, fmt: str | None = None,
                   timezone: str | None = None) -> Parsed:
    """Parse a string column (nulls are absent values).

    ``fmt`` None means ISO 8601; naive values are an error unless ``timezone`` names their zone.

    >>> p = parse_instants(pa.array(["2026-07-01T09:12:00+02:00", None, "2026-07-01T07:12Z"]))
    >>> v = p.values.tolist()
    >>> v[0] == v[2], v[1] == NAT, p.errors
    (True, True, {})
    >>> parse_instants(pa.array(["2026-07-01T09:12:00"])).errors
    {0: "naive timestamp '2026-07-01T09:12:00' (no UTC offset); give its time zone in a mapping"}
    """
    if pa.types.is_timestamp(text.type):  # typed by the reader: the fast path
        return Parsed(_floor_seconds(text), {})
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks() if text.num_chunks != 1 else text.chunk(0)
    if fmt is None and timezone is None:
        try:  # fast path: everything is ISO with an offset
            return Parsed(_floor_seconds(pc.cast(text, pa.timestamp("us", tz="UTC"))), {})
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    elif fmt and timezone is not None and "%z" not in fmt:  # pyarrow crashes on format ""
        try:  # fast path for a mapping: strptime, then attach the zone
            naive = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
            if naive.null_count == text.null_count:
                aware = pc.assume_timezone(naive, timezone=timezone, ambiguous="earliest",
                                           nonexistent="latest")
                return Parsed(_floor_seconds(aware), {})
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return _parse_slow(text.to_pylist(), fmt, timezone)


def clock_change_rows(text: pa.Array | pa.ChunkedArray, fmt: str | None,
                      timezone: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``(ambiguous, nonexistent)``: the positions of naive times (read with ``fmt`` in
    ``timezone``) that fall in the hour a clock change repeats, which is read as its earlier
    instant, or skips, which is read as the first instant after it (as
    :func:`parse_instants` reads them). Empty for times with an offset. Without a format
    (naive ISO 8601 in a mapping's zone) and where pyarrow cannot read the column, each
    distinct text is looked at in Python, as :func:`parse_instants` reads it.

    >>> a, n = clock_change_rows(pa.array(["2026-10-25 02:30", "2026-03-29 02:30",
    ...                                     "2026-07-01 09:00"]), "%Y-%m-%d %H:%M",
    ...                          "Europe/Rome")
    >>> a.tolist(), n.tolist()
    ([0], [1])
    """
    none = np.zeros(0, dtype=np.int64)
    if timezone is None or (fmt and "%z" in fmt):
        return none, none
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks() if text.num_chunks != 1 else text.chunk(0)
    try:
        naive = (pc.strptime(text, format=fmt, unit="s", error_is_null=True) if fmt
                 else pc.cast(text, pa.timestamp("us")))  # naive ISO 8601, all or nothing
        local = _floor_seconds(naive)
        # only the times near one of the zone's clock changes are read again: reading the
        # whole column three ways cost twice its parse (169 against 76 ms a million)
        near = np.flatnonzero(_near_change(local, timezone))
        if not len(near):
            return none, none
        subset = naive.take(pa.array(near))

        def read(ambiguous: str, nonexistent: str) -> np.ndarray:
            aware = pc.assume_timezone(subset, timezone=timezone, ambiguous=ambiguous,
                                       nonexistent=nonexistent)
            return _floor_seconds(aware)

        taken = read("earliest", "latest")
        ambiguous = near[taken != read("latest", "latest")]
        nonexistent = near[taken != read("earliest", "earliest")]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _clock_change_rows_slow(text, fmt, timezone)
    return ambiguous, nonexistent


def _clock_change_rows_slow(text: pa.Array, fmt: str | None,
                            timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clock_change_rows` where pyarrow cannot read the column (ISO 8601 texts with
    and without offsets, padded, or some not times at all): each distinct text read once;
    texts that are not times, or carry an offset, are neither."""
    zone = ZoneInfo(timezone)
    encoded = text.dictionary_encode()
    kinds = np.zeros(len(encoded.dictionary) + 1, dtype=np.int8)  # 1 ambiguous, 2 skipped
    for k, raw in enumerate(encoded.dictionary.to_pylist()):
        try:
            value = (dt.datetime.strptime(raw.strip(), fmt) if fmt
                     else dt.datetime.fromisoformat(raw.strip()))
        except ValueError:
            continue
        if value.tzinfo is not None:
            continue
        if not _exists(value, zone):
            kinds[k] = 2
        elif (value.replace(tzinfo=zone, fold=0).utcoffset()
              != value.replace(tzinfo=zone, fold=1).utcoffset()):
            kinds[k] = 1
    codes = pc.fill_null(encoded.indices, len(encoded.dictionary))
    kind = kinds[np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int64)]
    return np.flatnonzero(kind == 1), np.flatnonzero(kind == 2)


#: how far from a clock change (local seconds) a time is read again, and the most years of
#: hourly offsets looked at for the changes (beyond: every time is read again)
_NEAR = 3 * 3600
_MAX_YEARS = 200


def _near_change(local: np.ndarray, timezone: str) -> np.ndarray:
    """Which local times (naive epoch seconds; NAT: none) lie within :data:`_NEAR` of a
    change of the zone's UTC offset: the zone's offset read hour by hour over the years the
    times span, a change where two hours differ."""
    valid = local != NAT
    if not valid.any():
        return valid
    lo, hi = int(local[valid].min()), int(local[valid].max())
    if hi - lo > _MAX_YEARS * 366 * 86_400:
        return valid
    hours = np.arange(lo - lo % 3600 - _NEAR, hi + _NEAR + 3600, 3600, dtype=np.int64)
    aware = pc.assume_timezone(pa.array(hours, pa.timestamp("s")), timezone=timezone,
                               ambiguous="earliest", nonexistent="latest")
    offsets = hours - _floor_seconds(aware)
    changes = hours[1:][np.diff(offsets) != 0]
    if not len(changes):
        return np.zeros(len(local), dtype=bool)
    at = np.clip(np.searchsorted(changes, local), 1, len(changes)) - 1
    after = np.clip(at + 1, 0, len(changes) - 1)
    gap = np.minimum(np.abs(local - changes[at]), np.abs(local - changes[after]))
    return valid & (gap <= _NEAR)


def _parse_slow(values: list[str | None], fmt: str | None, timezone: str | None) -> Parsed:
    zone = ZoneInfo(timezone) if timezone else None
    out = np.full(len(values), NAT, dtype=np.int64)
    errors: dict[int, str] = {}
    cache: dict[str, int | str] = {}
    for i, raw in enumerate(values):
        if raw is None or raw == "":
            continue
        hit = cache.get(raw)
        if hit is None:
            hit = cache[raw] = parse_one(raw, fmt, zone)
            if isinstance(hit, str) and fmt is None and raw.lstrip().startswith("0000-"):
                hit = cache[raw] = _as_arrow_reads(raw, hit)
        if isinstance(hit, str):
            errors[i] = hit
        else:
            out[i] = hit
    return Parsed(out, errors)


def _as_arrow_reads(raw: str, reason: str) -> int | str:
    """An ISO 8601 text of year 0000, which Python refuses and pyarrow reads: read as the
    fast path reads it, so that its row is refused for the same reason whichever path its
    column took (the year's range, not "bad timestamp"), whatever else the batch held. Only
    such texts are tried: a cast per refused text made a column of unreadable values six
    times slower to refuse."""
    try:
        value = pc.cast(pa.array([raw.strip()]), pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return reason
    return int(_floor_seconds(value)[0])


def parse_one(raw: str, fmt: str | None = None, zone: dt.tzinfo | None = None) -> int | str:
    """One timestamp to epoch seconds, or the reason it cannot be read (a str).

    >>> parse_one("2026-07-01T09:12:00+02:00")
    1782889920
    >>> parse_one("1/7/2026 09:12", "%d/%m/%Y %H:%M", ZoneInfo("Europe/Rome"))
    1782889920
    >>> parse_one("yesterday")
    "bad timestamp 'yesterday' (expected ISO 8601 with an offset, e.g. 2026-07-01T09:12:00+02:00)"
    """
    text = raw.strip()
    try:
        value = dt.datetime.strptime(text, fmt) if fmt else dt.datetime.fromisoformat(text)
    except ValueError:
        expected = f"format {fmt!r}" if fmt else (
            "ISO 8601 with an offset, e.g. 2026-07-01T09:12:00+02:00")
        return f"bad timestamp {raw!r} (expected {expected})"
    if value.tzinfo is None:
        if zone is None:
            return f"naive timestamp {raw!r} (no UTC offset); give its time zone in a mapping"
        value = _localize(value, zone)
    return (value - _EPOCH) // dt.timedelta(seconds=1)


def _localize(naive: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """Attach ``zone`` the way pyarrow's fast path does: an ambiguous wall time (the repeated
    autumn hour) is the earlier instant, a nonexistent one (the skipped spring hour) moves
    forward to the end of the gap."""
    probe = naive
    while not _exists(probe, zone):  # gaps are whole minutes, at most a few hours
        probe = (probe + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    return probe.replace(tzinfo=zone, fold=0)


def _exists(naive: dt.datetime, zone: dt.tzinfo) -> bool:
    aware = naive.replace(tzinfo=zone, fold=0)
    return aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == naive
