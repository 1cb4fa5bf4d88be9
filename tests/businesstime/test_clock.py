"""The business clock's two vectorised paths (lookup grid, binary search) agree everywhere."""

from __future__ import annotations

import numpy as np
import pytest

import slalang.businesstime.clock as clock_module
from slalang.businesstime import Calendar, Pauses

from .conftest import office_calendar, rome


def random_instants(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    t = rng.integers(lo, hi, n, dtype=np.int64)
    # plenty of instants exactly on half hours, where the boundaries are
    t[: n // 2] -= t[: n // 2] % 1800
    return t


def test_grid_equals_binary_search_even_outside_the_built_years():
    cal = office_calendar()
    lo, hi = int(rome(2026, 1, 1).timestamp()), int(rome(2027, 1, 1).timestamp())
    cal.business_clock(np.array([lo, hi - 1]))
    clock = cal._clock
    assert clock._lookup.grid == 1800
    t = random_instants(np.random.default_rng(1), lo - 10**6, hi + 10**6, 20000)
    t = np.append(t, [clock._lo, clock._hi])
    assert clock.at(t).tolist() == clock_module._search(clock._lookup, t).tolist()
    b = clock.at(random_instants(np.random.default_rng(2), lo, hi, 20000))
    grid = clock.inverse(b)
    clock._lookup = clock._lookup._replace(grid=0)  # force the binary search
    assert grid.tolist() == clock.inverse(b).tolist()


def test_calendar_without_grid_gives_the_same_results(monkeypatch):
    rng = np.random.default_rng(3)
    lo, hi = int(rome(2025, 12, 1).timestamp()), int(rome(2026, 12, 1).timestamp())
    starts = random_instants(rng, lo, hi, 5000)
    ends = starts + rng.integers(-3600, 30 * 86400, 5000)
    targets = rng.integers(0, 100 * 3600, 5000)
    pauses = Pauses.from_lists(
        [[(int(s) + int(a), int(s) + int(a) + int(d))]
         for s, a, d in zip(starts, rng.integers(-86400, 86400 * 5, 5000),
                            rng.integers(0, 86400 * 3, 5000), strict=True)]
    )

    def run(cal: Calendar):
        return (cal.elapsed_array(starts, ends, pauses).tolist(),
                cal.due_array(starts, targets, pauses).tolist())

    with_grid = run(office_calendar())
    monkeypatch.setattr(clock_module, "_MAX_GRID_CELLS", 0)
    cal = office_calendar()
    assert run(cal) == with_grid
    assert cal._clock._lookup.grid == 0


@pytest.mark.parametrize("zone", ["Africa/Monrovia", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_odd_offsets(zone):
    # Monrovia ran on -00:44:30 until 1972; Kolkata is +05:30; Lord Howe shifts by 30 minutes
    cal = Calendar(zone, {"mon": [("09:00", "17:00")], "sun": [("01:00", "03:00")]})
    rng = np.random.default_rng(4)
    lo = -86400 * 365 if zone == "Africa/Monrovia" else 1735689600
    starts = rng.integers(lo, lo + 86400 * 700, 3000, dtype=np.int64)
    ends = starts + rng.integers(0, 86400 * 20, 3000)
    got = cal.elapsed_array(starts, ends).tolist()
    want = [cal._clock.at_scalar(int(e)) - cal._clock.at_scalar(int(s))
            for s, e in zip(starts, ends, strict=True)]
    assert got == want
