"""`calibrate` on a large CSV export measures it chunk by chunk (the 10m bench set read whole
needs about 7 GB): the same measured rows, evaluation, calibration, backtest and draft as the
whole read, for any chunk size, by customer or by tier, under a forced tier or not."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from example_csv import example_as_csv

from slalang.calibration import backtest, calibrate
from slalang.calibration.measure import measure_input
from slalang.calibration.output import calibration_to_json
from slalang.cli import main
from slalang.data import read_downtime
from slalang.errors import SlalangError
from slalang.language import load_policy
from slalang.plan import compile_plan
from slalang.roster import roster_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reference"
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
LEVELS = (Decimal(80), Decimal(90), Decimal(95))


def _document(got, by, tier) -> dict:
    cal = calibrate(got.evaluation, LEVELS, by=by, tier=tier, seen=got.measured)
    bt = backtest(got.evaluation, tier, got.measured) if tier is not None else None
    return calibration_to_json(cal, "draft", Decimal(95), bt)


def _usable(seen) -> dict:
    """The measured rows as calibration reads them (the whole read keeps every row)."""
    keep = np.flatnonzero(seen.usable)
    out = {name: getattr(seen, name)[keep].tolist()
           for name in ("bucket", "priority", "stopped", "metric", "elapsed", "plan_row",
                        "tier")}
    out["customer"] = [seen.customers[c] if c >= 0 else None for c in seen.customer[keep]]
    return out


@pytest.mark.parametrize("rows", [7, 1000])
@pytest.mark.parametrize(("by", "tier"), [(None, None), ("customer", "Gold"),
                                          ("tier", None), ("customer", "Silver")])
def test_chunks_measure_as_the_whole_read(tmp_path, rows, by, tier):
    policy = load_policy(str(ROOT / "policies" / "reference.sla"))
    plan, roster = compile_plan(policy), roster_for(policy)
    tickets, events = example_as_csv(tmp_path)
    down = read_downtime(EXAMPLE / "downtime.csv")
    args = (plan, tickets, events, down, roster)
    whole = measure_input(*args, period="2026-Q3", tier=tier, whole=True)
    parts = measure_input(*args, period="2026-Q3", tier=tier, chunk_rows=rows,
                          workdir=str(tmp_path))
    assert whole.evaluation.outcomes is not None and parts.evaluation.outcomes is None
    assert parts.tickets == whole.tickets > rows or rows == 1000
    assert _usable(parts.measured) == _usable(whole.measured)
    doc = _document(whole, by, tier)
    assert doc["groups"] and (tier is None or doc["backtest"]["months"])
    assert _document(parts, by, tier) == doc  # hashes, groups in order, backtest
    assert parts.evaluation.agg.customers == whole.evaluation.agg.customers
    assert [c.due for c in parts.evaluation.credit] == [c.due for c in whole.evaluation.credit]
    assert len(parts.evaluation.rejected) == len(whole.evaluation.rejected)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []  # scratch removed


@pytest.mark.parametrize("tier", [None, "Gold"])
def test_chunks_measure_the_bench_sample_without_a_period(tier):
    plan = compile_plan(load_policy(str(ROOT / "policies" / "bench.sla")))
    tickets, events = BENCH300 / "tickets.csv", BENCH300 / "events.csv"
    whole = measure_input(plan, tickets, events, None, None, tier=tier, whole=True)
    assert whole.tickets == 300
    for rows in (13, 300):
        parts = measure_input(plan, tickets, events, None, None, tier=tier, chunk_rows=rows)
        assert parts.evaluation.period == whole.evaluation.period
        for by in (None, "customer"):
            assert _document(parts, by, tier) == _document(whole, by, tier)


def test_a_forced_tier_counts_every_customer_in_every_month():
    """No roster, every customer put on Gold from the tickets alone: a month without any
    ticket still has every customer's group in the backtest, as in the whole read, whose
    roster names every customer of the column (here: of every chunk)."""
    plan = compile_plan(load_policy(str(ROOT / "policies" / "bench.sla")))
    tickets, events = BENCH300 / "tickets.csv", BENCH300 / "events.csv"
    period = "2024-01-01..2024-03-31"  # the tickets are January's
    whole = measure_input(plan, tickets, events, None, None, tier="Gold", period=period,
                          whole=True)
    doc = _document(whole, None, "Gold")
    customers = [m["customers"] for m in doc["backtest"]["months"]]
    assert len(customers) == 3 and customers[0] == customers[2] > 200
    parts = measure_input(plan, tickets, events, None, None, tier="Gold", period=period,
                          chunk_rows=17)
    assert _document(parts, None, "Gold") == doc


def test_an_unknown_tier_is_refused_before_the_export_is_read(tmp_path):
    plan = compile_plan(load_policy(str(ROOT / "policies" / "bench.sla")))
    with pytest.raises(SlalangError, match="no tier 'Platinum'"):
        measure_input(plan, tmp_path / "missing.csv", None, None, None, tier="Platinum",
                      chunk_rows=10)


def test_a_malformed_row_is_measured_from_the_whole_read(tmp_path):
    """A row with a field too many: the chunked reader cannot say which row the whole read
    refuses, so the file is read whole (the same calibration, the row refused)."""
    policy = load_policy(str(ROOT / "policies" / "reference.sla"))
    plan, roster = compile_plan(policy), roster_for(policy)
    tickets, events = example_as_csv(tmp_path)
    lines = tickets.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(5, lines[5].rstrip("\n") + ",extra\n")
    tickets.write_text("".join(lines), encoding="utf-8")
    whole = measure_input(plan, tickets, events, None, roster, period="2026-Q3", whole=True)
    parts = measure_input(plan, tickets, events, None, roster, period="2026-Q3",
                          chunk_rows=10, workdir=str(tmp_path))
    assert any("field" in r.reason or "column" in r.reason for r in whole.evaluation.rejected)
    assert _document(parts, None, None) == _document(whole, None, None)


def test_the_command_line_measures_a_large_export_in_chunks(tmp_path, monkeypatch):
    from slalang.calibration import measure

    tickets, events = example_as_csv(tmp_path)
    args = ["calibrate", "--policy", str(ROOT / "policies" / "reference.sla"), "--tickets",
            str(tickets), "--events", str(events), "--downtime",
            str(EXAMPLE / "downtime.csv"), "--period", "2026-Q3", "--tier", "Gold", "--by",
            "customer", "--format", "json"]
    whole = CliRunner().invoke(main, args)
    assert whole.exit_code == 0, whole.output
    chunked: list[int] = []
    chunks = measure._measure_chunks

    def recorded(*a):
        chunked.append(a[-3])
        return chunks(*a)

    monkeypatch.setattr(measure, "_measure_chunks", recorded)
    monkeypatch.setattr("slalang.engines.AUTO_BYTES", 1000)
    parts = CliRunner().invoke(main, args)
    assert parts.exit_code == 0, parts.output
    assert chunked == [100_000]
    assert parts.output == whole.output
    assert json.loads(parts.output)["backtest"]["tier"] == "Gold"
