"""Reporting periods: months in the policy's zone, quarters and explicit date ranges.

A period is split into *buckets*, one per calendar month it touches (clipped to the period for a
date range). Every figure of an evaluation (compliance, uptime, credit) is computed per bucket;
quarters and ranges aggregate their buckets. Bucket bounds are int64 epoch seconds of local
midnights in the policy's zone, so a month lasts its real length: October 2026 in Europe/Rome
has 31 days and one hour (the clocks go back), March 31 days less one hour.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from slalang.businesstime.clock import MAX_YEAR, MIN_YEAR
from slalang.errors import SlalangError


class PeriodError(SlalangError):
    """A ``--period`` or ``--as-of`` value that cannot be understood (a usage error)."""


@dataclass(frozen=True)
class Bucket:
    """One month of a period (possibly clipped): ``[start, end)`` in epoch seconds."""

    #: ``2026-07``
    label: str
    year: int
    month: int
    start: int
    end: int

    @property
    def seconds(self) -> int:
        """The bucket's real length in seconds (DST nights included)."""
        return self.end - self.start


@dataclass(frozen=True)
class Period:
    """A reporting period: a month, a quarter or a date range, in the policy's zone."""

    #: ``month``, ``quarter`` or ``range``
    kind: str
    #: normalised text: ``2026-07``, ``2026-Q3``, ``2026-07-01..2026-09-30``
    label: str
    timezone: str
    first_day: dt.date
    #: inclusive
    last_day: dt.date
    buckets: tuple[Bucket, ...]

    @property
    def start(self) -> int:
        return self.buckets[0].start

    @property
    def end(self) -> int:
        return self.buckets[-1].end


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def local_midnight(day: dt.date, zone: ZoneInfo) -> int:
    """Epoch seconds of 00:00 local time on ``day`` in ``zone``.

    >>> local_midnight(dt.date(2026, 7, 1), ZoneInfo("Europe/Rome"))
    1782856800
    """
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def period_from_days(kind: str, label: str, first: dt.date, last: dt.date, timezone: str
                     ) -> Period:
    """Split the inclusive day range ``first..last`` into month buckets."""
    if last < first:
        raise PeriodError(f"period {label!r} ends before it starts")
    zone = ZoneInfo(timezone)
    buckets = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        ny, nm = _next_month(year, month)
        lo = max(first, dt.date(year, month, 1))
        hi = min(last + dt.timedelta(days=1), dt.date(ny, nm, 1))
        buckets.append(Bucket(f"{year:04d}-{month:02d}", year, month,
                              local_midnight(lo, zone), local_midnight(hi, zone)))
        year, month = ny, nm
    return Period(kind, label, timezone, first, last, tuple(buckets))


def parse_period(text: str, timezone: str) -> Period:
    """Parse ``2026-07`` (month), ``2026-Q3`` (quarter) or ``2026-07-01..2026-09-30`` (range).

    >>> p = parse_period("2026-10", "Europe/Rome")
    >>> p.buckets[0].seconds == (31 * 24 + 1) * 3600
    True
    >>> [b.label for b in parse_period("2026-Q3", "Europe/Rome").buckets]
    ['2026-07', '2026-08', '2026-09']
    """
    text = text.strip()
    try:
        _supported_years("period", text, re.findall(r"(?<!\d)\d{4,}(?!\d)", text))
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            ny, nm = _next_month(year, month)
            first = dt.date(year, month, 1)
            last = dt.date(ny, nm, 1) - dt.timedelta(days=1)
            return period_from_days("month", f"{year:04d}-{month:02d}", first, last, timezone)
        if m := _QUARTER.match(text):
            year, q = int(m[1]), int(m[2])
            first = dt.date(year, 3 * q - 2, 1)
            ny, nm = _next_month(year, 3 * q)
            last = dt.date(ny, nm, 1) - dt.timedelta(days=1)
            return period_from_days("quarter", f"{year:04d}-Q{q}", first, last, timezone)
        if m := _RANGE.match(text):
            first, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            return period_from_days("range", f"{first}..{last}", first, last, timezone)
    except ValueError as exc:  # e.g. month 13, day 31 of a 30-day month
        raise PeriodError(f"invalid period {text!r}: {exc}") from None
    raise PeriodError(
        f"invalid period {text!r}: write a month (2026-07), a quarter (2026-Q3) "
        "or a date range (2026-07-01..2026-09-30)")


