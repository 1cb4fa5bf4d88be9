"""The calibration arithmetic: targets reach their level and no smaller one does."""

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.calibration.targets import STEPS, contract_step, percentile, target_for_level

times = st.lists(st.integers(min_value=0, max_value=10**7), max_size=60)
levels = st.sampled_from([Decimal(x) for x in ("50", "80", "90", "95", "99", "99.5", "100")])


def compliance(stopped, running, t) -> Decimal:
    met = sum(1 for e in stopped if e <= t)
    decided = len(stopped) + sum(1 for e in running if e > t)
    return Decimal(met * 100) / decided


@settings(max_examples=300, deadline=None)
@given(times, times, levels)
def test_the_target_is_the_smallest_that_reaches_the_level(stopped, running, level):
    t = target_for_level(np.array(stopped), np.array(running), level)
    if not stopped:
        assert t is None
        return
    candidates = sorted(set(stopped))
    reaching = [c for c in candidates if compliance(stopped, running, c) >= level]
    assert t == (reaching[0] if reaching else None)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=50), levels)
def test_the_percentile_has_the_level_at_or_under_it(values, level):
    s = np.sort(np.array(values))
    p = percentile(s, level)
    assert (s <= p).sum() * 100 >= level * len(s)
    smaller = s[s < p]
    assert len(smaller) * 100 < level * len(s)


@given(st.integers(min_value=1, max_value=10**7))
def test_contract_steps_round_up_to_a_step(seconds):
    step = contract_step(seconds)
    assert step >= seconds
    assert step in STEPS or step % (80 * 3600) == 0
    below = [s for s in STEPS if s < step]
    assert not below or below[-1] < seconds or step not in STEPS


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=-1, max_value=3), st.booleans(),
                          st.one_of(st.integers(min_value=0, max_value=50),
                                    st.just(1 << 33)),  # too long for the one-key sort
                          st.integers(0, 2), st.integers(-1, 3)), max_size=80))
def test_a_group_is_what_a_mask_per_month_gives(rows):
    """A group's months are slices of its rows ordered once (month, stopped first, time):
    the same counts, targets and calendar as selecting every month's rows by a mask."""
    from collections import Counter
    from types import SimpleNamespace

    from slalang.calibration.calibrate import Measured, _group

    n = len(rows)
    bucket, stopped, elapsed, plan_row, customer = (
        np.array([r[k] for r in rows], dtype=dtype)
        for k, dtype in enumerate((np.int64, bool, np.int64, np.int64, np.int32)))
    seen = Measured(bucket, np.zeros(n, np.int32), bucket >= 0, stopped, np.zeros(n, np.int8),
                    elapsed, plan_row, customer, ("a", "b", "c", "d"), np.zeros(n, np.int32),
                    ("Gold",))
    plan = SimpleNamespace(rows=[SimpleNamespace(calendar=c) for c in ("x", "y", "x")])
    months = [SimpleNamespace(label=f"m{b}") for b in range(4)]
    lv = tuple(Decimal(x) for x in ("50", "90", "100"))
    use = seen.rows(0, 0)
    if not use.any():
        return
    g = _group(plan, seen, np.flatnonzero(use), "response", "P1", None, lv, months)
    assert (g.stopped, g.running) == (int((use & stopped).sum()), int((use & ~stopped).sum()))
    assert g.targets == {x: target_for_level(elapsed[use & stopped], elapsed[use & ~stopped], x)
                         for x in lv}
    for b, month in enumerate(g.months):
        here = use & (bucket == b)
        s, r = elapsed[here & stopped], elapsed[here & ~stopped]
        assert (month.stopped, month.running) == (len(s), len(r))
        assert month.targets == {x: target_for_level(s, r, x) for x in lv}
    want = Counter(plan.rows[i].calendar for i in plan_row[use].tolist()).most_common(1)[0][0]
    assert g.calendar == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(-1, 2), st.integers(-1, 3),
                          st.integers(-1, 4)), max_size=60))
def test_rows_by_group_are_the_masks_of_each_group(rows):
    """Every group's rows, found by one sort: for each key (customer, or none) and metric x
    priority in order, the rows its masks select, ascending; no group without rows."""
    from slalang.calibration.calibrate import Measured, _rows_by_group

    n = len(rows)
    usable, metric, priority, customer = (np.array([r[k] for r in rows], dtype=dtype)
                                          for k, dtype in enumerate((bool, np.int8, np.int16,
                                                                     np.int32)))
    zeros = np.zeros(n, dtype=np.int64)
    seen = Measured(zeros, priority, usable, zeros.astype(bool), metric, zeros, zeros,
                    customer, ("a", "b", "c", "d", "e"), zeros, ("Gold",))
    for codes, keys in ((None, [None]), (customer, range(5))):
        want = []
        for k in keys:
            for m in range(2):
                for p in range(3):
                    mask = seen.rows(m, p) & (True if k is None else customer == k)
                    if mask.any():
                        want.append((k or 0, m * 3 + p, np.flatnonzero(mask).tolist()))
        got = [(k, c, at.tolist()) for k, c, at in _rows_by_group(seen, 2, 3, codes)]
        assert got == want
