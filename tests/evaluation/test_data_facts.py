"""The facts the data warnings are drawn from, counted per metric without gathering rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data.table import Categorical
from slalang.evaluation.warnings import _MEASURED, DataFacts
from slalang.vocabulary import N_STATUS

NAT = np.iinfo(np.int64).min


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.lists(st.tuples(st.integers(0, N_STATUS - 1), st.booleans()),
                                    max_size=60))
def test_measured_and_stopped_per_metric(n_metrics, rows):
    """Per metric: the rows met, breached or open (measured), and of those the ones whose
    clock stopped, as masks gathered row by row would count them."""
    k = len(rows) - len(rows) % n_metrics  # ticket-major rows: whole tickets only
    status = np.array([s for s, _ in rows[:k]], dtype=np.int8)
    stopped_at = np.array([0 if stop else NAT for _, stop in rows[:k]], dtype=np.int64)
    metric = np.tile(np.arange(n_metrics, dtype=np.int8), k // n_metrics)
    outcomes = SimpleNamespace(metrics=tuple(f"m{i}" for i in range(n_metrics)),
                               status=status, stopped_at=stopped_at, metric=metric)
    tickets = SimpleNamespace(event_status=Categorical(np.array([0, 1, 1, -1], np.int32),
                                                       ("new", "waiting")))
    facts = DataFacts.of(tickets, outcomes)
    measured = np.isin(status, _MEASURED)
    stopped = measured & (stopped_at != NAT)
    assert facts.measured.tolist() == [int(measured[metric == m].sum())
                                       for m in range(n_metrics)]
    assert facts.stopped.tolist() == [int(stopped[metric == m].sum())
                                      for m in range(n_metrics)]
    assert facts.measured.dtype == np.int64 and facts.stopped.dtype == np.int64
    assert dict(facts.statuses) == {"new": 1, "waiting": 2}
