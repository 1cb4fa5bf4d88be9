"""`slalang explain` on a ticket whose priority changed: the change is in the timeline, and
each metric says which priority its verdict uses and how its clock took the change.

The ticket (canonical CSV, events with a ``priority`` column) is opened P3 at 09:00, first
answered at 10:00 while still P3, raised to P1 at 12:00 by a priority-only event and resolved
at 17:00, all on a 24x7 calendar. The targets are the final priority's (P1: response 30m,
resolution 4h). With ``on priority change carry`` the resolution clock runs from 09:00 (8h
against 4h); with ``restart`` it restarts at 12:00 (5h against 4h). The response clock
(carry) stopped before the change, yet is judged against P1's 30m: the breach the probe found
unexplained (INC0001017 of the UCI ServiceNow log).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import read_tickets
from slalang.evaluation.explain import explain_ticket
from slalang.evaluation.outcomes import compute_outcomes
from slalang.evaluation.periods import parse_period, resolve_as_of
from slalang.language import load_policy
from slalang.plan import compile_plan

POLICY = """\
policy "Priority changes" {
    provider "test"
    version "1"
    effective 2026-01-01
    currency EUR
    period month in "Europe/Rome"
}

calendar always 24x7

priorities {
    P1 "Critical"
    P2 "High"
    P3 "Moderate"
}

clock response "Time to first response" {
    starts at created
    stops at first_response
}

clock resolution "Time to resolution" {
    starts at created
    stops at resolved
    on priority change MODE
}

tier Standard {
    fee 100 EUR monthly
    response: P1 30m on always, P2 2h on always, P3 8h on always objective 90%
    resolution: P1 4h on always, P2 8h on always, P3 24h on always objective 80%
}
"""

TICKETS = """\
id,customer,tier,priority,created_at,first_response_at,resolved_at
T-1,Alfa,Standard,P3,2026-07-01T09:00:00+02:00,2026-07-01T10:00:00+02:00,\
2026-07-01T17:00:00+02:00
"""

#: the P3 -> P1 change is an event of its own, with no status (as a mapped export makes it)
EVENTS = """\
ticket_id,at,status,priority
T-1,2026-07-01T09:00:00+02:00,new,
T-1,2026-07-01T10:00:00+02:00,in_progress,
T-1,2026-07-01T12:00:00+02:00,,P1
T-1,2026-07-01T17:00:00+02:00,resolved,
"""

#: the same history where the only priority event restates P3: no change
UNCHANGED = EVENTS.replace(",,P1", ",,P3")

CHANGE_AT = "2026-07-01 12:00:00+02:00"
MARK = f"  priority {CHANGE_AT}  P3 -> P1"


def write(tmp_path: Path, mode: str, events: str = EVENTS) -> Path:
    (tmp_path / "p.sla").write_text(POLICY.replace("MODE", mode), encoding="utf-8")
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "e.csv").write_text(events, encoding="utf-8")
    return tmp_path


def explain(tmp_path: Path, mode: str, *args: str, events: str = EVENTS):
    d = write(tmp_path, mode, events)
    result = CliRunner().invoke(main, [
        "explain", str(d / "p.sla"), "--tickets", str(d / "t.csv"), "--events",
        str(d / "e.csv"), "--ticket", "T-1", "--period", "2026-07", *args])
    assert result.exit_code == 0, result.output
    return result.output


def metric_block(text: str, metric: str) -> list[str]:
    """The lines of one metric's section of the text output."""
    block = text.split(f"\n{metric}: ", 1)[1].split("\n\n", 1)[0]
    return block.splitlines()