def period_covering(instants: np.ndarray, timezone: str) -> Period | None:
    """The whole months spanning ``instants`` (NAT values ignored), for when no period is given."""
    valid = instants[instants != np.iinfo(np.int64).min]
    if valid.size == 0:
        return None
    zone = ZoneInfo(timezone)
    lo = dt.datetime.fromtimestamp(int(valid.min()), zone).date()
    hi = dt.datetime.fromtimestamp(int(valid.max()), zone).date()
    first = lo.replace(day=1)
    ny, nm = _next_month(hi.year, hi.month)
    last = dt.date(ny, nm, 1) - dt.timedelta(days=1)
    if (first.year, first.month) == (hi.year, hi.month):
        return period_from_days("month", f"{first:%Y-%m}", first, last, timezone)
    return period_from_days("range", f"{first}..{last}", first, last, timezone)


def bucket_of(instants: np.ndarray, period: Period) -> np.ndarray:
    """Index of the bucket holding each instant (int32), -1 outside the period or NAT.

    >>> p = parse_period("2026-Q3", "Europe/Rome")
    >>> t = np.array([1785540600, 1785535199], dtype=np.int64)  # 07-31T23:30Z, 21:59:59Z
    >>> bucket_of(t, p).tolist()   # 01:30 on 1 August in Rome; 23:59:59 on 31 July
    [1, 0]
    """
    edges = np.array([b.start for b in period.buckets] + [period.end], dtype=np.int64)
    idx = np.searchsorted(edges, instants, side="right").astype(np.int32) - 1
    # clipped range buckets are contiguous, so only the outer edges matter
    idx[(instants < edges[0]) | (instants >= edges[-1])] = -1
    return idx


def parse_instant(text: str) -> int:
    """An ISO 8601 instant with an offset (``Z`` allowed) as epoch seconds; naive is an error.

    >>> parse_instant("2026-07-31T23:30:00Z")
    1785540600
    """
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"invalid instant {text!r}: write ISO 8601 with an offset, "
                          "e.g. 2026-09-30T23:59:59+02:00") from None
    if value.tzinfo is None:
        raise PeriodError(f"instant {text!r} has no offset: add one, e.g. +02:00 or Z")
    _supported_years("instant", text, [str(value.year)])
    return int(value.timestamp())


def _supported_years(what: str, text: str, years: list[str]) -> None:
    """Refuse a period or instant outside the years business time supports, before any
    arithmetic on it (year 9999 + one month overflows ``datetime``)."""
    for year in years:
        if not MIN_YEAR <= int(year) <= MAX_YEAR:
            raise PeriodError(f"invalid {what} {text!r}: year {int(year)} is outside the "
                              f"years slalang evaluates ({MIN_YEAR}-{MAX_YEAR})")



def resolve_as_of(as_of: str | None, period: Period | None,
                  now: int | None = None) -> tuple[int, str]:
    """The evaluation instant every verb uses, and why it is that one.

    Given ``--as-of`` wins; else the end of the period when one is given (so a rerun gives the
    same answer); else now, because an instant picked from the data (its last event, say)
    would judge each ticket at a different moment.

    >>> p = parse_period("2026-07", "Europe/Rome")
    >>> resolve_as_of(None, p)
    (1785535200, 'the end of the period 2026-07')
    >>> resolve_as_of("2026-07-15T12:00:00+02:00", p)[1]
    'given with --as-of'
    >>> resolve_as_of(None, None, now=1785535200)
    (1785535200, 'now: no --period was given')
    """
    if as_of is not None:
        return parse_instant(as_of), "given with --as-of"
    if period is not None:
        return period.end, f"the end of the period {period.label}"
    import time

    return (int(time.time()) if now is None else now), "now: no --period was given"
