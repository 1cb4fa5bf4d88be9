"""The kernel: batches evaluated apart and merged in any grouping give the in-memory result,
byte for byte; the plan travels (pickles) and is all the kernel reads; the layers import
downwards only."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import read_tickets
from slalang.data.counts import InputCounts
from slalang.evaluation.evaluate import evaluate, resolve_period
from slalang.evaluation.kernel import Partial, evaluate_batch, finish
from slalang.evaluation.output.json import write_json
from slalang.evaluation.periods import parse_instant
from slalang.language import load_policy
from slalang.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = Path(__file__).parent / "fixtures" / "bench300"
AS_OF = parse_instant("2030-01-01T00:00:00+00:00")


@pytest.fixture(scope="module")
def bench():
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    tickets = read_tickets(BENCH300 / "tickets.csv", events=BENCH300 / "events.csv")
    return plan, tickets


def _json(ev) -> bytes:
    out = io.BytesIO()
    write_json(ev, out)
    return out.getvalue()


def _partials(plan, tickets, cuts: list[int]) -> list[Partial]:
    period = resolve_period(plan, None, tickets.created_at)
    edges = [0, *cuts, len(tickets)]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        batch = replace(tickets.take(np.arange(lo, hi)), rejected=[] if lo else tickets.rejected)
        out.append(evaluate_batch(plan, batch, None, AS_OF, period))
    return out


def _tree(parts: list[Partial], shape: list[bool]) -> Partial:
    """Merge neighbours pairwise, left or right first as ``shape`` says."""
    parts = list(parts)
    k = 0
    while len(parts) > 1:
        i = (k * 7) % (len(parts) - 1) if shape[k % len(shape)] else 0
        parts[i:i + 2] = [parts[i].merge(parts[i + 1])]
        k += 1
    return parts[0]


@settings(max_examples=8, deadline=None)
@given(cuts=st.lists(st.integers(1, 299), max_size=5, unique=True).map(sorted),
       shape=st.lists(st.booleans(), min_size=1, max_size=4))
def test_any_batches_and_any_merge_tree_give_the_memory_json(bench, cuts, shape):
    plan, tickets = bench
    want = _json(evaluate(plan, tickets, None, None, as_of=AS_OF))
    merged = _tree(_partials(plan, tickets, cuts), shape)
    # the reading's counts are the driver's to give (batches are cut from one table here)
    counts = InputCounts.of(tickets)
    assert _json(finish(merged, data_hash=tickets.data_hash, input_counts=counts)) == want


def test_merge_is_associative_on_counts_and_lists(bench):
    plan, tickets = bench
    a, b, c = _partials(plan, tickets, [90, 200])
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    assert left.counts.customers == right.counts.customers
    assert np.array_equal(left.counts.cells, right.counts.cells)
    assert left.listed.table.equals(right.listed.table)
    assert left.invalid == right.invalid


def test_the_plan_pickles_and_evaluates_the_same(bench):
    plan, tickets = bench
    plan.calendars  # noqa: B018 - compiled caches are left behind, rebuilt on the other side
    again = pickle.loads(pickle.dumps(plan))
    assert again.rows == plan.rows and again.exclusions == plan.exclusions
    assert _json(evaluate(again, tickets, None, None, as_of=AS_OF)) == _json(
        evaluate(plan, tickets, None, None, as_of=AS_OF))


def test_the_document_states_the_evaluations_at_risk_share():
    from slalang.document import AT_RISK_PERCENT as document
    from slalang.evaluation.listed import AT_RISK_PERCENT as evaluation

    assert document == evaluation


@pytest.mark.parametrize(("module", "absent"), [
    ("slalang.evaluation.kernel", "slalang.evaluation.output"),
    ("slalang.evaluation.result", "slalang.evaluation.output"),
    ("slalang.history", "slalang.render"),
    ("slalang.document", "slalang.evaluation"),
])
def test_layers_import_downwards_only(module, absent):
    code = (f"import sys, {module}; "
            f"print(sorted(m for m in sys.modules if m.startswith({absent!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
