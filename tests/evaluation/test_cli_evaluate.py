"""`slalang evaluate`: outputs, exit codes per --fail-on, usage and input errors without
tracebacks."""

import csv
import io
import json
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from slalang.cli import main
from slalang.evaluation.output.json import validate

pytest.importorskip("slalang.data")
pytest.importorskip("slalang.roster")

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "reference.sla")
XSD = Path(__file__).parent / "junit" / "jenkins-junit.xsd"

TICKETS = [
    # Beta SpA, August: response P1 met (30 min) and missed (2 h) -> 50 % < 95 % -> 5 % credit
    {"id": "B-1", "customer": "Beta SpA", "priority": "P1",
     "created_at": "2026-08-03T08:30:00+02:00", "first_response_at": "2026-08-03T09:00:00+02:00",
     "resolved_at": "2026-08-03T10:00:00+02:00"},
    {"id": "B-2", "customer": "Beta SpA", "priority": "P1",
     "created_at": "2026-08-04T09:00:00+02:00", "first_response_at": "2026-08-04T11:00:00+02:00",
     "resolved_at": "2026-08-04T12:00:00+02:00"},
    # Gamma Snc, August: everything met
    {"id": "G-1", "customer": "Gamma Snc", "priority": "P3",
     "created_at": "2026-08-05T09:00:00+02:00", "first_response_at": "2026-08-05T09:30:00+02:00",
     "resolved_at": "2026-08-05T12:00:00+02:00"},
]


@pytest.fixture()
def data(tmp_path):
    tickets = tmp_path / "tickets.jsonl"
    tickets.write_text("".join(json.dumps(t) + "\n" for t in TICKETS))
    down = tmp_path / "downtime.csv"
    down.write_text("customer,service,start,end,kind\n"
                    "Alfa Srl,email,2026-08-05T10:00:00+02:00,2026-08-05T10:50:00+02:00,"
                    "unplanned\n")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["evaluate", *args])


def test_summary_and_default_exit_code(data):
    r = run(POLICY, "--tickets", str(data / "tickets.jsonl"), "--downtime",
            str(data / "downtime.csv"), "--period", "2026-08")
    assert r.exit_code == 0, r.output
    assert "period 2026-08 (Europe/Rome), as of 2026-09-01T00:00:00+02:00" in r.output
    assert "credit 5% = 125.00 EUR" in r.output  # Beta's negotiated fee
    assert "10% email uptime 99.888% < 99.9%" in r.output  # Alfa's 50 minutes
    assert "objectives missed: 1, credits due: 2" in r.output


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("objective", 1), ("credit", 1),
                                               ("any", 1)])
def test_fail_on(data, fail_on, code):
    r = run(POLICY, "--tickets", str(data / "tickets.jsonl"), "--period", "2026-08",
            "--fail-on", fail_on)
    assert r.exit_code == code, r.output


def test_fail_on_passes_when_all_is_well(data):
    # Gamma's August alone: every ticket met, no outage recorded: nothing missed, nothing due
    gamma = data / "gamma.jsonl"
    gamma.write_text(json.dumps(TICKETS[2]) + "\n")
    r = run(POLICY, "--tickets", str(gamma), "--period", "2026-08", "--fail-on", "any")
    assert r.exit_code == 0, r.output


def test_a_month_the_data_does_not_cover_is_not_all_well(data):
    # July has no ticket and no downtime: nothing was measured, which is not "all fine"
    r = run(POLICY, "--tickets", str(data / "tickets.jsonl"), "--period", "2026-07",
            "--fail-on", "any")
    assert r.exit_code == 2
    assert "none of the 3 ticket(s) read was created in 2026-07" in r.output


def test_all_outputs_are_written_and_valid(data):
    out = data / "out"
    r = run(POLICY, "--tickets", str(data / "tickets.jsonl"), "--downtime",
            str(data / "downtime.csv"), "--period", "2026-08", "--json", str(out / "e.json"),
            "--csv", str(out / "v.csv"), "--stamp", str(out / "v.stamp.json"),
            "--junit", str(out / "j.xml"))
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "e.json").read_text())
    validate(doc)
    assert doc["period"]["label"] == "2026-08" and doc["counts"]["tickets"] == 3
    assert len(doc["data_hash"]) == 64 and len(doc["policy_hash"]) == 64
    rows = list(csv.DictReader(io.StringIO((out / "v.csv").read_text())))
    assert len(rows) == 6 and rows[3]["status"] == "met" and rows[2]["status"] == "breached"
    assert rows[2]["clause"].endswith("reference.sla:64")
    stamp = json.loads((out / "v.stamp.json").read_text())
    assert (stamp["policy_hash"], stamp["data_hash"], stamp["rows"]) == (
        doc["policy_hash"], doc["data_hash"], 6)
    xmlschema.XMLSchema(XSD).validate(str(out / "j.xml"))
    assert not list(out.glob(".*.tmp"))  # no temporary file left behind
    # the files asked for and no other: no sidecar nobody named
    assert sorted(p.name for p in out.iterdir()) == ["e.json", "j.xml", "v.csv", "v.stamp.json"]


def test_format_json_prints_the_document(data):
    r = run(POLICY, "--tickets", str(data / "tickets.jsonl"), "--period", "2026-08",
            "--as-of", "2026-08-31T12:00:00+02:00", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate(doc)
    assert doc["as_of"] == "2026-08-31T12:00:00+02:00"


def test_default_period_is_the_months_of_the_tickets(data):
    r = run(POLICY, "--tickets", str(data / "tickets.jsonl"), "--format", "json")
    assert json.loads(r.output)["period"]["label"] == "2026-08"


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-13"], "invalid period '2026-13'"),
    (["--as-of", "2026-08-31T12:00:00"], "has no offset"),
    (["--as-of", "tomorrow"], "invalid instant 'tomorrow'"),
    (["--roster", "/nonexistent/roster.yaml"], "error:"),
    (["--fail-on", "sometimes"], "Invalid value for '--fail-on'"),
])
def test_usage_errors_exit_2_without_traceback(data, args, message):
    r = run(POLICY, "--tickets", str(data / "tickets.jsonl"), *args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_missing_tickets_file_is_an_input_error(data):
    r = run(POLICY, "--tickets", str(data / "nope.jsonl"))
    assert r.exit_code == 2 and "nope.jsonl" in r.output and "Traceback" not in r.output


def test_bad_policy_prints_diagnostics(tmp_path, data):
    bad = tmp_path / "bad.sla"
    bad.write_text("policy {")
    r = run(str(bad), "--tickets", str(data / "tickets.jsonl"))
    assert r.exit_code == 2 and "bad.sla" in r.output and "Traceback" not in r.output


def test_max_errors(tmp_path):
    tickets = tmp_path / "t.jsonl"
    tickets.write_text(json.dumps(TICKETS[0]) + "\n" + '{"id": "X", "created_at": "nonsense"}\n')
    r = run(POLICY, "--tickets", str(tickets), "--max-errors", "0")
    assert r.exit_code == 2 and "Traceback" not in r.output
    ok = run(POLICY, "--tickets", str(tickets), "--format", "json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["counts"]["rejected"] >= 1
