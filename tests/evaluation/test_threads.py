"""A large table measured on several threads gives the single thread's outcomes, row for row,
and the same bytes in every output (the calendars the threads share:
tests/businesstime/test_shared_calendar.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang import allocator
from slalang.data import read_tickets
from slalang.evaluation import threads
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.outcomes import table_outcomes
from slalang.evaluation.output.csv import write_verdicts
from slalang.evaluation.output.json import write_json
from slalang.evaluation.periods import parse_instant
from slalang.language import load_policy
from slalang.plan import compile_plan
from slalang.roster import roster_for

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = parse_instant("2030-01-01T00:00:00+00:00")
FIELDS = ("ticket", "metric", "status", "elapsed", "target", "due_at", "stopped_at",
          "plan_row", "exclusion")


@pytest.fixture(scope="module")
def bench():
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    tickets = read_tickets(FIXTURES / "bench300" / "tickets.csv",
                           events=FIXTURES / "bench300" / "events.csv")
    return plan, tickets


def _same_outcomes(a, b) -> None:
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.tier.codes, b.tier.codes)
    assert np.array_equal(a.priority.codes, b.priority.codes)
    assert a.rejected == b.rejected


def test_a_slice_is_the_take_of_its_rows(bench):
    _plan, tickets = bench
    part, taken = tickets.slice(40, 170), tickets.take(np.arange(40, 170))
    for name in ("id", "created_at", "resolved_at", "event_offsets", "event_at", "source_row"):
        assert np.array_equal(getattr(part, name), getattr(taken, name)), name
    assert np.array_equal(part.event_status.codes, taken.event_status.codes)
    assert part.row(3) == taken.row(3) == tickets.row(43)
    assert np.shares_memory(part.event_at, tickets.event_at)  # a view, not a copy


@settings(max_examples=12, deadline=None)
@given(k=st.integers(2, 9))
def test_any_number_of_threads_gives_the_single_threads_outcomes(bench, k):
    plan, tickets = bench
    _same_outcomes(threads.compute_outcomes(plan, tickets, None, AS_OF, threads=k),
                   table_outcomes(plan, tickets, None, AS_OF))


def _outputs(ev) -> tuple[bytes, bytes]:
    doc, rows = io.BytesIO(), io.BytesIO()
    write_json(ev, doc)
    write_verdicts(ev, rows)
    return doc.getvalue(), rows.getvalue()


def test_invalid_and_rejected_tickets_in_every_slice_come_out_in_order(monkeypatch):
    """broken.csv has refused rows and invalid tickets spread over the file: cut in three,
    each slice finds its own invalid tickets, and they are listed once, in ticket order."""
    plan = compile_plan(load_policy(ROOT / "policies" / "reference.sla"))
    roster = roster_for(plan.policy)
    broken = FIXTURES / "explain"

    def run() -> tuple[bytes, bytes]:
        tickets = read_tickets(broken / "broken.csv", events=broken / "broken-events.csv")
        return _outputs(evaluate(plan, tickets, None, roster, period="2026-07"))

    monkeypatch.setattr(threads, "THREAD_TICKETS", 10**9)
    want = run()
    monkeypatch.setattr(allocator, "_tuned", True)
    monkeypatch.setattr(threads, "THREAD_TICKETS", 1)
    monkeypatch.setattr(threads, "cores", lambda: 3)
    assert run() == want
    assert b'"invalid"' in want[0]


def test_the_bench_sample_on_threads_gives_the_same_bytes(bench, monkeypatch):
    plan, tickets = bench
    monkeypatch.setattr(threads, "THREAD_TICKETS", 10**9)
    want = _outputs(evaluate(plan, tickets, None, None, as_of=AS_OF))
    monkeypatch.setattr(allocator, "_tuned", True)
    monkeypatch.setattr(threads, "THREAD_TICKETS", 50)
    monkeypatch.setattr(threads, "cores", lambda: 4)
    assert _outputs(evaluate(plan, tickets, None, None, as_of=AS_OF)) == want


def test_threads_only_where_they_share_one_heap(bench, monkeypatch):
    """The command line's process keeps one heap; a host process (a notebook, a Dask worker
    with threads of its own) measures on one thread."""
    plan, tickets = bench
    calls = []
    real = threads.table_outcomes
    monkeypatch.setattr(threads, "table_outcomes", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(threads, "THREAD_TICKETS", 50)
    monkeypatch.setattr(threads, "cores", lambda: 4)
    monkeypatch.setattr(allocator, "_tuned", False)
    one = threads.compute_outcomes(plan, tickets, None, AS_OF)
    assert len(calls) == 1
    monkeypatch.setattr(allocator, "_tuned", True)
    _same_outcomes(threads.compute_outcomes(plan, tickets, None, AS_OF), one)
    assert len(calls) == 1 + 4


def test_the_slices_fill_one_set_of_the_tables_columns(bench):
    """The threads write their rows into the table's own columns, which the outcomes then
    are (no copy laid end to end); columns filled before (a reused buffer) are reset, and
    columns of another shape are refused."""
    from slalang.evaluation.outcomes import VerdictColumns

    plan, tickets = bench
    out = threads.compute_outcomes(plan, tickets, None, AS_OF, threads=3)
    assert out.elapsed.base is not None and out.elapsed.base.shape == (
        len(tickets.id), len(plan.metrics))
    dirty = VerdictColumns.allocate(len(tickets.id), len(plan.metrics))
    for name in ("status", "elapsed", "target", "due_at", "stopped_at", "plan_row"):
        getattr(dirty, name).fill(7)
    _same_outcomes(table_outcomes(plan, tickets, None, AS_OF, dirty),
                   table_outcomes(plan, tickets, None, AS_OF))
    with pytest.raises(ValueError, match="rows x metrics"):
        table_outcomes(plan, tickets, None, AS_OF, VerdictColumns.allocate(3, 1))
