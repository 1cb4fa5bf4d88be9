"""Time zones and instants: loading zones, wall-clock times to UTC, datetimes to epoch seconds.

Inside the engine an instant is an int count of seconds since the Unix epoch (UTC).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from slalang.businesstime.errors import TimeError

UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_DAY = dt.timedelta(days=1)


def load_zone(name: str) -> dt.tzinfo:
    """The IANA zone ``name`` (``"UTC"`` included); a clear error when it does not exist."""
    if name in ("UTC", "Etc/UTC", "Z"):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    # OSError: the zone is a file name; "File name too long" and the like mean no such zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise TimeError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Rome' or 'UTC'"
        ) from None


def to_epoch(instant: dt.datetime, what: str = "instant") -> int:
    """Whole seconds since the epoch of an aware datetime (sub-second parts are floored).

    >>> to_epoch(dt.datetime(2026, 1, 1, 1, 0, tzinfo=load_zone("Europe/Rome")))
    1767225600
    """
    if not isinstance(instant, dt.datetime):
        raise TimeError(f"{what} must be a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise TimeError(
            f"{what} {instant.isoformat()} has no time zone: business time needs aware "
            "datetimes (e.g. datetime(..., tzinfo=ZoneInfo('Europe/Rome')))"
        )
    delta = instant - _EPOCH
    return delta.days * 86400 + delta.seconds


def from_epoch(seconds: int) -> dt.datetime:
    """The aware UTC datetime of an epoch second."""
    return _EPOCH + dt.timedelta(seconds=int(seconds))


def local_to_epoch(zone: dt.tzinfo, day: dt.date, minute: int) -> int:
    """The instant of wall-clock ``minute`` (0..1440) of local ``day`` in ``zone``.

    Wall times that do not exist (the spring-forward gap) map to the instant of the transition;
    ambiguous ones (the fall-back fold) take the first occurrence (``fold=0``).
    """
    naive = dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute)
    t = to_epoch(naive.replace(tzinfo=zone, fold=0))
    if from_epoch(t).astimezone(zone).replace(tzinfo=None) == naive:
        return t
    # In a gap fold=0 applies the offset from before the transition, landing after it; fold=1
    # applies the later offset, landing before it. The transition lies between: bisect it.
    lo = to_epoch(naive.replace(tzinfo=zone, fold=1))
    hi = t
    before = from_epoch(lo).astimezone(zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if from_epoch(mid).astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi


def local_year(zone: dt.tzinfo, seconds: int) -> int:
    """The calendar year, in ``zone``, of an epoch second."""
    return from_epoch(seconds).astimezone(zone).year


def year_start(zone: dt.tzinfo, year: int) -> int:
    """The instant local midnight of 1 January ``year`` in ``zone``."""
    return local_to_epoch(zone, dt.date(year, 1, 1), 0)
