"""No silent green (issue 8): a run that measured nothing exits 2 with the reasons and the fix;
``--max-errors`` takes a share; the summary states what was read first; warnings (text, JSON,
JUnit) for what could be measured only in part, the same in memory and in chunks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import read_tickets
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.output.json import validate
from slalang.evaluation.periods import PeriodError
from slalang.language import load_policy
from slalang.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "reference.sla")
HEADER = "id,customer,tier,priority,created_at,first_response_at,resolved_at\n"


def run(*args: str):
    return CliRunner().invoke(main, ["evaluate", *args])


def _row(i: int, created: str = "2026-07-01T09:00:00+02:00",
         response: str = "2026-07-01T09:30:00+02:00", resolved: str = "") -> str:
    return f"T{i},Alfa Srl,Gold,P2,{created},{response},{resolved}\n"


def test_every_row_rejected_exits_2_with_the_reasons_and_the_fix(tmp_path):
    # issue 8: "tickets 0 ... rejected 21348" exited 0
    tickets = tmp_path / "t.csv"
    tickets.write_text(HEADER + "".join(_row(i, created="01/07/2026 09:00") for i in range(5))
                       + _row(9, created=""))
    r = run(POLICY, "--tickets", str(tickets), "--period", "2026-07")
    assert r.exit_code == 2, r.output
    assert "every ticket row was rejected (6 read, 6 rejected)" in r.output
    assert "5 x bad timestamp '01/07/2026 09:00'" in r.output
    assert "1 x missing created_at (field 'created_at')" in r.output
    assert "fix: map the creation time (fields.created_at) and give timestamps.format" in r.output
    # without a period, the same error: not "no ticket to infer one from"
    r = run(POLICY, "--tickets", str(tickets))
    assert r.exit_code == 2 and "every ticket row was rejected" in r.output


def test_every_row_rejected_through_a_mapping(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "mapping: 1\nshape: ticket\nfields: {id: Key, customer: {constant: Alfa Srl},"
        " created_at: Opened}\n")
    (tmp_path / "t.csv").write_text("Key,Opened\nA,01.07.2026\nB,02.07.2026\n")
    r = run(POLICY, "--tickets", str(tmp_path / "t.csv"), "--mapping",
            str(tmp_path / "m.yaml"), "--period", "2026-07")
    assert r.exit_code == 2
    assert "2 x bad timestamp" in r.output and "timestamps.format" in r.output


def test_the_period_error_says_when_every_row_was_rejected(tmp_path):
    tickets = tmp_path / "t.csv"
    tickets.write_text(HEADER + _row(1))
    table = read_tickets(tickets)
    empty = table.take([])
    plan = compile_plan(load_policy(POLICY))
    with pytest.raises(PeriodError, match="no ticket to infer one from$|: use --period"):
        evaluate(plan, empty, None, None)
    empty.rejected = [*table.rejected, *read_tickets(tickets).rejected]
    from slalang.data import Rejection

    empty.rejected = [Rejection(str(tickets), 2, "created_at", "missing created_at")]
    with pytest.raises(PeriodError, match=r"all 1 rows read were rejected"):
        evaluate(plan, empty, None, None)


def test_max_errors_takes_a_share(tmp_path):
    tickets = tmp_path / "t.csv"
    rows = [_row(i) for i in range(19)] + [_row(99, created="bad")]
    tickets.write_text(HEADER + "".join(rows))
    base = [POLICY, "--tickets", str(tickets), "--period", "2026-07"]
    assert run(*base, "--max-errors", "5%").exit_code == 0  # 1 of 20 rows
    r = run(*base, "--max-errors", "4%")
    assert r.exit_code == 2
    assert "1 row(s) rejected, more than the 4% of the 20 rows read (0) allowed" in r.output
    r = run(*base, "--max-errors", "lots")
    assert r.exit_code == 2 and "neither a number of rows (10) nor a share" in r.output


def test_summary_states_what_was_read_first(tmp_path):
    tickets = tmp_path / "t.csv"
    tickets.write_text(HEADER + _row(1) + _row(2) + _row(3, created="bad"))
    r = run(POLICY, "--tickets", str(tickets), "--period", "2026-07")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1] == (
        "input: 3 ticket rows read = 2 evaluated + 0 ignored + 1 rejected; invalid 0")


def _warnings(tmp_path, tickets_text: str, events_text: str | None = None, *extra: str):
    tickets = tmp_path / "t.csv"
    tickets.write_text(tickets_text)
    args = [POLICY, "--tickets", str(tickets), "--period", "2026-07", "--format", "json"]
    if events_text is not None:
        (tmp_path / "e.csv").write_text(events_text)
        args += ["--events", str(tmp_path / "e.csv")]
    r = run(*args, *extra)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate(doc)
    by_code: dict[str, list[dict]] = {}
    for w in doc["warnings"]:
        by_code.setdefault(w["code"], []).append(w)
    return by_code, doc


def test_a_clock_no_ticket_stopped(tmp_path):
    # issue 8: a response clock nothing stops gave 0 % with no warning
    got, _ = _warnings(tmp_path, HEADER + _row(1, response="") + _row(2, response=""))
    w = got["clock-never-stopped"][0]  # and the resolution clock: nothing resolved either
    assert w["message"].startswith("no ticket stopped the clock 'response' (2 tickets measured")
    assert "first_response_at" in w["hint"]


def test_a_misspelt_status_gets_a_did_you_mean(tmp_path):
    events = ("ticket_id,at,status\nT1,2026-07-01T10:00:00+02:00,waiting_on_custmer\n"
              "T1,2026-07-01T11:00:00+02:00,in_progress\n")
    got, _ = _warnings(tmp_path, HEADER + _row(1), events)
    w = got["status-not-in-data"][0]  # (waiting_on_vendor has no event either)
    assert w["message"] == ("clock 'resolution' names status 'waiting_on_customer', which no "
                            "event in the data has")
    assert w["hint"].startswith("did you mean 'waiting_on_custmer'?")


def test_invisible_characters_in_ids_are_said(tmp_path):
    events = "ticket_id,at,status\n\ufeffT1,2026-07-01T10:00:00+02:00,in_progress\n"
    got, doc = _warnings(tmp_path, HEADER + _row(1) + _row(2).replace("T2", "T2\u00a0"),
                         events)
    message = got["invisible-characters-in-ids"][0]["message"]
    assert message.startswith("2 id value(s) of the tickets and their events")
    assert doc["input"]["evaluated"] == 2


def test_a_history_that_ends_resolved_gives_resolved_at(tmp_path):
    # issue 8: 562 of 620 tickets silently open
    events = ("ticket_id,at,status\nT1,2026-07-01T10:00:00+02:00,in_progress\n"
              "T1,2026-07-01T12:00:00+02:00,resolved\n"
              "T2,2026-07-01T10:00:00+02:00,resolved\n"
              "T2,2026-07-01T11:00:00+02:00,in_progress\n")
    got, doc = _warnings(tmp_path, HEADER + _row(1) + _row(2, resolved="2026-07-01T10:00:00+02:00"),
                         events)
    assert got["resolved-from-history"][0]["message"].startswith(
        "1 ticket(s) end resolved or closed in their status history but have no resolved_at "
        "(e.g. T1)")
    assert got["resolved-contradicted"][0]["message"].startswith(
        "1 ticket(s) have a resolved_at")
    table = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv")
    assert table.row(0)["resolved_at"].isoformat() == "2026-07-01T10:00:00+00:00"


def test_uptime_without_downtime_data_is_not_measured(tmp_path):
    got, _ = _warnings(tmp_path, HEADER + _row(1))
    assert "no downtime data was given: uptime is not measured" in (
        got["uptime-not-measured"][0]["message"])
    r = run(POLICY, "--tickets", str(tmp_path / "t.csv"), "--period", "2026-07")
    assert "warning [uptime-not-measured]" in r.output
    assert "uptime email: not measured" in r.output
    assert "uptime email: 100" not in r.output


def test_warnings_and_counts_are_the_same_in_chunks(tmp_path):
    import io

    from slalang.evaluation.output.json import write_json
    from slalang.evaluation.streaming import evaluate_chunked

    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    tickets.write_text(HEADER + "".join(_row(i) for i in range(6)).replace("T3", "\ufeffT3")
                       + _row(7, created="bad"))
    events.write_text("ticket_id,at,status\n"
                      "T1,2026-07-01T10:00:00+02:00,resolved\n"
                      "T4\u200b,2026-07-01T10:00:00+02:00,resolved\n"
                      "T5,2026-07-01T10:00:00+02:00,waiting_on_custmer\n")
    plan = compile_plan(load_policy(POLICY))
    ev = evaluate(plan, read_tickets(tickets, events), None, None, period="2026-07")
    want = io.BytesIO()
    write_json(ev, want)
    codes = [w.code for w in ev.warnings]
    assert {"invisible-characters-in-ids", "resolved-from-history",
            "status-not-in-data"} <= set(codes)
    assert (ev.input.read, ev.input.tickets, ev.input.rejected) == (7, 6, 1)
    for rows in (1, 4):
        got, _ = evaluate_chunked(plan, tickets, events, None, None, period="2026-07",
                                  chunk_rows=rows)
        out = io.BytesIO()
        write_json(got, out)
        assert out.getvalue() == want.getvalue(), rows
