"""Hand-checked business time on the contract's office calendar (the arithmetic is in the
comments), plus construction and error cases."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pytest

from slalang.businesstime import NAT, Calendar, Pauses, TimeError
from slalang.errors import SlalangError
from slalang.model import CalendarDef, HolidaySource, TimeRange

from .conftest import ALL_DAYS, OFFICE_HOURS, WORKDAYS, H, office_calendar, rome


def test_lunch_break(office):
    # Mon 8 Jun 2026 12:00-15:00: 12-13 (1h) + 14-15 (1h); 13-14 is lunch
    assert office.elapsed(rome(2026, 6, 8, 12), rome(2026, 6, 8, 15)) == 2 * H


def test_weekend_rollover(office):
    # Fri 5 Jun 17:00 -> Mon 8 Jun 09:30: Fri 17-18 (1h) + Mon 08:30-09:30 (1h)
    assert office.elapsed(rome(2026, 6, 5, 17), rome(2026, 6, 8, 9, 30)) == 2 * H
    # due: 2h from Fri 17:00 -> Mon 09:30
    assert office.due(rome(2026, 6, 5, 17), 2 * H) == rome(2026, 6, 8, 9, 30)


def test_start_outside_hours(office):
    # Mon 07:00 -> 09:00: only 08:30-09:00 counts
    assert office.elapsed(rome(2026, 6, 8, 7), rome(2026, 6, 8, 9)) == 30 * 60
    # Sat 6 Jun 10:00 -> Mon 8 Jun 10:00: Mon 08:30-10:00
    assert office.elapsed(rome(2026, 6, 6, 10), rome(2026, 6, 8, 10)) == 90 * 60
    # 1h from Saturday: Mon 08:30 + 1h
    assert office.due(rome(2026, 6, 6, 10), H) == rome(2026, 6, 8, 9, 30)


def test_target_zero_is_due_at_start_even_outside_hours(office):
    assert office.due(rome(2026, 6, 6, 10), 0) == rome(2026, 6, 6, 10)
    assert office.due(rome(2026, 6, 8, 13, 30), 0) == rome(2026, 6, 8, 13, 30)
    # one second is due one second after the next opening
    assert office.due(rome(2026, 6, 6, 10), 1) == rome(2026, 6, 8, 8, 30, 1)


def test_due_at_end_of_interval_not_next_opening(office):
    # Mon 17:00 + 1h lands exactly on 18:00: due at 18:00, not Tue 08:30
    assert office.due(rome(2026, 6, 8, 17), H) == rome(2026, 6, 8, 18)
    # 12:00 + 1h lands on the start of lunch: due 13:00
    assert office.due(rome(2026, 6, 8, 12), H) == rome(2026, 6, 8, 13)
    # and the result is in UTC
    assert office.due(rome(2026, 6, 8, 12), H).tzinfo == dt.UTC


@pytest.mark.parametrize(
    "before, after",
    [
        # Tue 2 Jun 2026 Festa della Repubblica: Mon 17:00 -> Wed 09:30 is Mon 1h + Wed 1h
        ((2026, 6, 1, 17), (2026, 6, 3, 9, 30)),
        # Tue 8 Dec 2026 Immacolata: Mon 7 Dec 17:00 -> Wed 9 Dec 09:30
        ((2026, 12, 7, 17), (2026, 12, 9, 9, 30)),
        # Wed 23 Dec 17:00 -> Mon 28 Dec 09:30: Thu 24 closure (yearly), Fri 25 Christmas,
        # weekend; Wed 1h + Mon 1h
        ((2026, 12, 23, 17), (2026, 12, 28, 9, 30)),
    ],
)
def test_holidays_and_yearly_closure(office, before, after):
    assert office.elapsed(rome(*before), rome(*after)) == 2 * H
    assert office.due(rome(*before), 2 * H) == rome(*after)


def test_holiday_check():
    cal = office_calendar()
    assert cal.is_closed(dt.date(2026, 6, 2))
    assert cal.is_closed(dt.date(2026, 12, 24))
    assert not cal.is_closed(dt.date(2026, 6, 3))


def test_one_day_override():
    # Wed 10 Jun 2026 has only 08:30-12:30 (4h); Tue 2 Jun (a holiday) opens 09:00-10:00
    cal = Calendar(
        "Europe/Rome",
        OFFICE_HOURS,
        holiday_sources=[("IT", None)],
        overrides={
            dt.date(2026, 6, 10): [("08:30", "12:30")],
            dt.date(2026, 6, 2): [("09:00", "10:00")],
            dt.date(2026, 6, 11): [],
        },
    )
    assert cal.elapsed(rome(2026, 6, 10), rome(2026, 6, 11)) == 4 * H
    assert cal.elapsed(rome(2026, 6, 2), rome(2026, 6, 3)) == 1 * H
    assert cal.elapsed(rome(2026, 6, 11), rome(2026, 6, 12)) == 0
    # the normal Tuesday after it is untouched: 8.5h
    assert cal.elapsed(rome(2026, 6, 9), rome(2026, 6, 10)) == 8 * H + 30 * 60
    # 4h from Wed 08:30 ends exactly at the override's 12:30
    assert cal.due(rome(2026, 6, 10, 8, 30), 4 * H) == rome(2026, 6, 10, 12, 30)


def test_pauses_across_non_working_time(office):
    start, end = rome(2026, 6, 5, 9), rome(2026, 6, 8, 12)
    # without pauses: Fri 09-13 (4h) + 14-18 (4h) + Mon 08:30-12:00 (3.5h) = 11.5h
    assert office.elapsed(start, end) == 11 * H + 30 * 60
    # paused Fri 17:00 -> Mon 09:00: takes Fri 1h + Mon 0.5h -> 10h
    assert office.elapsed(start, end, [(rome(2026, 6, 5, 17), rome(2026, 6, 8, 9))]) == 10 * H
    # a pause lying entirely on Saturday changes nothing
    sat = [(rome(2026, 6, 6, 9), rome(2026, 6, 6, 17))]
    assert office.elapsed(start, end, sat) == 11 * H + 30 * 60
    # overlapping pauses count once: 10:00-12:00 and 11:00-12:30 -> 10:00-12:30 = 2.5h -> 9h
    both = [(rome(2026, 6, 5, 10), rome(2026, 6, 5, 12)),
            (rome(2026, 6, 5, 11), rome(2026, 6, 5, 12, 30))]
    assert office.elapsed(start, end, both) == 9 * H
    # a pause starting before the interval is clipped: Thu 12:00 -> Fri 10:00 takes Fri 09-10
    early = [(rome(2026, 6, 4, 12), rome(2026, 6, 5, 10))]
    assert office.elapsed(start, end, early) == 10 * H + 30 * 60


def test_due_walks_past_pauses(office):
    start = rome(2026, 6, 8, 9)
    # 4h from Mon 09:00 with no pause: 09-13 -> 13:00
    assert office.due(start, 4 * H) == rome(2026, 6, 8, 13)
    # paused 10-11: 09-10 (1h), 11-13 (2h), then 14-15 (1h) -> 15:00
    assert office.due(start, 4 * H, [(rome(2026, 6, 8, 10), rome(2026, 6, 8, 11))]) == rome(
        2026, 6, 8, 15
    )
    # a pause starting exactly when the target is reached does not push it
    assert office.due(start, 4 * H, [(rome(2026, 6, 8, 13), rome(2026, 6, 9, 9))]) == rome(
        2026, 6, 8, 13
    )
    # paused from Mon 17:00 (working) to Tue 09:00: 8.5h target = Mon 09-13 (4h) + 14-17 (3h)
    # + Tue 09:00-10:30 (1.5h) -> Tue 10:30
    pause = [(rome(2026, 6, 8, 17), rome(2026, 6, 9, 9))]
    assert office.due(start, 8 * H + 30 * 60, pause) == rome(2026, 6, 9, 10, 30)


def test_zero_and_reversed_intervals(office):
    t = rome(2026, 6, 8, 10)
    assert office.elapsed(t, t) == 0
    assert office.elapsed(rome(2026, 6, 9, 10), t) == 0
    starts = np.array([int(t.timestamp())] * 2)
    ends = starts + np.array([0, -3600])
    assert office.elapsed_array(starts, ends).tolist() == [0, 0]


def test_multi_year_span_matches_day_by_day_count(office):
    # count independently: 8.5h for each weekday not an IT holiday, 24 Dec or 31 Dec
    it = holidays.country_holidays("IT", years=range(2024, 2027))
    expected = 0
    day = dt.date(2024, 1, 1)
    while day < dt.date(2027, 1, 1):
        if day.weekday() < 5 and day not in it and (day.month, day.day) not in {(12, 24), (12, 31)}:
            expected += 8 * H + 30 * 60
        day += dt.timedelta(days=1)
    assert office.elapsed(rome(2024, 1, 1), rome(2027, 1, 1)) == expected
    s = np.array([int(rome(2024, 1, 1).timestamp())])
    e = np.array([int(rome(2027, 1, 1).timestamp())])
    assert office.elapsed_array(s, e).tolist() == [expected]


def test_business_clock_is_stable_when_years_are_added():
    cal = office_calendar()
    t = np.array([int(rome(2026, 6, 8, 10).timestamp()), int(rome(2026, 6, 9, 10).timestamp())])
    first = cal.business_clock(t)
    assert int(first[1] - first[0]) == 8 * H + 30 * 60
    cal.business_clock(np.array([int(rome(2019, 3, 1).timestamp())]))  # builds 2019..2026
    assert cal.business_clock(t).tolist() == first.tolist()
    assert cal.business_clock_inverse(first).tolist() == t.tolist()


def test_nat_passes_through(office):
    s = np.array([NAT, int(rome(2026, 6, 8, 9).timestamp())])
    e = np.array([int(rome(2026, 6, 8, 10).timestamp()), NAT])
    assert office.elapsed_array(s, e).tolist() == [NAT, NAT]
    assert office.due_array(s, np.array([H, H]))[0] == NAT
    assert office.business_clock(np.array([NAT]))[0] == NAT


def test_naive_datetime_is_a_clear_error(office):
    with pytest.raises(TimeError, match="no time zone") as info:
        office.elapsed(dt.datetime(2026, 6, 8, 9), rome(2026, 6, 8, 10))
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SlalangError)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"timezone": "Europe/Roma"}, "unknown time zone"),
        ({"weekly_hours": {"mon": [("8:3", "12:00")]}}, "invalid time of day"),
        ({"weekly_hours": {"mon": [("25:00", "26:00")]}}, "between 00:00 and 24:00"),
        ({"weekly_hours": {"mon": [("09:00", "09:00")]}}, "is empty"),
        ({"weekly_hours": {"mondy": []}}, "unknown weekday"),
        ({"holiday_sources": [("XX", None)]}, "no public holidays known"),
        ({"yearly_closures": [(2, 30)]}, "yearly closure"),
    ],
)
def test_construction_errors(kwargs, message):
    with pytest.raises(TimeError, match=message):
        Calendar(**kwargs)


def test_negative_target_and_calendar_never_open():
    with pytest.raises(TimeError, match="zero or more"):
        Calendar.always().due(rome(2026, 1, 1), -1)
    closed = Calendar("Europe/Rome", {})
    assert closed.due(rome(2026, 1, 1), 0) == rome(2026, 1, 1)
    with pytest.raises(TimeError, match="never fall due"):
        closed.due(rome(2026, 1, 1), 1)


def test_instant_outside_supported_years(office):
    with pytest.raises(TimeError, match="outside the years"):
        office.elapsed(rome(1850, 1, 1), rome(2026, 1, 1))


def test_from_def_matches_direct_construction():
    office = tuple((TimeRange(510, 780), TimeRange(840, 1080)) for _ in WORKDAYS)
    d = CalendarDef(
        name="office",
        timezone="Europe/Rome",
        always=False,
        weekly=(*office, (), ()),
        holidays=(HolidaySource("IT"),),
        closures=(dt.date(2026, 6, 10),),
        yearly_closures=((12, 24), (12, 31)),
        overrides=((dt.date(2026, 6, 11), (TimeRange(510, 750),)),),
    )
    cal = Calendar.from_def(d)
    assert cal.name == "office" and not cal.is_24x7
    # Mon 8 Jun -> Mon 15 Jun: Mon 8.5 + Tue 8.5 + Wed closed + Thu 4h override + Fri 8.5
    assert cal.elapsed(rome(2026, 6, 8), rome(2026, 6, 15)) == 3 * (8 * H + 30 * 60) + 4 * H
    direct = office_calendar()
    assert cal.elapsed(rome(2026, 1, 1), rome(2026, 6, 1)) == direct.elapsed(
        rome(2026, 1, 1), rome(2026, 6, 1)
    )
    always = Calendar.from_def(
        CalendarDef("always", "UTC", True, tuple(((TimeRange(0, 1440),),) * 7))
    )
    assert always.is_24x7 and repr(always) == "<Calendar 'always' 24x7 UTC>"


def test_full_week_hours_take_the_fast_path():
    assert Calendar("UTC", {d: [("00:00", "24:00")] for d in ALL_DAYS}).is_24x7
    assert not Calendar("UTC", {d: [("00:00", "24:00")] for d in WORKDAYS}).is_24x7


def test_working_intervals(office):
    got = office.working_intervals(rome(2026, 6, 8, 12), rome(2026, 6, 8, 15))
    assert got == [(rome(2026, 6, 8, 12), rome(2026, 6, 8, 13)),
                   (rome(2026, 6, 8, 14), rome(2026, 6, 8, 15))]
    assert office.working_intervals(rome(2026, 6, 8, 15), rome(2026, 6, 8, 12)) == []


def test_subdivision_holidays():
    # 6 Jan 2026 (Tue, Epiphany) is a holiday in Bavaria, not in Berlin
    hours = {d: [("09:00", "17:00")] for d in WORKDAYS}
    bavaria = Calendar("Europe/Berlin", hours, holiday_sources=[("DE", "BY")])
    berlin = Calendar("Europe/Berlin", hours, holiday_sources=[("DE", "BE")])
    day = (dt.datetime(2026, 1, 6, tzinfo=dt.UTC), dt.datetime(2026, 1, 7, tzinfo=dt.UTC))
    assert bavaria.elapsed(*day) == 0
    assert berlin.elapsed(*day) == 8 * H
    with pytest.raises(TimeError, match="DE/XX"):
        Calendar("Europe/Berlin", hours, holiday_sources=[("DE", "XX")])


def test_targets_years_ahead_build_the_years_they_need():
    cal = office_calendar()
    start = rome(2026, 6, 8, 9)
    # 10,000 business hours is about five years of office time
    due = cal.due(start, 10_000 * H)
    assert due.year in (2031, 2032)
    assert cal.elapsed(start, due) == 10_000 * H
    s = np.array([int(start.timestamp())])
    assert cal.due_array(s, np.array([10_000 * H])).tolist() == [int(due.timestamp())]


def test_business_clock_inverse_builds_earlier_years():
    cal = office_calendar()
    t = np.array([int(rome(2026, 6, 8, 10).timestamp())])
    b = cal.business_clock(t)
    # ten years of office time earlier than 2026 lies before anything built so far
    earlier = cal.business_clock_inverse(b - 10 * 2000 * H)
    # (about 2,100 office hours a year: 20,000 hours is some nine and a half years)
    assert rome(2016, 1, 1).timestamp() < earlier[0] < rome(2018, 1, 1).timestamp()
    assert (cal.business_clock(earlier) == b - 10 * 2000 * H).all()
    fresh = office_calendar()
    with pytest.raises(TimeError, match="business_clock"):
        fresh.business_clock_inverse(np.array([0]))


def test_nat_inside_pauses_makes_them_empty(office):
    s = np.array([int(rome(2026, 6, 8, 9).timestamp())])
    e = np.array([int(rome(2026, 6, 8, 12).timestamp())])
    pauses = Pauses(np.array([0, 2]), np.array([NAT, s[0] + 600]), np.array([NAT, NAT]))
    assert office.elapsed_array(s, e, pauses).tolist() == [3 * H]
    assert office.due_array(s, np.array([H]), pauses).tolist() == [s[0] + H]
