"""`slalang explain` as a service manager meets it: broken rows, DST nights and holidays.

Broken input must say which file, row and field stopped a ticket; DST nights and holidays must
give the business seconds worked out by hand from the reference contract. The text output is
kept in ``golden/explain-inputs.txt`` (``SLALANG_UPDATE_GOLDEN=1`` regenerates it).
"""

from __future__ import annotations

import datetime as dt
import json
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
GOLDEN = Path(__file__).parent / "golden" / "explain-inputs.txt"
FIXTURES = "tests/evaluation/fixtures/explain"
BROKEN = ["--tickets", f"{FIXTURES}/broken.csv", "--events", f"{FIXTURES}/broken-events.csv",
          "--period", "2026-07"]
#: judged at a fixed instant after every ticket's last event (not "now", the default)
DST = ["--tickets", f"{FIXTURES}/dst-holidays.jsonl", "--as-of", "2027-01-31T00:00:00+01:00",
       "--compact"]
#: (data options, ticket, exit code)
CASES = [(BROKEN, "A1", 0), (BROKEN, "A2", 2), (BROKEN, "A3", 2), (BROKEN, "A4", 0),
         (BROKEN, "A5", 0), (BROKEN, "A6", 2), (BROKEN, "ZZ", 2), (BROKEN, "NOPE", 2),
         (DST, "D1", 0), (DST, "D2", 0), (DST, "D3", 0), (DST, "H1", 0), (DST, "H2", 0),
         (DST, "H3", 0)]


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def explain(*args: str):
    return CliRunner().invoke(main, ["explain", "policies/reference.sla", *args],
                              prog_name="slalang")


def test_explain_inputs_golden():
    parts = []
    for data, ticket, code in CASES:
        result = explain(*data, "--ticket", ticket)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        parts.append(f"$ slalang explain {' '.join(data)} --ticket {ticket}\n{result.output}"
                     f"(exit {result.exit_code})\n")
    actual = "\n".join(parts)
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(actual, encoding="utf-8")
    assert actual == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize(("ticket", "row", "field"), [
    ("A2", 3, "created_at"), ("A3", 4, "created_at"), ("A6", 7, "resolved_at")])
def test_a_rejected_ticket_names_file_row_and_field(ticket, row, field):
    result = explain(*BROKEN, "--ticket", ticket)
    assert result.exit_code == 2
    assert "Usage:" not in result.output
    assert f"{FIXTURES}/broken.csv:{row}: " in result.output
    assert f"(field {field!r})" in result.output


def test_a_rejected_row_of_a_longer_id_is_not_blamed(tmp_path):
    rows = (ROOT / FIXTURES / "broken.csv").read_text(encoding="utf-8").replace("A2,", "A20,")
    (tmp_path / "t.csv").write_text(rows, encoding="utf-8")
    result = explain("--tickets", str(tmp_path / "t.csv"), "--ticket", "A2")
    assert result.exit_code == 2
    assert "no ticket 'A2' in" in result.output and "rejected while reading:" not in result.output


def test_an_unknown_customer_is_not_in_the_roster():
    lines = explain(*BROKEN, "--ticket", "A5").output.splitlines()
    assert "tier - (not in the roster)" in lines[0]
    # what is invalid names the row to fix
    assert f"unknown customer 'Omega Srl' (not in the roster); ticket at {FIXTURES}/broken.csv:6" \
        in lines[4]
    data = json.loads(explain(*BROKEN, "--ticket", "A5", "--format", "json").output)
    assert data["source"] == f"{FIXTURES}/broken.csv:6"


def metrics(ticket: str) -> dict:
    result = explain(*DST, "--ticket", ticket, "--format", "json")
    assert result.exit_code == 0, result.output
    return {m["metric"]: m for m in json.loads(result.output)["metrics"]}


def test_dst_nights_count_real_elapsed_time():
    # 01:30+02:00 -> 04:30+01:00 on 25 October is 4 real hours (the night has 25)
    autumn = metrics("D1")["resolution"]
    assert (autumn["status"], autumn["elapsed_s"]) == ("met", 4 * 3600)
    assert autumn["due_at"] == "2026-10-25T04:30:00+01:00"  # exactly on target is met
    # 01:30+01:00 -> 04:30+02:00 on 29 March is 2 real hours (the night has 23)
    spring = metrics("D2")["resolution"]
    assert (spring["elapsed_s"], spring["due_at"]) == (2 * 3600, "2026-03-29T06:30:00+02:00")
    # Friday 17:00 CEST, 1h that day, 1h on Monday after the change: due 09:30 CET
    office = metrics("D3")["response"]
    assert (office["status"], office["elapsed_s"]) == ("met", 2 * 3600)
    assert office["due_at"] == "2026-10-26T09:30:00+01:00"


def test_holidays_and_closures_stop_the_office_clock():
    # 24 Dec closed, 25 and 26 holidays, 27 a Sunday: 2h of office time ends Mon 28 at 10:30
    christmas = metrics("H1")
    assert christmas["response"]["due_at"] == "2026-12-28T10:30:00+01:00"
    kinds = [s["kind"] for s in christmas["response"]["segments"]]
    assert kinds[:2] == ["holiday/closure", "holiday/closure"]
    # 8 December (Immacolata): Silver P2 2h from Monday 17:00 is due Wednesday 09:30
    assert metrics("H2")["response"]["due_at"] == "2026-12-09T09:30:00+01:00"


