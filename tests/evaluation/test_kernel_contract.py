"""The kernel's promise, held by its public functions: a table cut anywhere, its batches
evaluated and their partials merged in any tree, finishes as the whole table does, byte for
byte; and its entry points refuse what would fail deep inside or be taken in silence.

Found by probing the Python API: every slice carried the table's rejected rows, so a table
cut in three listed its one refused row three times; tied listed tickets were ordered by
the code a metric had in whichever table was cut; partials of different periods merged
without a word; a negative slice gave tickets the wrong events; ``chunk_rows=0`` and
``workers=-3`` ran; a downtime path or a period number failed inside with AttributeError."""

from __future__ import annotations

import json

import numpy as np
import pytest
from evaluation_bytes import ROOT, bundled_plan
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import read_downtime, read_tickets
from slalang.evaluation.evaluate import evaluate, resolve_period
from slalang.evaluation.kernel import Partial, empty_partial, evaluate_batch, finish
from slalang.evaluation.periods import parse_instant, parse_period
from slalang.roster import roster_for


def _json(ev) -> bytes:
    """The JSON document (a merged evaluation keeps no per-ticket verdicts for a CSV)."""
    import io

    from slalang.evaluation.output.json import write_json

    out = io.BytesIO()
    write_json(ev, out)
    return out.getvalue()


BROKEN = ROOT / "tests" / "evaluation" / "fixtures" / "explain"
INPUT = ROOT / "tests" / "evaluation" / "fixtures" / "input"
AS_OF = parse_instant("2026-08-05T00:00:00+02:00")

PLAN = bundled_plan("reference.sla")
ROSTER = roster_for(PLAN.policy)
TABLE = read_tickets(BROKEN / "broken.csv", events=BROKEN / "broken-events.csv")
DOWN = read_downtime(INPUT / "downtime.csv")
PERIOD = parse_period("2026-07", PLAN.timezone)
WHOLE = _json(evaluate(PLAN, TABLE, DOWN, ROSTER, AS_OF, PERIOD))


def _tree(parts: list[Partial], shape: str) -> Partial:
    if shape == "left":
        total = parts[0]
        for p in parts[1:]:
            total = total.merge(p)
        return total
    if shape == "right":
        total = parts[-1]
        for p in reversed(parts[:-1]):
            total = p.merge(total)
        return total
    while len(parts) > 1:  # balanced: neighbours pairwise
        parts = [parts[i].merge(parts[i + 1]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, TABLE.n), max_size=5),
       shape=st.sampled_from(["left", "right", "balanced"]),
       empties=st.lists(st.integers(0, 6), max_size=2))
