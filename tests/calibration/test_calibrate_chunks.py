"""`calibrate` on a large CSV export measures it chunk by chunk (the 10m bench set read whole
needs about 7 GB): the same measured rows, evaluation, calibration, backtest and draft as the
whole read, for any chunk size, by customer or by tier, under a forced tier or not."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from chunked_runs import same_in_chunks
from example_csv import example_as_csv, gzipped

from slalang.calibration import backtest, calibrate, measure
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


@pytest.mark.parametrize("reader", ["split", "sequential"])
def test_a_forced_tier_counts_every_customer_in_every_month(tmp_path, reader):
    """No roster, every customer put on Gold from the tickets alone: a month without any
    ticket still has every customer's group in the backtest, as in the whole read, whose
    roster names every customer of the column (here: of every chunk). The split reader cuts
    plain files; a gzipped export goes through the sequential one."""
    plan = compile_plan(load_policy(str(ROOT / "policies" / "bench.sla")))
    files = [BENCH300 / "tickets.csv", BENCH300 / "events.csv"]
    if reader == "sequential":
        files = gzipped(tmp_path, *files)
    period = "2024-01-01..2024-03-31"  # the tickets are January's
    whole = measure_input(plan, *files, None, None, tier="Gold", period=period, whole=True)
    doc = _document(whole, None, "Gold")
    customers = [m["customers"] for m in doc["backtest"]["months"]]
    assert len(customers) == 3 and customers[0] == customers[2] > 200
    parts = measure_input(plan, *files, None, None, tier="Gold", period=period,
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
    tickets, events = example_as_csv(tmp_path)
    args = ["calibrate", "--policy", str(ROOT / "policies" / "reference.sla"), "--tickets",
            str(tickets), "--events", str(events), "--downtime",
            str(EXAMPLE / "downtime.csv"), "--period", "2026-Q3", "--tier", "Gold", "--by",
            "customer", "--format", "json"]
    output = same_in_chunks(monkeypatch, main, args)
    assert json.loads(output)["backtest"]["tier"] == "Gold"


@pytest.mark.parametrize("tier", [None, "Gold"])
def test_the_split_reader_measures_on_worker_processes(tmp_path, tier):
    """Two worker processes evaluate the chunks (the 10m set: 22 s in one process, about
    half on two cores): the hook puts each chunk's customers on the tier in the worker, the
    measured rows come back in chunk order."""
    from slalang.evaluation import streaming

    policy = load_policy(str(ROOT / "policies" / "reference.sla"))
    plan, roster = compile_plan(policy), roster_for(policy)
    tickets, events = example_as_csv(tmp_path)
    down = read_downtime(EXAMPLE / "downtime.csv")
    whole = measure_input(plan, tickets, events, down, roster, period="2026-Q3", tier=tier,
                          whole=True)
    collector = measure._Collector(plan, tier)
    ev, _ = streaming.evaluate_chunked(plan, tickets, events, down, roster,
                                       period="2026-Q3", chunk_rows=11, workers=2,
                                       list_tickets=False, hook=measure._TierHook(tier),
                                       collector=collector)
    parts = measure.MeasuredInput(ev, collector.parts.result(), ev.input.tickets)
    assert _usable(parts.measured) == _usable(whole.measured)
    assert _document(parts, "customer", tier) == _document(whole, "customer", tier)


def test_a_gzipped_export_is_measured_by_either_reader(tmp_path, monkeypatch):
    """A gzipped export is decompressed into the scratch folder and cut by the split
    reader; on the sequential reader (which reads what cannot be cut, a quoted line break)
    the hook runs in its workers too. The same result either way."""
    from slalang.data import inflate
    from slalang.evaluation import streaming

    policy = load_policy(str(ROOT / "policies" / "reference.sla"))
    plan, roster = compile_plan(policy), roster_for(policy)
    zipped = gzipped(tmp_path, *example_as_csv(tmp_path))
    sequential, cut = [], []
    real = streaming._run
    monkeypatch.setattr(streaming, "_run", lambda *a: sequential.append(a[7]) or real(*a))
    real_split = streaming._run_split
    monkeypatch.setattr(streaming, "_run_split",
                        lambda *a, **kw: cut.append(a[7]) or real_split(*a, **kw))
    whole = measure_input(plan, *zipped, None, roster, period="2026-Q3", tier="Gold",
                          whole=True)
    split = measure_input(plan, *zipped, None, roster, period="2026-Q3", tier="Gold",
                          chunk_rows=13, workdir=str(tmp_path))
    assert cut == [13] and sequential == []
    monkeypatch.setattr(inflate, "gzipped", lambda *a: False)
    parts = measure_input(plan, *zipped, None, roster, period="2026-Q3", tier="Gold",
                          chunk_rows=13, workdir=str(tmp_path))
    assert cut == [13] and sequential == [13]
    assert _document(split, "customer", "Gold") == _document(whole, "customer", "Gold")
    assert _document(parts, "customer", "Gold") == _document(whole, "customer", "Gold")
