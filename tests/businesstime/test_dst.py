"""Both DST nights in Europe/Rome and America/New_York, on 24x7 and night-shift calendars.

Local hours are wall-clock hours: a day of a 24x7 calendar lasts 23 or 25 real hours, and a
22:00-06:00 shift counts the real seconds between its two local instants.
"""

from __future__ import annotations

import datetime as dt

import pytest

from slalang.businesstime import Calendar

from .conftest import ALL_DAYS, H, ny, rome

# 24x7 built from hours (with a holiday far away, so the general clock is exercised, not the
# B(t) = t fast path)
FULL = {d: [("00:00", "24:00")] for d in ALL_DAYS}
NIGHT = {d: [("22:00", "06:00")] for d in ALL_DAYS}


def calendars(zone: str) -> list[Calendar]:
    return [Calendar.always(zone), Calendar(zone, FULL, holidays=[dt.date(2000, 1, 1)])]


@pytest.mark.parametrize("cal", calendars("Europe/Rome"), ids=["fast", "built"])
def test_rome_24x7_days_last_23_and_25_hours(cal):
    # 29 Mar 2026: 02:00 CET -> 03:00 CEST, the day has 23 hours
    assert cal.elapsed(rome(2026, 3, 29), rome(2026, 3, 30)) == 23 * H
    # 25 Oct 2026: 03:00 CEST -> 02:00 CET, the day has 25 hours
    assert cal.elapsed(rome(2026, 10, 25), rome(2026, 10, 26)) == 25 * H
    # 24h from the spring midnight falls due at 01:00 local the next day
    assert cal.due(rome(2026, 3, 29), 24 * H) == rome(2026, 3, 30, 1)
    assert cal.due(rome(2026, 10, 25), 24 * H) == rome(2026, 10, 25, 23)


@pytest.mark.parametrize("cal", calendars("America/New_York"), ids=["fast", "built"])
def test_new_york_24x7_days_last_23_and_25_hours(cal):
    assert cal.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == 23 * H
    assert cal.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == 25 * H


def test_rome_night_shift():
    cal = Calendar("Europe/Rome", NIGHT)
    # Sat 28 Mar 22:00 CET (21:00Z) -> Sun 29 Mar 06:00 CEST (04:00Z): 7 real hours
    assert cal.elapsed(rome(2026, 3, 28, 12), rome(2026, 3, 29, 12)) == 7 * H
    # Sat 24 Oct 22:00 CEST (20:00Z) -> Sun 25 Oct 06:00 CET (05:00Z): 9 real hours
    assert cal.elapsed(rome(2026, 10, 24, 12), rome(2026, 10, 25, 12)) == 9 * H
    # an ordinary night has 8
    assert cal.elapsed(rome(2026, 6, 6, 12), rome(2026, 6, 7, 12)) == 8 * H
    # 01:00-03:00 local on the fall-back night holds 3 real hours (02:00-03:00 twice)
    assert cal.elapsed(rome(2026, 10, 25, 1), rome(2026, 10, 25, 3)) == 3 * H
    # 7h from 22:00 on the spring night ends at 06:00, the end of the shift
    assert cal.due(rome(2026, 3, 28, 22), 7 * H) == rome(2026, 3, 29, 6)


def test_new_york_night_shift():
    cal = Calendar("America/New_York", NIGHT)
    # Sat 7 Mar 22:00 EST (03:00Z) -> Sun 8 Mar 06:00 EDT (10:00Z): 7 hours
    assert cal.elapsed(ny(2026, 3, 7, 12), ny(2026, 3, 8, 12)) == 7 * H
    # Sat 31 Oct 22:00 EDT (02:00Z) -> Sun 1 Nov 06:00 EST (11:00Z): 9 hours
    assert cal.elapsed(ny(2026, 10, 31, 12), ny(2026, 11, 1, 12)) == 9 * H


def test_gap_maps_to_transition_and_fold_takes_first_occurrence():
    cal = Calendar("Europe/Rome", {d: [("02:30", "05:00")] for d in ALL_DAYS})
    # ordinary day: 2.5h
    assert cal.elapsed(rome(2026, 6, 7), rome(2026, 6, 8)) == 2 * H + 30 * 60
    # 29 Mar: 02:30 does not exist -> the transition (01:00Z = 03:00 CEST); to 05:00 CEST: 2h
    assert cal.elapsed(rome(2026, 3, 29), rome(2026, 3, 30)) == 2 * H
    # 25 Oct: 02:30 happens twice -> the first (02:30 CEST = 00:30Z); to 05:00 CET (04:00Z):
    # 3.5h
    assert cal.elapsed(rome(2026, 10, 25), rome(2026, 10, 26)) == 3 * H + 30 * 60
