"""Shared calendars for the business-time tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from slalang.businesstime import Calendar

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WORKDAYS, "sat", "sun")
#: the reference contract's office hours: 8.5 working hours a day
OFFICE_HOURS = {d: [("08:30", "13:00"), ("14:00", "18:00")] for d in WORKDAYS}


def office_calendar() -> Calendar:
    """The contract's `office`: Rome, Mon-Fri 08:30-13:00/14:00-18:00, IT holidays, closed
    every 24 and 31 December."""
    return Calendar(
        "Europe/Rome",
        OFFICE_HOURS,
        holiday_sources=[("IT", None)],
        yearly_closures=[(12, 24), (12, 31)],
        name="office",
    )


@pytest.fixture(scope="module")
def office() -> Calendar:
    return office_calendar()


def rome(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


def ny(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


H = 3600
