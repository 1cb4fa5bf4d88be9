"""The compiled plan: rows, lookups, renderings (golden text and JSON) and the CLI verb."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.language import load_policy
from slalang.plan import compile_plan, diff_plans, plan_to_json, plan_to_text

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SLALANG_UPDATE_GOLDEN") == "1"


def golden(name: str, actual: str) -> None:
    """Compare with tests/evaluation/golden/NAME; SLALANG_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with SLALANG_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.fixture
def in_root(monkeypatch):
    # policies are loaded by relative path so the sources print as policies/x.sla:N
    monkeypatch.chdir(ROOT)


@pytest.fixture
def reference(in_root):
    return compile_plan(load_policy("policies/reference.sla"))


def test_rows_flatten_inheritance(reference):
    plan = reference
    assert len(plan.rows) == 3 * 2 * 4
    gold = plan.row("Gold", "response", "P1")
    assert (gold.target_seconds, gold.calendar, str(gold.objective)) == (900, "always", "95")
    inherited = plan.row("Gold", "resolution", "P3")
    assert (inherited.target_seconds, inherited.origin_tier) == (40 * 3600, "Bronze")
    assert inherited.span.line == plan.row("Bronze", "resolution", "P3").span.line
    assert plan.row("Gold", "response", "P9") is None
    assert plan.row_index("Bronze", "response", "P1") == 0
    assert plan.row("Silver", "resolution", "P1").clock.pause_statuses == (
        "waiting_on_customer", "waiting_on_vendor", "resolved", "closed")


def test_credit_and_uptime_rules(reference):
    gold = [c for c in reference.credit_rules if c.tier == "Gold"]
    assert [(c.kind, c.metric, c.priority) for c in gold] == [
        ("uptime", None, None), ("objective", "response", "P1"),
        ("objective", "resolution", "P1")]
    assert all(str(c.cap) == "30" for c in gold)
    assert [str(u.percent) for u in reference.uptime_rules] == ["99.0", "99.5", "99.9"]
    assert [e.subject for e in reference.exclusions] == ["tickets", "downtime", "downtime"]


def test_calendars_compiled_once(reference):
    cals = reference.calendars
    assert set(cals) == {"office", "always", "maintenance"}
    assert reference.calendars["office"] is cals["office"]


def test_reference_plan_text_golden(reference):
    golden("plan-reference.txt", plan_to_text(reference))