def test_a_table_cut_anywhere_and_merged_in_any_tree_is_the_whole(cuts, shape, empties):
    assert TABLE.rejected  # the refused rows every slice carries
    bounds = [0, *sorted(cuts), TABLE.n]
    parts = [evaluate_batch(PLAN, TABLE.slice(a, b), ROSTER, AS_OF, PERIOD)
             for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    for k in empties:  # the neutral partial, anywhere
        parts.insert(min(k, len(parts)), empty_partial(PLAN, ROSTER, AS_OF, PERIOD))
    from slalang.data.counts import InputCounts

    ev = finish(_tree(parts, shape), downtime=DOWN, data_hash=TABLE.data_hash,
                input_counts=InputCounts.of(TABLE, TABLE.shape))
    assert _json(ev) == WHOLE


TIE_POLICY = """policy "Tie" {
    provider "x"
    version "1"
    effective 2024-01-01
    currency EUR
    period month in "UTC"
}
calendar always 24x7
priorities {
    P1 "Critical"
}
clock response "r" {
    starts at created
    stops at first_response
}
clock resolution "s" {
    starts at created
    stops at resolved
}
tier Gold {
    response on always: P1 4h objective 90%
    resolution on always: P1 4h objective 90%
}
"""


def test_tied_listed_tickets_are_ordered_by_metric_name_in_any_merge(tmp_path):
    """B1 breaches both metrics by two hours; read first, its response got the lower
    metric code in one table and the higher in another."""
    from slalang.language import load_policy
    from slalang.plan import compile_plan

    (tmp_path / "p.sla").write_text(TIE_POLICY, encoding="utf-8")
    (tmp_path / "t.csv").write_text(
        "id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
        "B1,C1,Gold,P1,2024-01-10T00:00:00+00:00,2024-01-10T06:00:00+00:00,"
        "2024-01-10T06:00:00+00:00\n"
        "A1,C1,Gold,P1,2024-01-10T00:00:00+00:00,2024-01-10T01:00:00+00:00,"
        "2024-01-10T09:00:00+00:00\n", encoding="utf-8")
    plan = compile_plan(load_policy(tmp_path / "p.sla"))
    t = read_tickets(tmp_path / "t.csv")
    as_of, period = parse_instant("2024-03-01T00:00:00+00:00"), parse_period("2024-01", "UTC")

    def listed(ev) -> list:
        doc = json.loads(_json(ev))
        return [(x["id"], x["metric"])
                for x in doc["customers"][0]["months"][0]["breaches"]["tickets"]]

    want = [("A1", "resolution"), ("B1", "resolution"), ("B1", "response")]
    assert listed(evaluate(plan, t, None, None, as_of, period)) == want
    second_first = evaluate_batch(plan, t.slice(1, 2), None, as_of, period).merge(
        evaluate_batch(plan, t.slice(0, 1), None, as_of, period))
    assert listed(finish(second_first)) == want


def test_partials_of_different_contexts_are_not_merged():
    july = evaluate_batch(PLAN, TABLE, ROSTER, AS_OF, PERIOD)
    august = empty_partial(PLAN, ROSTER, AS_OF + 86_400 * 30, parse_period("2026-08",
                                                                           PLAN.timezone))
    with pytest.raises(ValueError, match="different plans, as_of or periods"):
        july.merge(august)


def test_partials_of_different_rosters_merge():
    """A hook gives each batch the roster its tickets need (``calibrate --tier`` on Dask):
    the counts depend on the plan, the instant and the period, not on that."""
    from dataclasses import replace

    from slalang.model import Roster

    a = evaluate_batch(PLAN, TABLE.slice(0, 3), ROSTER, AS_OF, PERIOD)
    b = evaluate_batch(PLAN, TABLE.slice(3, TABLE.n), ROSTER, AS_OF, PERIOD)
    other = replace(b, context=replace(b.context, roster=Roster(())))
    merged, want = a.merge(other).counts, a.merge(b).counts
    assert np.array_equal(merged.cells, want.cells)
    assert np.array_equal(merged.g_counts, want.g_counts)


@pytest.mark.parametrize(("start", "stop"), [(-1, 3), (5, 3), (0, 10**6)])
def test_a_slice_out_of_bounds_is_refused(start, stop):
    with pytest.raises(ValueError, match=r"0 <= start <= stop <= n"):
        TABLE.slice(start, stop)


def test_the_verdict_csv_of_an_evaluation_without_verdicts_says_how():
    import io

    from slalang.evaluation.output.csv import write_verdicts

    ev = finish(evaluate_batch(PLAN, TABLE, ROSTER, AS_OF, PERIOD))
    with pytest.raises(ValueError, match=r"verdicts=stream"):
        write_verdicts(ev, io.BytesIO())


@pytest.mark.parametrize(("call", "error", "said"), [
    (lambda: evaluate(PLAN.policy, TABLE, None, None, AS_OF, PERIOD), TypeError,
     "compile_plan"),
    (lambda: evaluate(PLAN, TABLE, None, None, AS_OF, 202607), TypeError, "period: a Period"),
    (lambda: evaluate(PLAN, TABLE, None, None, "2026-08-05T00:00:00Z", PERIOD), TypeError,
     "as_of: epoch seconds"),
    (lambda: evaluate(PLAN, TABLE, None, None, AS_OF, PERIOD, engine="chunk"), ValueError,
     "unknown engine 'chunk'"),
    (lambda: evaluate(PLAN, BROKEN / "broken.csv", None, None, AS_OF, PERIOD,
                      engine="chunks", events=BROKEN / "broken-events.csv", chunk_rows=0),
     ValueError, "chunk_rows must be a whole number of at least 1"),
    (lambda: evaluate(PLAN, BROKEN / "broken.csv", None, None, AS_OF, PERIOD,
                      engine="chunks", events=BROKEN / "broken-events.csv", workers=-3),
     ValueError, "workers must be a whole number of at least 1"),
    (lambda: evaluate_batch(PLAN, TABLE, None, None, PERIOD), TypeError, "as_of: epoch"),
    (lambda: evaluate_batch(PLAN, TABLE, None, AS_OF, "2026-07"), TypeError, "parse_period"),
    (lambda: finish(evaluate_batch(PLAN, TABLE, ROSTER, AS_OF, PERIOD),
                    downtime=str(INPUT / "downtime.csv")), TypeError, "read_downtime"),
])
def test_wrong_arguments_are_refused_at_the_entry(call, error, said):
    with pytest.raises(error, match=said):
        call()


def test_a_downtime_path_beside_a_table_is_read():
    by_path = evaluate(PLAN, TABLE, INPUT / "downtime.csv", ROSTER, AS_OF, PERIOD)
    assert _json(by_path) == WHOLE


def test_the_period_of_an_empty_table_still_comes_from_its_argument():
    empty = TABLE.slice(0, 0)
    assert empty.n == 0 and np.array_equal(empty.event_offsets, [0])
    assert resolve_period(PLAN, "2026-07", empty.created_at) == PERIOD


def test_the_empty_partial_finished_alone_is_an_empty_batch():
    """The partial of no batch (a dataset of no partition) finished with downtime has
    customer-months: it wrote ``"breaches": null`` (tickets not gathered) where an empty
    table writes ``{"count": 0, "tickets": []}``. Merged anywhere, it still adds nothing."""
    from slalang.data.counts import InputCounts

    empty = TABLE.slice(0, 0)
    empty.rejected = []  # a slice carries the table's refused rows
    alone = finish(empty_partial(PLAN, ROSTER, AS_OF, PERIOD), downtime=DOWN,
                   data_hash=TABLE.data_hash, input_counts=InputCounts.of(empty, empty.shape))
    batch = finish(evaluate_batch(PLAN, empty, ROSTER, AS_OF, PERIOD), downtime=DOWN,
                   data_hash=TABLE.data_hash, input_counts=InputCounts.of(empty, empty.shape))
    doc = json.loads(_json(alone))
    months = [m for c in doc["customers"] for m in c["months"]]
    assert months and all(m["breaches"] == {"count": 0, "tickets": []} for m in months)
    assert _json(alone) == _json(batch)
