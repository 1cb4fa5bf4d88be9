"""The totals view of the summary and the objective verdicts, on their fast paths: the
month totals summed a block of customer-months at a time, and the verdicts of a policy
without any minimum-sample rule decided by the rate alone. Each must give what the
straightforward computation gives."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.evaluation import compliance
from slalang.evaluation.output import summary


def _naive_sum_by(keys, column, n):
    out = np.zeros((n, *column.shape[1:]), dtype=np.int64)
    for k in range(n):
        out[k] = column[keys == k].astype(np.int64).sum(axis=0)
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5), st.integers(0, 300), st.integers(1, 40), st.integers(0, 2**31))
def test_month_totals_match_the_plain_sum_across_blocks(n_keys, rows, block, seed):
    """Blocks of any size (a few rows each here, so that a key's rows fall in several
    blocks) sum to what one pass over all the rows gives, booleans counted as 0 and 1."""
    rng = np.random.default_rng(seed)
    n = n_keys + 1
    keys = rng.integers(0, n, rows)
    cells = rng.integers(0, 1000, (rows, 2, 3))
    missed = rng.random((rows, 2)) < 0.3
    old = summary.SUM_ROWS
    summary.SUM_ROWS = block
    try:
        got_cells, got_missed = summary._sum_by(keys, (cells, missed), n)
    finally:
        summary.SUM_ROWS = old
    assert got_cells.dtype == np.int64 and got_missed.dtype == np.int64
    assert np.array_equal(got_cells, _naive_sum_by(keys, cells, n))
    assert np.array_equal(got_missed, _naive_sum_by(keys, missed, n))


def test_month_totals_of_no_customer_month_are_zeros():
    cells, = summary._sum_by(np.zeros(0, np.int64), (np.zeros((0, 2, 4, 5), np.int64),), 3)
    assert cells.shape == (3, 2, 4, 5) and not cells.any()


def _judged_in_full(met, breached, has, num, den, min_tickets, allowed):
    """The verdict rule written out whole: a small month (fewer decided tickets than its
    minimum) is judged by its allowance, every other by its rate."""
    decided = met + breached
    small = (min_tickets > 0) & (decided < min_tickets)
    by_rate = np.where(met * 100 * den >= num * decided, compliance.ACHIEVED,
                       compliance.MISSED)
    by_allowance = np.where(allowed < 0, compliance.NOT_JUDGED,
                            np.where(breached <= allowed, compliance.ACHIEVED,
                                     compliance.MISSED))
    verdict = np.where(small, by_allowance, by_rate)
    return np.where(has & (decided > 0), verdict, compliance.NOT_JUDGED)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.booleans())
def test_verdicts_with_and_without_minimum_rules_follow_the_rule(seed, any_rule):
    """With no minimum anywhere the rate decides (the allowance is never looked at); with
    minimums on some cells, those cells' small months go by their allowance."""
    rng = np.random.default_rng(seed)
    size = 200
    met, breached = rng.integers(0, 30, size), rng.integers(0, 30, size)
    has = rng.random(size) < 0.8
    num, den = rng.integers(50, 100, size), rng.integers(1, 3, size)
    minimum = rng.integers(0, 40, size) * (rng.random(size) < 0.5) if any_rule \
        else np.zeros(size, np.int64)
    allowed = rng.integers(-1, 5, size)
    expected = _judged_in_full(met, breached, has, num, den, minimum, allowed)
    assert np.array_equal(compliance.judge(met, breached, has, num, den, minimum, allowed),
                          expected)
    if not any_rule:  # the callers pass scalars when no tier has a minimum
        assert np.array_equal(compliance.judge(met, breached, has, num, den, 0, -1), expected)


def test_a_small_month_below_its_minimum_is_still_judged_by_its_allowance():
    """The fast path must not swallow the rule: 18 met of 20 against 95 % misses by the
    rate, but with a minimum of 25 tickets and one miss allowed per month, 2 misses miss
    and 1 miss passes."""
    got = compliance.judge(np.array([18, 19]), np.array([2, 1]), True, 95, 1,
                           np.array([25, 25]), np.array([1, 1]))
    assert got.tolist() == [compliance.MISSED, compliance.ACHIEVED]
