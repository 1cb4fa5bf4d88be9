"""Differential test against the PyPI library businesstimedelta on thousands of intervals.

Shared calendar: Mon-Fri 09:00-18:00 with a 13:00-14:00 lunch break and a list of holidays,
in Asia/Tokyo. businesstimedelta localises wall-clock times with pytz one day at a time, and we
keep it away from DST altogether by using a zone that has none (Japan has had no DST since
1951), so the comparison is about hours, lunch, weekends and holidays only.

Convention differences, named:
- reversed intervals: businesstimedelta's ``difference`` sorts its two instants and returns
  the absolute business time; slalang returns 0 (a clock that stopped before it started ran
  for nothing). The test swaps such pairs before asking businesstimedelta.
- target 0 outside working hours: businesstimedelta returns the next opening; slalang
  returns the start itself (nothing has to happen, so nothing is late). The test compares
  due instants only for targets > 0.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

businesstimedelta = pytest.importorskip("businesstimedelta")
pytz = pytest.importorskip("pytz")

from slalang.businesstime import Calendar  # noqa: E402

ZONE = "Asia/Tokyo"
HOLIDAYS = [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 2, 11),
            dt.date(2026, 4, 29), dt.date(2026, 5, 4), dt.date(2026, 5, 5),
            dt.date(2026, 5, 6), dt.date(2026, 7, 20), dt.date(2026, 9, 21),
            dt.date(2026, 11, 3), dt.date(2026, 12, 31),
            # businesstimedelta's HolidayRule crashes when no holiday follows an instant within
            # five years (next_holiday returns None): a sentinel far away keeps it working
            dt.date(2029, 1, 2)]
LO = int(dt.datetime(2025, 12, 20, tzinfo=dt.UTC).timestamp())
HI = int(dt.datetime(2026, 12, 20, tzinfo=dt.UTC).timestamp())


def reference_rule():
    tz = pytz.timezone(ZONE)
    work = businesstimedelta.WorkDayRule(
        start_time=dt.time(9), end_time=dt.time(18), working_days=[0, 1, 2, 3, 4], tz=tz
    )
    lunch = businesstimedelta.LunchTimeRule(
        start_time=dt.time(13), end_time=dt.time(14), working_days=[0, 1, 2, 3, 4], tz=tz
    )
    holidays = businesstimedelta.HolidayRule(frozenset(HOLIDAYS), tz=tz)
    return businesstimedelta.Rules([work, lunch, holidays])


def ours() -> Calendar:
    hours = [("09:00", "13:00"), ("14:00", "18:00")]
    return Calendar(ZONE, {d: hours for d in ("mon", "tue", "wed", "thu", "fri")},
                    holidays=HOLIDAYS)


def utc(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def test_elapsed_and_due_agree_with_businesstimedelta():
    rng = random.Random(20261126)
    rule, cal = reference_rule(), ours()
    checked = 0
    for _ in range(2000):
        a = rng.randint(LO, HI)
        # mostly short spans (up to three days), some up to two weeks; some on exact hours
        b = a + (rng.randint(0, 14 * 86400) if rng.random() < 0.1 else rng.randint(0, 3 * 86400))
        if rng.random() < 0.2:
            a -= a % 3600
            b -= b % 3600
        if rng.random() < 0.1:
            a, b = b, a  # reversed: slalang says 0, the reference says |b - a| business time
        want = int(rule.difference(utc(min(a, b)), utc(max(a, b))).timedelta.total_seconds())
        got = cal.elapsed(utc(a), utc(b))
        assert got == (want if a <= b else 0), (utc(a), utc(b))

        target = rng.choice([rng.randint(1, 24 * 3600), rng.randint(1, 4) * 3600])
        want_due = utc(a) + businesstimedelta.BusinessTimeDelta(rule, seconds=target)
        assert cal.due(utc(a), target) == want_due, (utc(a), target)
        checked += 1
    assert checked == 2000
