"""The arithmetic of calibration: percentiles of business elapsed time, the smallest target
that an objective level would have reached, and contract-friendly rounding.

A ticket exactly on its target is met (as in the evaluation), so the target that makes L % of
tickets met is a nearest-rank percentile: the smallest observed time t with at least L % of
tickets at or under t. A clock still running at ``as_of`` is a lower bound: it is a miss for
any target it has already passed, and does not count for targets it has not reached (the
evaluation counts an open ticket past its target as breached, and one below it not at all).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

#: percentiles reported for every group
PERCENTILES = (50, 80, 90, 95, 99)

#: contract-friendly targets in seconds: quarter hours, hours doubling up to a business day
#: and its multiples (8h a day, 40h a week of office hours)
STEPS = tuple(int(x * 60) for x in (15, 30)) + tuple(
    h * 3600 for h in (1, 2, 4, 8, 16, 24, 40, 80, 120, 160, 240, 320))


def percentile(sorted_values: np.ndarray, level: float) -> int | None:
    """Nearest-rank percentile of an ascending array: the smallest value with at least
    ``level`` % of the values at or under it (None when empty).

    >>> percentile(np.array([10, 20, 30, 40]), 50), percentile(np.array([10, 20, 30, 40]), 51)
    (20, 30)
    """
    n = len(sorted_values)
    if n == 0:
        return None
    rank = int(np.ceil(Decimal(str(level)) * n / 100))
    return int(sorted_values[max(rank, 1) - 1])


def target_for_level(stopped: np.ndarray, running: np.ndarray, level: float) -> int | None:
    """The smallest target ``t`` (an observed stop time) at which the compliance
    met / (stopped + running past t) reaches ``level`` %; None when no target does (too many
    clocks still running) or there is nothing to measure.

    ``stopped``: business seconds of clocks that stopped; ``running``: of clocks still
    running at as_of (lower bounds). Both any order.

    >>> target_for_level(np.array([60, 120, 180, 240]), np.array([]), 75)
    180
    >>> target_for_level(np.array([60, 120, 180]), np.array([500]), 80)  # at most 3 of 4
    >>> target_for_level(np.array([60, 120, 180]), np.array([100]), 50)  # 1/(3+1) at 60
    120
    """
    return targets_sorted(np.sort(np.asarray(stopped, dtype=np.int64)),
                          np.sort(np.asarray(running, dtype=np.int64)), (level,))[level]


def targets_sorted(s: np.ndarray, r: np.ndarray, levels) -> dict:
    """:func:`target_for_level` for each of ``levels``, of ``s`` and ``r`` sorted already
    (a calibration asks three levels of every month of every group: sorting and finding the
    distinct times once for all of them is what keeps it linear).

    >>> targets_sorted(np.array([60, 120, 120, 180]), np.array([500]), (50, 80, 99))
    {50: 120, 80: 180, 99: None}
    """
    if len(s) == 0:
        return {level: None for level in levels}
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    candidates = s[first]  # the distinct stop times, ascending (np.unique of a sorted array)
    # met at a candidate: the stop times at or under it (up to the next distinct one)
    met = np.append(np.flatnonzero(first)[1:], len(s)).astype(np.int64)
    decided = len(s) + (len(r) - np.searchsorted(r, candidates, side="right")).astype(np.int64)
    out = {}
    for level in levels:
        # exact: met * 100 >= level * decided, in integers (level has at most 3 decimals)
        scaled = int(Decimal(str(level)) * 1000)
        hit = np.flatnonzero(met * 100_000 >= scaled * decided)
        out[level] = int(candidates[hit[0]]) if len(hit) else None
    return out


def contract_step(seconds: int) -> int:
    """The first contract-friendly step at or above ``seconds`` (past the last step: whole
    multiples of 80 hours, two weeks of office time).

    >>> [contract_step(s) // 60 for s in (1, 900, 901, 3600, 3 * 3600)]
    [15, 15, 30, 60, 240]
    >>> contract_step(500 * 3600) // 3600
    560
    """
    for step in STEPS:
        if seconds <= step:
            return step
    fortnight = 80 * 3600
    return -(-seconds // fortnight) * fortnight
