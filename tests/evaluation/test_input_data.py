"""`slalang evaluate` on faulty input: rejected rows (not evaluated) and invalid tickets
(evaluated, verdict invalid) counted apart and listed, in text, JSON and JUnit; downtime rows
no customer-month measures are rejected.

Goldens under ``golden/input-*``; ``SLALANG_UPDATE_GOLDEN=1`` regenerates them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from slalang.cli import main
from slalang.evaluation.output.json import validate

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
XSD = HERE / "junit" / "jenkins-junit.xsd"
FIXTURES = "tests/evaluation/fixtures"
BROKEN = ["policies/reference.sla", "--tickets", f"{FIXTURES}/explain/broken.csv",
          "--events", f"{FIXTURES}/explain/broken-events.csv",
          "--downtime", f"{FIXTURES}/input/downtime.csv", "--period", "2026-07"]


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with SLALANG_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths: the goldens do not depend on the checkout


def run(*args: str):
    return CliRunner().invoke(main, ["evaluate", *args])


def test_summary_counts_and_lists_rejected_and_invalid_apart():
    r = run(*BROKEN)
    assert r.exit_code == 0, r.output
    # 7 ticket rows: 3 evaluated (2 of them invalid) + 4 rejected; 1 event and 3 downtime
    # rows rejected
    assert "tickets 3, excluded 0, open 0, invalid 2, rejected 8\n" in r.output
    assert "rejected rows, not evaluated (8):\n" in r.output
    golden("input-summary.txt", r.output)


def test_json_counts_match_the_summary(tmp_path):
    out = tmp_path / "ev.json"
    r = run(*BROKEN, "--json", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(doc)
    assert doc["counts"] == {"tickets": 3, "excluded": 0, "open": 0, "invalid": 2,
                             "rejected": 8}
    assert [(Path(x["file"]).name, x["row"], x["field"]) for x in doc["rejected"]] == [
        ("broken.csv", 3, "created_at"), ("broken.csv", 4, "created_at"),
        ("broken.csv", 7, "resolved_at"), ("broken.csv", 8, "id"),
        ("broken-events.csv", 4, "ticket_id"),
        ("downtime.csv", 3, "customer"), ("downtime.csv", 4, "service"),
        ("downtime.csv", 5, "end")]


def test_junit_input_data_case_fails_on_rejected_rows(tmp_path):
    out = tmp_path / "junit.xml"
    r = run(*BROKEN, "--junit", str(out))
    assert r.exit_code == 0, r.output
    xml = out.read_text(encoding="utf-8")
    schema = xmlschema.XMLSchema(XSD)
    schema.validate(xml)
    suites = {s["@name"]: s for s in schema.to_dict(xml)["testsuite"]}
    data = suites["input data"]
    # the rejected rows, and the warnings (statuses the clocks name that no event has)
    assert (data["@tests"], data["@failures"]) == ("2", "2")
    case, warned = data["testcase"]
    assert warned["@name"] == "warnings" and warned["failure"][0]["@type"] == "warning"
    assert "[status-not-in-data] clock 'resolution' names status 'waiting_on_customer'" in (
        warned["failure"][0]["@message"])
    message = case["failure"][0]["@message"]
    assert message.startswith("8 input row(s) rejected, not evaluated: "
                              f"{FIXTURES}/explain/broken.csv:3: created_at: bad timestamp")
    assert message.endswith("; ... and 3 more")
    golden("input-junit.xml", xml)


def test_downtime_of_an_unknown_customer_or_service_is_counted_nowhere_else():
    r = run(*BROKEN)
    # Alfa's email (30 min) counts; Zeta and Alfa's sms are rejected, not measured
    assert "uptime email: 99.933% (downtime 30 min 0 s)" in r.output
    assert "sms" not in r.output.split("rejected rows")[0]
    assert "Zeta" not in r.output.split("rejected rows")[0]
    # a customer outside the roster but with tickets keeps its downtime (no target)
    assert "uptime email: 99.978% (downtime 10 min 0 s)  no target" in r.output


def test_many_rejected_rows_are_capped_with_the_rest_counted(tmp_path):
    tickets = tmp_path / "t.csv"
    rows = [f"T{k},Alfa Srl,P1,2026-07-0{1 + k % 9}T09:00:00" for k in range(25)]  # naive
    tickets.write_text("id,customer,priority,created_at\n"
                       "OK,Alfa Srl,P1,2026-07-01T09:00:00+02:00\n" + "\n".join(rows) + "\n")
    r = run("policies/reference.sla", "--tickets", str(tickets), "--period", "2026-07")
    assert r.exit_code == 0, r.output
    lines = r.output.split("rejected rows, not evaluated (25):\n")[1].splitlines()
    assert lines[0] == (f"  {tickets}:3: created_at: naive timestamp '2026-07-01T09:00:00' "
                        "(no UTC offset); give its time zone in a mapping")
    assert lines[19].startswith(f"  {tickets}:22: created_at: ")
    assert lines[20] == "  ... and 5 more"
    assert lines[21] == ""


@pytest.mark.parametrize(("content", "message"), [
    (b"", "no tickets in {}: the file is empty"),
    (b'{"id": "T1", "customer": "Caf\xe9", "created_at": "2026-07-01T09:00:00+02:00"}\n',
     "{}:1: not UTF-8 text: byte 0xe9 cannot be decoded; re-export the file as UTF-8 "
     "(field 'customer')"),
])
def test_cli_input_errors_exit_2_without_traceback(tmp_path, content, message):
    tickets = tmp_path / "t.jsonl"
    tickets.write_bytes(content)
    r = run("policies/reference.sla", "--tickets", str(tickets), "--period", "2026-07")
    assert r.exit_code == 2
    assert r.output == f"error: {message.format(tickets)}\n"


def test_max_errors_counts_every_file_together():
    # 5 ticket and event rows + 3 downtime rows rejected: 8
    assert run(*BROKEN, "--max-errors", "8").exit_code == 0
    r = run(*BROKEN, "--max-errors", "7")
    assert r.exit_code == 2
    assert r.output == (f"error: {FIXTURES}/explain/broken.csv:3: 8 row(s) rejected, more than "
                        "the 7 allowed; the first: bad timestamp '31/07/2026 10:00' (expected "
                        "ISO 8601 with an offset, e.g. 2026-07-01T09:12:00+02:00) (field "
                        "'created_at')\n")