@pytest.mark.parametrize("full", [("--full",), ("--compact",)])
def test_carry_text_shows_the_change_and_why_the_final_target_applies(tmp_path, full):
    """Was: the header said only `priority P1 (from the ticket)` and no timeline mentioned
    that the ticket was P3 until 12:00, so a response given at 10:00, while P3, breaching
    P1's 30m could not be understood from the explanation."""
    text = explain(tmp_path, "carry", *full)
    lines = text.splitlines()
    assert lines[1] == (f"priority changed: P3 when opened, P1 from {CHANGE_AT}; the targets "
                        "are those of the final priority, P1")
    response = metric_block(text, "response")
    assert response[0].startswith("breached, 1h of 30m")
    assert "target: 30m of P1, the final priority; on priority change carry" in response[1]
    assert "it ran at P3 throughout; the change to P1 came after it stopped" in response[1]
    # in time order: the change came after the clock stopped, and is shown there
    stop = next(k for k, line in enumerate(response) if line.startswith("  stop "))
    assert response[stop + 1] == MARK
    resolution = metric_block(text, "resolution")
    assert resolution[0].startswith("breached, 8h of 4h")
    assert "its time at P3 counts against P1's target too" in resolution[1]
    assert MARK in resolution
    assert resolution.index(MARK) < next(k for k, line in enumerate(resolution)
                                         if line.startswith("  stop "))


def test_carry_json_lists_the_change_and_each_metric_rule(tmp_path):
    """Was: the JSON had `priority` and `priority_source` only; nothing in it said the ticket
    was P3 until 12:00, nor how each clock took the change."""
    data = json.loads(explain(tmp_path, "carry", "--format", "json"))
    assert (data["priority"], data["priority_source"]) == ("P1", "ticket")
    assert data["priority_changes"] == [
        {"at": "2026-07-01T12:00:00+02:00", "from": "P3", "to": "P1"}]
    response, resolution = data["metrics"]
    for m in (response, resolution):
        assert m["on_priority_change"] == "carry"
        assert m["priority_restarted_at"] is None
        assert m["priority_note"].startswith("target: ")
        assert "of P1, the final priority; on priority change carry" in m["priority_note"]
    # the verdicts are the ones evaluate gives: only the explanation is new
    assert (response["status"], response["elapsed_s"], response["target_s"]) == (
        "breached", 3600, 1800)
    assert (resolution["start"], resolution["elapsed_s"]) == ("2026-07-01T09:00:00+02:00",
                                                              8 * 3600)


def test_restart_text_says_the_clock_restarted_at_the_change(tmp_path):
    """Was: a restarted clock's timeline began at 12:00 labelled `created`, with no word of
    the priority change that moved it there."""
    text = explain(tmp_path, "restart", "--full")
    resolution = metric_block(text, "resolution")
    assert resolution[0].startswith("breached, 5h of 4h")
    assert ("on priority change restart (" in resolution[1]
            and f"the clock restarted at the change at {CHANGE_AT}; it ran at P1 throughout"
            in resolution[1])
    # the change comes first, then the start it caused
    assert resolution[2] == MARK
    assert resolution[3] == (f"  start    {CHANGE_AT}  created, restarted at a priority "
                             "change (on priority change restart)")


def test_restart_json_gives_the_restart_instant(tmp_path):
    """Was: nothing in the JSON said why the resolution clock started at 12:00 rather than
    at creation."""
    data = json.loads(explain(tmp_path, "restart", "--format", "json"))
    response, resolution = data["metrics"]
    assert response["on_priority_change"] == "carry"
    assert resolution["on_priority_change"] == "restart"
    assert resolution["priority_restarted_at"] == resolution["start"] == (
        "2026-07-01T12:00:00+02:00")
    assert "the clock restarted at the change" in resolution["priority_note"]
    assert (resolution["status"], resolution["elapsed_s"]) == ("breached", 5 * 3600)


def test_an_event_restating_the_priority_is_no_change(tmp_path):
    """Was: the fields did not exist. A priority event restating the opening priority is no
    change: nothing is added to the text, and the JSON says so with an empty list."""
    text = explain(tmp_path, "carry", "--full", events=UNCHANGED)
    assert "priority changed" not in text and "  priority " not in text
    assert "on priority change" not in text
    data = json.loads(explain(tmp_path, "carry", "--format", "json", events=UNCHANGED))
    assert data["priority_changes"] == []
    assert all(m["priority_note"] is None for m in data["metrics"])


