"""Literal values: durations, clock times and dates, from source text to meaning.

Each parser returns ``None`` for text it cannot accept; the checks turn that into a diagnostic
with the literal's span, so nothing here raises.
"""

from __future__ import annotations

import datetime as dt
import re

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_PART = re.compile(r"(\d+)(days|day|d|h|m|s)")


def duration_seconds(text: str) -> int | None:
    """Seconds in ``2h``, ``15m``, ``1h30m``; ``None`` for day units, which are ambiguous.

    >>> duration_seconds("1h30m")
    5400
    >>> duration_seconds("2d") is None
    True
    """
    total = 0
    for amount, unit in _PART.findall(text):
        if unit not in _UNIT_SECONDS:
            return None
        # int() refuses more than 4,300 digits; any amount this long is absurdly large anyway
        # (the checks bound targets far below it), so cap it instead of failing
        total += (int(amount) if len(amount) <= 30 else 10**30) * _UNIT_SECONDS[unit]
    return total


def has_day_unit(text: str) -> bool:
    """Whether a duration literal uses ``d``/``day``/``days``."""
    return any(unit not in _UNIT_SECONDS for _, unit in _PART.findall(text))


def format_duration(seconds: int) -> str:
    """The canonical spelling: largest units first, zero parts left out.

    >>> format_duration(5400), format_duration(900), format_duration(0)
    ('1h30m', '15m', '0s')
    """
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v]
    return "".join(parts) or "0s"


def clock_minutes(text: str) -> int | None:
    """Minutes after midnight of ``HH:MM`` (``24:00`` gives 1440); ``None`` if invalid.

    >>> clock_minutes("08:30"), clock_minutes("24:00"), clock_minutes("24:30")
    (510, 1440, None)
    """
    hours, minutes = (int(p) for p in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def iso_date(text: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date, or ``None`` if no such day exists."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


#: the years business time, holidays and evaluation support (slalang.businesstime.clock)
YEARS = range(1900, 2400)


def unsupported_year(text: str) -> str | None:
    """Why a real ``YYYY-MM-DD`` date cannot be used, or ``None`` when it can.

    >>> unsupported_year("9999-12-31")
    'year 9999 is outside the years slalang supports (1900-2399)'
    """
    day = iso_date(text)
    if day is None or day.year in YEARS:
        return None
    return f"year {day.year} is outside the years slalang supports ({YEARS[0]}-{YEARS[-1]})"


def month_day(text: str) -> tuple[int, int] | None:
    """``MM-DD`` as (month, day), accepting 02-29 (a closure on leap days only)."""
    month, day = (int(p) for p in text.split("-"))
    try:
        dt.date(2024, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        return None
    return month, day
