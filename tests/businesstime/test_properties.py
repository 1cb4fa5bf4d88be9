"""Properties of business time on random instants, targets and pauses (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.businesstime import Calendar, Pauses, normalize

from .conftest import ALL_DAYS, office_calendar

CALENDARS = {
    "office": office_calendar(),
    "night_ny": Calendar("America/New_York", {d: [("22:00", "06:00")] for d in ALL_DAYS}),
    "gap_rome": Calendar("Europe/Rome", {d: [("02:30", "05:00")] for d in ALL_DAYS},
                         holidays=[dt.date(2026, 3, 30)]),
    "always": Calendar.always("Europe/Rome"),
}
# 2025-12-20 .. 2027-01-10 UTC: both DST nights, Christmas closures and a New Year
LO, HI = 1766188800, 1799539200

instants = st.integers(LO, HI)
targets = st.integers(0, 200 * 3600)
calendars = st.sampled_from(sorted(CALENDARS))
pause_lists = st.lists(
    st.tuples(st.integers(LO, HI), st.integers(0, 5 * 86400)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=4,
)
SETTINGS = settings(max_examples=120, deadline=None)


def utc(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def pairs(pauses: list[tuple[int, int]]) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(utc(a), utc(b)) for a, b in pauses]


@SETTINGS
@given(calendars, st.lists(instants, min_size=3, max_size=3).map(sorted))
def test_additive_monotone_and_bounded_by_wall_time(name, abc):
    cal = CALENDARS[name]
    a, b, c = (utc(t) for t in abc)
    ab, bc, ac = cal.elapsed(a, b), cal.elapsed(b, c), cal.elapsed(a, c)
    assert ab + bc == ac
    assert 0 <= ab <= ac
    assert ac <= abc[2] - abc[0]
    assert cal.elapsed(c, a) == 0


@SETTINGS
@given(calendars, instants, targets, pause_lists)
def test_elapsed_until_due_is_the_target(name, start, target, pauses):
    cal = CALENDARS[name]
    due = cal.due(utc(start), target, pairs(pauses))
    assert due >= utc(start)
    assert cal.elapsed(utc(start), due, pairs(pauses)) == target
    if target and due > utc(start):
        # and it is the earliest such instant
        before = due - dt.timedelta(seconds=1)
        assert cal.elapsed(utc(start), before, pairs(pauses)) < target


@SETTINGS
@given(
    calendars,
    st.lists(st.tuples(instants, instants, targets, pause_lists), min_size=1, max_size=8),
)
def test_vectorised_path_equals_scalar_path(name, rows):
    cal = CALENDARS[name]
    starts = np.array([r[0] for r in rows], dtype=np.int64)
    ends = np.array([r[1] for r in rows], dtype=np.int64)
    tgts = np.array([r[2] for r in rows], dtype=np.int64)
    pauses = Pauses.from_lists([r[3] for r in rows])
    elapsed = cal.elapsed_array(starts, ends, pauses).tolist()
    due = cal.due_array(starts, tgts, pauses).tolist()
    for i, (s, e, x, p) in enumerate(rows):
        assert elapsed[i] == cal.elapsed(utc(s), utc(e), pairs(p))
        assert due[i] == int(cal.due(utc(s), x, pairs(p)).timestamp())


@SETTINGS
@given(calendars, st.lists(instants, min_size=1, max_size=20))
def test_business_clock_inverse_round_trips(name, ts):
    cal = CALENDARS[name]
    t = np.array(ts, dtype=np.int64)
    b = cal.business_clock(t)
    back = cal.business_clock_inverse(b)
    # the inverse is the earliest instant with the same B: never later, same clock value
    assert np.all(back <= t)
    assert cal.business_clock(back).tolist() == b.tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 30)), max_size=6),
                max_size=6))
def test_normalize_equals_sorting_and_merging_each_ticket(raw):
    per_ticket = [[(s, s + d) for s, d in t] for t in raw]
    flat = [p for t in per_ticket for p in t]
    offsets = np.cumsum([0] + [len(t) for t in per_ticket])
    got = normalize(Pauses(offsets, [p[0] for p in flat], [p[1] for p in flat]))
    want = Pauses.from_lists(per_ticket)
    assert got.offsets.tolist() == want.offsets.tolist()
    assert got.starts.tolist() == want.starts.tolist()
    assert got.ends.tolist() == want.ends.tolist()
