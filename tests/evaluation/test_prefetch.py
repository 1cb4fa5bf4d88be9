"""The input read on a background thread while the policy loads: only when the in-memory
engine will surely read it, with the same result and the same errors, a broken policy still
reported before broken data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang import prefetch as pf
from slalang.cli import main
from slalang.errors import DataError
from slalang.evaluation.drivers import evaluate_input
from slalang.evaluation.output.json import write_json
from slalang.evaluation.periods import parse_instant
from slalang.language import load_policy
from slalang.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = Path(__file__).parent / "fixtures" / "bench300"
TICKETS, EVENTS = BENCH300 / "tickets.csv", BENCH300 / "events.csv"
AS_OF = parse_instant("2030-01-01T00:00:00+00:00")


def test_what_is_prefetched(tmp_path, monkeypatch):
    sure = pf.surely_in_memory
    assert sure(TICKETS, EVENTS, "auto", None)
    assert sure(TICKETS, None, "memory", None)
    assert sure(tmp_path / "missing.csv", None, "auto", None)  # the reader names it
    assert not sure(TICKETS, EVENTS, "chunks", None)
    assert not sure(TICKETS, EVENTS, "dask", None)
    assert not sure(TICKETS, EVENTS, "auto", 100)  # --chunk-rows: the driver chunks
    assert not sure(tmp_path, None, "memory", None)  # a directory: a dataset
    monkeypatch.setattr(pf, "AUTO_BYTES", TICKETS.stat().st_size)
    assert not sure(TICKETS, EVENTS, "auto", None)  # large enough for chunks
    assert not pf.Prefetch(TICKETS, EVENTS, engine="auto").started


def _json(run) -> bytes:
    out = io.BytesIO()
    write_json(run.evaluation, out)
    return out.getvalue()


def test_a_prefetched_input_gives_the_same_evaluation():
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    want = evaluate_input(plan, TICKETS, EVENTS, as_of=AS_OF)
    ahead = pf.Prefetch(TICKETS, EVENTS)
    assert ahead.started
    got = evaluate_input(plan, TICKETS, EVENTS, as_of=AS_OF, prefetch=ahead)
    assert (got.engine, got.notes) == (want.engine, want.notes) == ("memory", [])
    assert _json(got) == _json(want)
    with pytest.raises(ValueError, match="another input"):
        evaluate_input(plan, TICKETS, None, as_of=AS_OF, prefetch=ahead)


def test_a_failed_read_is_raised_where_the_table_is_taken(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("id,customer\nT1,C1\n", encoding="utf-8")
    ahead = pf.Prefetch(bad)
    with pytest.raises(DataError, match="created_at") as got:
        ahead.table()
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    with pytest.raises(DataError) as direct:
        evaluate_input(plan, bad, as_of=AS_OF)
    assert str(got.value) == str(direct.value)


def test_a_broken_policy_is_reported_before_broken_data(tmp_path):
    policy = tmp_path / "p.sla"
    policy.write_text("policy {\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["evaluate", str(policy), "--tickets",
                                  str(tmp_path / "missing.csv")])
    assert r.exit_code == 2
    assert "p.sla:" in r.output and "missing.csv" not in r.output
