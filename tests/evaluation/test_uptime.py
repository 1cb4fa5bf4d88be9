"""Uptime: real month lengths, exclusions (whole and inside a window), merging, month split."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hand_built import interval_clock, reference_policy, sunday_windows
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import DowntimeRecord, DowntimeTable
from slalang.evaluation.periods import PeriodError, parse_instant, parse_period
from slalang.evaluation.uptime import (
    Counted,
    UptimeResult,
    counted_downtime,
    downtime_by_service,
    downtime_records,
)

ROME = ZoneInfo("Europe/Rome")
H = 3600


def t(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def rec(start: str, end: str, kind: str = "unplanned", customer: str = "Alfa Srl",
        service: str = "email") -> DowntimeRecord:
    return DowntimeRecord(customer, service, t(start), t(end), kind)


@pytest.fixture(scope="module")
def window_clock():
    """The Sunday 02:00-06:00 maintenance window as a business clock (real Calendar when the
    time engine is importable, else explicit intervals)."""
    policy = reference_policy()
    try:
        from slalang.businesstime import Calendar
    except ImportError:  # pragma: no cover - the time engine ships with the package
        from hand_built import interval_clock

        return interval_clock(sunday_windows(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    return Calendar.from_def(policy.calendar("maintenance")).business_clock


def months(label: str) -> np.ndarray:
    p = parse_period(label, "Europe/Rome")
    return np.array([b.start for b in p.buckets] + [p.end], dtype=np.int64)


def run(records, label="2026-08", clocks=None):
    policy = reference_policy()
    return downtime_by_service(records, policy.exclusions, months(label), clocks or {})


def test_real_month_lengths_in_rome():
    # October 2026: the clocks go back on the 25th, so 31 days + 1 hour;
    # March 2026: they go forward on the 29th, so 31 days - 1 hour.
    assert parse_period("2026-10", "Europe/Rome").buckets[0].seconds == 31 * 24 * H + H
    assert parse_period("2026-03", "Europe/Rome").buckets[0].seconds == 31 * 24 * H - H
    assert parse_period("2026-02", "Europe/Rome").buckets[0].seconds == 28 * 24 * H


def test_october_uptime_uses_its_real_length():
    # 45 minutes down in October: (2,682,000 - 2,700) / 2,682,000 = 99.89932885906040268456...%
    u = UptimeResult("email", Decimal("99.9"), 31 * 24 * H + H, 45 * 60)
    assert u.uptime == Decimal(2_679_300 * 100) / Decimal(2_682_000)
    assert str(u.uptime)[:8] == "99.89932"
    assert u.met is False  # 99.8993 < 99.9
    # with 31 x 24 hours it would have been 99.89919...: the extra hour matters
    assert u.uptime > Decimal((2_678_400 - 2_700) * 100) / Decimal(2_678_400)


def test_fifty_minutes_in_august_is_99_888():
    # 31 days = 44,640 minutes; (44,640 - 50) / 44,640 = 99.88799...% < 99.9 %
    d = run([rec("2026-08-05T10:00:00+02:00", "2026-08-05T10:50:00+02:00")])
    assert d[("Alfa Srl", "email")].tolist() == [50 * 60]
    u = UptimeResult("email", Decimal("99.9"), 44_640 * 60, 50 * 60)
    assert f"{u.uptime:.3f}" == "99.888" and u.met is False


def test_overlapping_records_count_once():
    # 10:00-11:00 and 10:30-11:30 overlap: 90 minutes, not 120
    d = run([rec("2026-08-05T10:00:00+02:00", "2026-08-05T11:00:00+02:00"),
             rec("2026-08-05T10:30:00+02:00", "2026-08-05T11:30:00+02:00")])
    assert d[("Alfa Srl", "email")].tolist() == [90 * 60]


def test_downtime_across_midnight_of_two_months_is_split():
    # 31 July 23:00 -> 1 August 01:00 Rome: one hour in each month
    d = run([rec("2026-07-31T23:00:00+02:00", "2026-08-01T01:00:00+02:00")], "2026-Q3")
    assert d[("Alfa Srl", "email")].tolist() == [H, H, 0]


def test_downtime_outside_the_period_is_ignored():
    d = run([rec("2026-06-30T22:00:00+02:00", "2026-07-01T00:30:00+02:00")], "2026-07")
    assert d[("Alfa Srl", "email")].tolist() == [30 * 60]


def test_customer_caused_is_excluded():
    d = run([rec("2026-08-05T10:00:00+02:00", "2026-08-05T12:00:00+02:00", "customer_caused")])
    assert d[("Alfa Srl", "email")].tolist() == [0]


def test_planned_inside_the_sunday_window_is_excluded(window_clock):
    # Sunday 2 August 2026, 02:30-05:30: wholly inside 02:00-06:00
    d = run([rec("2026-08-02T02:30:00+02:00", "2026-08-02T05:30:00+02:00", "planned")],
            clocks={"maintenance": window_clock})
    assert d[("Alfa Srl", "email")].tolist() == [0]


def test_planned_partly_outside_the_window_counts_the_outside_part(window_clock):
    # Sunday 05:00-07:00: 05:00-06:00 in the window (excluded), 06:00-07:00 counted
    d = run([rec("2026-08-02T05:00:00+02:00", "2026-08-02T07:00:00+02:00", "planned")],
            clocks={"maintenance": window_clock})
    assert d[("Alfa Srl", "email")].tolist() == [H]


def test_planned_on_a_weekday_counts_in_full(window_clock):
    d = run([rec("2026-08-04T02:00:00+02:00", "2026-08-04T04:00:00+02:00", "planned")],
            clocks={"maintenance": window_clock})
    assert d[("Alfa Srl", "email")].tolist() == [2 * H]


def test_unplanned_over_a_planned_window_still_counts(window_clock):
    # planned 02:00-06:00 (excused) overlapped by an outage 05:00-06:30: 05:00-06:30 counts
    d = run([rec("2026-08-02T02:00:00+02:00", "2026-08-02T06:00:00+02:00", "planned"),
             rec("2026-08-02T05:00:00+02:00", "2026-08-02T06:30:00+02:00")],
            clocks={"maintenance": window_clock})
    assert d[("Alfa Srl", "email")].tolist() == [90 * 60]


def test_services_and_customers_are_kept_apart():
    d = run([rec("2026-08-05T10:00:00+02:00", "2026-08-05T10:10:00+02:00"),
             rec("2026-08-05T10:00:00+02:00", "2026-08-05T10:20:00+02:00", service="vpn"),
             rec("2026-08-05T10:00:00+02:00", "2026-08-05T10:30:00+02:00",
                 customer="Beta SpA")])
    assert {k: v.tolist() for k, v in d.items()} == {
        ("Alfa Srl", "email"): [600], ("Alfa Srl", "vpn"): [1200], ("Beta SpA", "email"): [1800]}


def test_reversed_or_empty_records_count_nothing():
    e = np.array([0, 100], dtype=np.int64)
    assert counted_downtime([Counted(50, 40, None), Counted(60, 60, None)], e, {}).tolist() == [0]


def test_records_come_from_the_ingest_table():
    table = DowntimeTable((DowntimeRecord("Alfa Srl", "email", 10, 70, "planned", note="x"),))
    assert downtime_records(table) == list(table.records)
    assert downtime_records(None) == []


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "July", "2026-09-31..2026-10-01",
                                  "2026-10-01..2026-09-01"])
def test_bad_periods_are_usage_errors(text):
    with pytest.raises(PeriodError) as info:
        parse_period(text, "Europe/Rome")
    assert info.value.exit_code == 2 and text in str(info.value)


def test_range_periods_are_clipped_months():
    p = parse_period("2026-07-15..2026-08-10", "Europe/Rome")
    assert [b.label for b in p.buckets] == ["2026-07", "2026-08"]
    assert p.buckets[0].start == t("2026-07-15T00:00:00+02:00")
    assert p.buckets[1].end == t("2026-08-11T00:00:00+02:00")


def test_instants_need_an_offset():
    assert parse_instant("2026-09-30T23:59:59+02:00") == t("2026-09-30T21:59:59+00:00")
    with pytest.raises(PeriodError, match="no offset"):
        parse_instant("2026-09-30T23:59:59")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 120),
                          st.sampled_from([None, "w"])), max_size=8),
       st.lists(st.integers(1, 299), max_size=3, unique=True))
def test_counted_downtime_matches_a_second_by_second_count(records, cuts):
    """Merging, month split and windows against brute force on a toy timeline: seconds
    [0, 300) cut into buckets at ``cuts``; the window is every second in [k*20, k*20+7)."""
    window = [(k * 20, k * 20 + 7) for k in range(16)]
    items = [Counted(s, s + length, w) for s, length, w in records]
    edges = np.array([0, *sorted(cuts), 300], dtype=np.int64)
    got = counted_downtime(items, edges, {"w": interval_clock(window)})
    inside = {t for a, b in window for t in range(a, b)}
    down = set()
    for c in items:
        for t in range(max(c.start, 0), min(c.end, 300)):
            if c.window is None or t not in inside:
                down.add(t)
    want = [sum(1 for t in down if lo <= t < hi)
            for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    assert got.tolist() == want
