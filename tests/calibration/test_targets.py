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