@pytest.mark.parametrize("events", [EVENTS, UNCHANGED], ids=["changed", "restated"])
@pytest.mark.parametrize("mode", ["carry", "restart"])
def test_the_verdicts_stay_those_of_evaluate(tmp_path, mode, events):
    """Explaining the change must not change a verdict, so the per-ticket path still agrees
    with the vectorised one; with the priority restated, both measure from creation."""
    d = write(tmp_path, mode, events)
    plan = compile_plan(load_policy(str(d / "p.sla")))
    tickets = read_tickets(str(d / "t.csv"), str(d / "e.csv"))
    at, _ = resolve_as_of(None, parse_period("2026-07", "Europe/Rome"))
    out = compute_outcomes(plan, tickets, None, at)
    ex = explain_ticket(plan, tickets.row(0), at, None)
    assert [(e.status, e.elapsed) for e in ex.metrics] == [
        (out.status[m], out.elapsed[m]) for m in range(len(plan.metrics))]


def test_a_restated_priority_does_not_restart_the_clock(tmp_path):
    """The engine restarted a `restart` clock at a ticket's first priority event even when
    it restated the priority the ticket was opened with (the docs: "an event carrying the
    priority the ticket already had is not a change"): 5h measured from 12:00 instead of
    8h from creation, and a breach turned into a pass."""
    text = explain(tmp_path, "restart", "--full", events=UNCHANGED)
    assert "restarted" not in text
    data = json.loads(explain(tmp_path, "restart", "--format", "json", events=UNCHANGED))
    resolution = next(m for m in data["metrics"] if m["metric"] == "resolution")
    assert resolution["priority_restarted_at"] is None
    assert resolution["elapsed_s"] == 8 * 3600


#: opened P3 on the last evening of July, raised to P1 on 2 August, resolved on 3 August
LATE_TICKETS = """\
id,customer,tier,priority,created_at,first_response_at,resolved_at
T-1,Alfa,Standard,P3,2026-07-31T20:00:00+02:00,2026-07-31T20:10:00+02:00,\
2026-08-03T09:00:00+02:00
"""
LATE_EVENTS = "ticket_id,at,status,priority\nT-1,2026-08-02T09:00:00+02:00,,P1\n"


@pytest.mark.parametrize("engine", ["memory", "chunks"])
def test_a_change_after_the_as_of_is_not_known_yet(tmp_path, engine):
    """July's report, as of the end of July, judged a ticket still open then by the P1 it
    was raised to on 2 August: a change not known at the as-of, where a resolution recorded
    after it is not known either. Re-run on a later export, a month's verdicts changed.
    The priority is now the one known at the as-of, in the evaluation and in explain."""
    write(tmp_path, "carry", LATE_EVENTS)
    (tmp_path / "t.csv").write_text(LATE_TICKETS, encoding="utf-8")
    common = ["--tickets", str(tmp_path / "t.csv"), "--events", str(tmp_path / "e.csv")]

    def verdicts(period: str) -> dict:
        r = CliRunner().invoke(main, ["evaluate", str(tmp_path / "p.sla"), *common,
                                      "--period", period, "--engine", engine,
                                      "--csv", str(tmp_path / "v.csv")])
        assert r.exit_code == 0, r.output
        rows = (tmp_path / "v.csv").read_text().splitlines()[1:]
        return {row.split(",")[4].strip('"'): row.split(",")[3].strip('"') for row in rows}

    assert verdicts("2026-07") == {"response": "P3", "resolution": "P3"}
    assert verdicts("2026-07-01..2026-08-31") == {"response": "P1", "resolution": "P1"}
    r = CliRunner().invoke(main, ["explain", str(tmp_path / "p.sla"), *common, "--ticket",
                                  "T-1", "--period", "2026-07", "--format", "json"])
    data = json.loads(r.output)
    assert (data["priority"], data["priority_changes"]) == ("P3", [])
