"""Working hours of a day: parsing ``("08:30", "13:00")`` pairs into minutes after midnight.

A day's hours are a tuple of ``(start, end)`` minute pairs. ``end`` may be 1440 ("24:00").
An end at or before the start (``("22:00", "06:00")``) is a shift that runs past midnight: it
belongs to the day it starts on and ends on the next day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from slalang.businesstime.errors import TimeError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: minute pairs of one day
DayHours = tuple[tuple[int, int], ...]

_FULL_NAMES = {name: name[:3] for name in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}


def parse_clock(value: object) -> int:
    """Minutes after midnight of ``"HH:MM"`` (``"24:00"`` allowed), a ``datetime.time``, or an
    int already in minutes.

    >>> parse_clock("08:30"), parse_clock("24:00")
    (510, 1440)
    """
    if isinstance(value, bool):
        raise TimeError(f"invalid time of day {value!r}: expected 'HH:MM'")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, dt.time):
        if value.second or value.microsecond:
            raise TimeError(f"time of day {value} has seconds: hours are whole minutes")
        minutes = value.hour * 60 + value.minute
    elif isinstance(value, str):
        hh, sep, mm = value.strip().partition(":")
        if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2 and len(hh) <= 2):
            raise TimeError(f"invalid time of day {value!r}: expected 'HH:MM', e.g. '08:30'")
        if int(mm) > 59:
            raise TimeError(f"invalid time of day {value!r}: minutes go up to 59")
        minutes = int(hh) * 60 + int(mm)
    else:
        raise TimeError(f"invalid time of day {value!r}: expected 'HH:MM', e.g. '08:30'")
    if not 0 <= minutes <= 1440:
        raise TimeError(f"invalid time of day {value!r}: must lie between 00:00 and 24:00")
    return minutes


def parse_day(ranges: Iterable, where: str) -> DayHours:
    """A day's ranges as sorted minute pairs; ``where`` names the day in error messages."""
    out = []
    for item in ranges:
        try:
            start, end = item
        except (TypeError, ValueError):
            raise TimeError(
                f"{where}: expected (start, end) pairs like ('08:30', '13:00'), got {item!r}"
            ) from None
        s, e = parse_clock(start), parse_clock(end)
        if s == 1440:
            raise TimeError(f"{where}: a range cannot start at 24:00")
        if s == e:
            raise TimeError(f"{where}: the range {start}-{end} is empty")
        out.append((s, e))
    return tuple(sorted(out))


def parse_weekly(weekly_hours: Mapping[str, Iterable]) -> tuple[DayHours, ...]:
    """Seven days of hours, Monday first, from a mapping keyed by weekday name.

    Days not named are closed.

    >>> parse_weekly({"mon": [("08:30", "13:00")], "Friday": []})[:2]
    (((510, 780),), ())
    """
    days: dict[str, DayHours] = {}
    for key, ranges in weekly_hours.items():
        name = str(key).strip().lower()
        name = _FULL_NAMES.get(name, name)
        if name not in WEEKDAYS:
            raise TimeError(
                f"unknown weekday {key!r}: use one of {', '.join(WEEKDAYS)}"
            )
        if name in days:
            raise TimeError(f"weekday {name!r} is given twice")
        days[name] = parse_day(ranges, name)
    return tuple(days.get(name, ()) for name in WEEKDAYS)