def test_dst_and_holiday_tickets_agree_with_evaluate():
    plan = compile_plan(load_policy("policies/reference.sla"))
    roster = roster_for(plan.policy)
    tickets = read_tickets(f"{FIXTURES}/dst-holidays.jsonl")
    for at in (dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC),
               dt.datetime(2027, 1, 1, tzinfo=dt.UTC)):
        out = compute_outcomes(plan, tickets, roster, int(at.timestamp()))
        for i in range(len(tickets)):
            ex = explain_ticket(plan, tickets.row(i), at, roster)
            for m, e in enumerate(ex.metrics):
                k = i * len(plan.metrics) + m
                assert (e.status, e.elapsed) == (out.status[k], out.elapsed[k]), (i, m)


def test_a_day_override_on_a_closure_is_a_working_day(tmp_path):
    # 24 December is closed every year, but this calendar opens it 09:00-11:00: the rest of
    # the day is outside those hours, not a closure
    source = (ROOT / "policies" / "reference.sla").read_text(encoding="utf-8")
    policy = tmp_path / "p.sla"
    policy.write_text(source.replace("    closed every 12-24, 12-31\n", "    closed every 12-24, "
                                     "12-31\n    hours 2026-12-24 09:00-11:00\n"),
                      encoding="utf-8")
    (tmp_path / "customers.yaml").write_text(
        (ROOT / "policies" / "customers.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    tickets = tmp_path / "t.jsonl"
    tickets.write_text('{"id": "O1", "customer": "Gamma Snc", "priority": "P1", '
                       '"created_at": "2026-12-23T17:00:00+01:00"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", str(policy), "--tickets", str(tickets),
                                       "--ticket", "O1", "--as-of", "2026-12-28T12:00:00+01:00",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    response = json.loads(result.output)["metrics"][0]
    dec24 = [(s["from"][11:16], s["to"][11:16], s["kind"]) for s in response["segments"]
             if s["from"].startswith("2026-12-24")]
    assert dec24 == [("09:00", "11:00", "counted"), ("11:00", "00:00", "outside hours")]
    assert response["due_at"] == "2026-12-24T10:00:00+01:00"  # 1h on the 23rd, 1h on the 24th
    before = [s["kind"] for s in response["segments"] if s["to"] == "2026-12-24T09:00:00+01:00"]
    assert before == ["outside hours"]


def test_a_priority_from_the_matrix_names_the_row(tmp_path):
    tickets = tmp_path / "m.jsonl"
    tickets.write_text('{"id": "M1", "customer": "Warehouse Operations", "created_at": '
                       '"2026-07-01T09:00:00-07:00", "impact": "high", "urgency": "medium"}\n',
                       encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", "policies/internal-it-ola.sla", "--tickets",
                                       str(tickets), "--ticket", "M1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(
        "priority P2 (from the matrix, policies/internal-it-ola.sla:41)")


def test_a_rejected_duplicate_is_noted_beside_the_ticket_explained():
    text = explain(*BROKEN, "--ticket", "A1").output
    assert text.endswith(f"note: a row about this ticket was rejected: {FIXTURES}/broken.csv:8: "
                         "duplicate ticket id 'A1' (first seen on row 2) (field 'id')\n")
    data = json.loads(explain(*BROKEN, "--ticket", "A1", "--format", "json").output)
    assert data["rejected_rows"] == [f"{FIXTURES}/broken.csv:8: duplicate ticket id 'A1' "
                                     "(first seen on row 2) (field 'id')"]


def test_compact_and_full_count_the_same_time():
    full = explain(*DST[:-1], "--full", "--ticket", "H1", "--format", "text").output
    compact = explain(*DST, "--ticket", "H1").output
    assert len(compact.splitlines()) < len(full.splitlines())
    assert "holiday/closure" in full and "2 holidays or closures" in compact
    # same verdicts and totals: the head lines and due instants do not depend on the layout
    heads = [ln for ln in full.splitlines() if ln.startswith(("response", "resolution", "  due"))]
    assert heads == [ln for ln in compact.splitlines()
                     if ln.startswith(("response", "resolution", "  due"))]
    # off a terminal (CliRunner, a pipe) the default is every interval
    assert explain(*DST[:-1], "--ticket", "H1").output == full


def test_as_of_defaults_to_the_end_of_the_period_else_now_and_says_why():
    at_end = explain(*DST[:2], "--period", "2026-12", "--ticket", "H1")
    assert "as of 2027-01-01 00:00:00+01:00 (the end of the period 2026-12)" in at_end.output
    data = json.loads(explain(*DST[:2], "--ticket", "H1", "--format", "json").output)
    assert data["as_of_reason"] == "now: no --period was given"


def test_a_ticket_created_after_as_of_is_noted():
    """The note says what to change: what was given (it said "give --period" to a run
    that had given one)."""
    early = explain(*DST[:2], "--as-of", "2026-12-01T00:00:00+01:00", "--ticket", "H1")
    assert ("note: the ticket was created after the as-of instant (2026-12-01T00:00:00+01:00):"
            " nothing of it is measured; give a later --as-of") in early.output
    period = explain(*DST[:2], "--period", "2026-11", "--ticket", "H1")
    assert "give the --period the ticket falls in (its end is the as-of)" in period.output
