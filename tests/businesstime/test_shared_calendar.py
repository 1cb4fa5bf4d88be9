"""One calendar shared by threads: each thread asks for other years first, so years are built
while other threads read the clock; every answer equals a fresh calendar's, computed alone."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from slalang.businesstime import Calendar
from slalang.language import load_policy

ROOT = Path(__file__).resolve().parents[2]


def test_threads_adding_years_to_one_calendar_agree_with_one_thread():
    """Each thread asks for other years first, so the clock's years are built while other
    threads read it: every answer equals a fresh calendar's, computed alone."""
    policy = load_policy(ROOT / "policies" / "reference.sla")
    definition = policy.calendars[0]

    def instants(year: int) -> np.ndarray:
        start = int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp())
        return start + np.arange(0, 366 * 86400, 3917, dtype=np.int64)

    years = [2031, 2024, 2040, 2019, 2035, 2027, 2045, 2022]
    alone = {y: Calendar.from_def(definition).elapsed_array(instants(y), instants(y) + 90000)
             for y in years}
    alone_due = {y: Calendar.from_def(definition).due_array(instants(y), 8 * 3600)
                 for y in years}
    shared = Calendar.from_def(definition)

    def work(year: int) -> tuple[np.ndarray, np.ndarray]:
        return (shared.elapsed_array(instants(year), instants(year) + 90000),
                shared.due_array(instants(year), 8 * 3600))

    with ThreadPoolExecutor(8) as pool:
        got = dict(zip(years, pool.map(work, years), strict=True))
    for y in years:
        assert np.array_equal(got[y][0], alone[y]), y
        assert np.array_equal(got[y][1], alone_due[y]), y
