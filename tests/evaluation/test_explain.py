"""`slalang explain`: the per-ticket timeline (golden) and its agreement with evaluate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import read_tickets
from slalang.evaluation.explain import explain_ticket
from slalang.evaluation.outcomes import compute_outcomes
from slalang.language import load_policy
from slalang.plan import compile_plan
from slalang.roster import roster_for

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
TICKETS = "tests/evaluation/fixtures/explain/tickets.jsonl"
#: (ticket, the options that fix as_of: the end of a period, or an instant)
CASES = [("T-100", ("--period", "2026-Q3")), ("T-200", ("--period", "2026-Q3")),
         ("T-300", ("--period", "2026-Q3")), ("T-400", ("--period", "2026-Q3")),
         ("T-500", ("--as-of", "2026-06-03T10:00:00+02:00"))]


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def explain(*args: str):
    return CliRunner().invoke(main, ["explain", "policies/reference.sla", "--tickets", TICKETS,
                                     *args])


def test_explain_golden():
    parts = []
    for ticket, when in CASES:
        result = explain("--ticket", ticket, *when)
        assert result.exit_code == 0, result.output
        parts.append(f"$ slalang explain --ticket {ticket} {' '.join(when)}\n" + result.output)
    actual = "\n".join(parts)
    path = GOLDEN / "explain-reference.txt"
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_explain_agrees_with_the_vectorised_path():
    plan = compile_plan(load_policy("policies/reference.sla"))
    roster = roster_for(plan.policy)
    tickets = read_tickets(TICKETS)
    # before, during and after the tickets' lives: both paths must agree at any instant
    for at in (1_780_000_000, 1_783_500_000, 1_790_000_000):
        out = compute_outcomes(plan, tickets, roster, at)
        for i in range(len(tickets)):
            ex = explain_ticket(plan, tickets.row(i), at, roster)
            for m, e in enumerate(ex.metrics):
                k = i * len(plan.metrics) + m
                assert (e.status, e.elapsed) == (out.status[k], out.elapsed[k])


def test_explain_usage_errors():
    unknown = explain("--ticket", "T-999")
    assert unknown.exit_code == 2 and "no ticket 'T-999'" in unknown.output
    naive = explain("--ticket", "T-100", "--as-of", "2026-07-06T10:00:00")
    assert naive.exit_code == 2 and "has no offset" in naive.output
    garbage = explain("--ticket", "T-100", "--as-of", "yesterday")
    assert garbage.exit_code == 2 and "ISO 8601" in garbage.output


def test_explain_json():
    import json

    result = explain("--ticket", "T-100", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["ticket"], data["tier"], data["tier_source"]) == ("T-100", "Gold", "roster")
    response, resolution = data["metrics"]
    assert (response["status"], response["elapsed_s"], response["target_s"]) == (
        "breached", 1200, 900)
    assert response["due_at"] == "2026-07-03T17:45:00+02:00"
    assert [s["kind"] for s in resolution["segments"]] == ["counted", "paused", "counted"]
    assert resolution["segments"][1]["note"] == "status waiting_on_customer"
    assert sum(s["seconds"] for s in resolution["segments"]) == resolution["elapsed_s"] == 6000
