"""``measure``: elapsed and due in one pass, exactly what ``elapsed_array`` and ``due_array``
give on the same tickets (random instants, ends before starts, targets and unsorted,
overlapping or out-of-range pauses, on calendars with DST nights, night shifts and
holidays), NAT included (it falls back to the two functions)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.businesstime import Pauses
from slalang.businesstime.calendar import NAT, measure

from .test_properties import CALENDARS, HI, LO

instant = st.integers(LO, HI)
ticket = st.tuples(
    instant, st.integers(-86400, 40 * 86400), st.integers(0, 300 * 3600),
    st.lists(st.tuples(st.integers(LO - 86400, HI), st.integers(-3600, 6 * 86400)),
             max_size=4))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), st.lists(ticket, min_size=1, max_size=12),
       st.booleans())
def test_measure_is_elapsed_and_due(name, tickets, with_nat):
    starts = np.array([t[0] for t in tickets], dtype=np.int64)
    ends = starts + np.array([t[1] for t in tickets], dtype=np.int64)
    targets = np.array([t[2] for t in tickets], dtype=np.int64)
    if with_nat:
        ends[0] = NAT
    pauses = Pauses.from_lists([sorted((a, a + d) for a, d in t[3]) for t in tickets])
    cal = CALENDARS[name]
    elapsed, due = measure(cal, starts, ends, targets, pauses)
    assert elapsed.tolist() == cal.elapsed_array(starts, ends, pauses=pauses).tolist()
    assert due.tolist() == cal.due_array(starts, targets, pauses=pauses).tolist()