def test_reference_plan_json_golden(reference):
    data = plan_to_json(reference)
    golden("plan-reference.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    assert data["targets"][0]["source"] == "policies/reference.sla:55"


def test_bench_plan_text_golden(in_root):
    golden("plan-bench.txt", plan_to_text(compile_plan(load_policy("policies/bench.sla"))))


def test_cli_plan_text_json_and_tier(in_root):
    run = CliRunner().invoke
    text = run(main, ["plan", "policies/reference.sla"])
    assert text.exit_code == 0, text.output
    assert text.output == (GOLDEN / "plan-reference.txt").read_text(encoding="utf-8")
    js = run(main, ["plan", "policies/reference.sla", "--format", "json", "--tier", "Gold"])
    assert js.exit_code == 0
    data = json.loads(js.output)
    assert {t["tier"] for t in data["targets"]} == {"Gold"}
    assert len(data["targets"]) == 8 and len(data["credits"]) == 3
    bad = run(main, ["plan", "policies/reference.sla", "--tier", "Gld"])
    assert bad.exit_code == 2 and "did you mean 'Gold'?" in bad.output


def test_cli_plan_reports_policy_errors(tmp_path):
    broken = tmp_path / "broken.sla"
    broken.write_text((ROOT / "policies/bench.sla").read_text().replace("on office", "on ofice"))
    result = CliRunner().invoke(main, ["plan", str(broken)])
    assert result.exit_code == 2
    assert "ofice" in result.output and "Traceback" not in result.output


def test_diff_plans(tmp_path, in_root):
    old = compile_plan(load_policy("policies/bench.sla"))
    assert diff_plans(old, old) == ""
    changed = tmp_path / "bench.sla"
    changed.write_text(Path("policies/bench.sla").read_text()
                       .replace("P1 30m, P2 1h", "P1 45m, P2 1h"))
    new = compile_plan(load_policy(changed))
    assert diff_plans(old, new) == "~ Gold response P1: target 30m -> 45m\n"


def test_diff_plans_names_every_kind_of_promise(tmp_path, in_root):
    # uptime, calendars, clocks and fees are promises too: each change is one line, and a
    # clock change is reported once, not on every target that uses the clock
    source = Path("policies/reference.sla").read_text(encoding="utf-8")
    changed = tmp_path / "reference.sla"
    changed.write_text(source.replace("holidays IT", "holidays IT subdivision RM")
                       .replace("waiting_on_customer, waiting_on_vendor,", "waiting_on_customer,")
                       .replace("    uptime 99.9%", "    uptime 99.95%")
                       .replace("fee 4000 EUR monthly", "fee 4200 EUR monthly"),
                       encoding="utf-8")
    (tmp_path / "customers.yaml").write_text(
        Path("policies/customers.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    diff = diff_plans(compile_plan(load_policy("policies/reference.sla")),
                      compile_plan(load_policy(changed)))
    assert diff == (
        "~ clock resolution: paused while waiting_on_customer, waiting_on_vendor, resolved, "
        "closed -> waiting_on_customer, resolved, closed\n"
        "~ calendar office: holidays IT -> IT subdivision RM\n"
        "~ uptime Gold every service: monthly 99.9% -> 99.95%\n"
        "~ fee Gold: monthly 4000 EUR -> 4200 EUR\n")


def test_diff_and_json_of_the_priority_matrix(tmp_path, in_root):
    source = Path("policies/internal-it-ola.sla").read_text(encoding="utf-8")
    changed = tmp_path / "ola.sla"
    changed.write_text(source.replace('"high", "medium" -> P2', '"high", "medium" -> P1'),
                       encoding="utf-8")
    old = compile_plan(load_policy("policies/internal-it-ola.sla"))
    assert diff_plans(old, compile_plan(load_policy(changed))) == (
        "~ priority from impact=high urgency=medium: priority P2 -> P1\n")
    matrix = plan_to_json(old)["priority_from"]
    assert matrix["fields"] == ["impact", "urgency"]
    assert matrix["rules"][1] == {"values": ["high", "medium"], "priority": "P2",
                                  "source": "policies/internal-it-ola.sla:41"}


def test_cli_plan_diff(tmp_path, in_root):
    changed = tmp_path / "bench.sla"
    changed.write_text(Path("policies/bench.sla").read_text(encoding="utf-8")
                       .replace("P1 30m, P2 1h", "P1 45m, P2 1h"), encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(changed), "--diff", "policies/bench.sla"])
    assert (result.exit_code, result.output) == (0, "~ Gold response P1: target 30m -> 45m\n")
    same = CliRunner().invoke(main, ["plan", "policies/bench.sla", "--diff",
                                     "policies/bench.sla"])
    assert (same.exit_code, same.output) == (0, "no change\n")


def _with_origins(tier):
    """A policy tier with every origin spelt out (the plan names a tier's own clauses by
    the tier, where the model may leave them blank)."""
    from dataclasses import replace

    def own(x):
        return replace(x, origin_tier=x.origin_tier or tier.name)

    return replace(
        tier, targets=tuple(own(t) for t in tier.targets),
        uptime=tuple(own(u) for u in tier.uptime),
        uptime_credit=own(tier.uptime_credit) if tier.uptime_credit else None,
        objective_credits=tuple(own(o) for o in tier.objective_credits),
        service_credits=tuple(own(c) for c in tier.service_credits))


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "policies").glob("*.sla")))
def test_the_tiers_an_evaluation_reads_are_the_plans(name):
    """issue 10: the evaluation reads the plan only. Each tier it reads is rebuilt from the
    plan's rows, rules and tier terms (what `slalang plan` prints), and equals the policy's
    tier clause for clause (targets in the plan's order); the plan travels without its
    policy's tiers."""
    import pickle
    from dataclasses import replace

    policy = load_policy(ROOT / "policies" / name)
    plan = compile_plan(policy)
    for tier in policy.tiers:
        got, want = plan.tier(tier.name), _with_origins(tier)
        assert sorted(got.targets, key=repr) == sorted(want.targets, key=repr)
        assert replace(got, targets=()) == replace(want, targets=())
    assert plan.tiers == tuple(t.name for t in policy.tiers)
    assert plan.tier("") is None and plan.tier("Platinum") is None
    # a plan whose policy lost its tiers still evaluates the same tiers
    stripped = replace(plan, policy=replace(policy, tiers=()))
    shipped = pickle.loads(pickle.dumps(stripped))
    for tier in policy.tiers:
        assert shipped.tier(tier.name) == plan.tier(tier.name)


def test_a_plan_shows_the_hours_its_clocks_measure_on(tmp_path):
    """Two policies that differ only in a calendar's hours and holidays measure differently
    (on the bench set, 88 objectives missed against 4): their plans print differently. The
    plan printed the calendar's name and zone only."""
    text = (ROOT / "policies" / "bench.sla").read_text(encoding="utf-8")
    other = tmp_path / "bench.sla"
    other.write_text(text.replace("mon-fri 08:30-18:00", "mon-fri 10:00-12:00"),
                     encoding="utf-8")
    assert other.read_text(encoding="utf-8") != text
    a = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    b = compile_plan(load_policy(other))
    line = next(ln for ln in plan_to_text(a).splitlines() if ln.strip().startswith("office"))
    assert "mon-fri 08:30-18:00" in line and "IT" in line
    assert "mon-fri 10:00-12:00" in plan_to_text(b)
    cal = plan_to_json(b)["calendars"][0]
    assert cal["weekly"]["mon"] == ["10:00-12:00"] and cal["holidays"][0]["country"] == "IT"
