"""`slalang mapping init` writes a starting mapping from an export; `slalang mapping check`
previews the tickets as parsed and lists every unmapped value (issue 8)."""

from __future__ import annotations

import gzip
from pathlib import Path

import yaml
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import load_mapping

ROOT = Path(__file__).resolve().parents[2]
UCI = ROOT / "tests" / "data" / "fixtures" / "uci-sample.csv.gz"

HELPDESK = """\
Ticket ID;Company;Opened;Prio;State;Resolved Time
HD-1;Alfa Srl;01.07.2026 09:00;High;Open;
HD-2;Beta SpA;01.07.2026 10:00;Low;Solved;02.07.2026 11:00
HD-3;Alfa Srl;02.07.2026 08:30;Urgent;Waiting for customer;
HD-4;Gamma;03.07.2026 14:00;Low;Solved;03.07.2026 16:00
"""


def run(*args: str):
    return CliRunner().invoke(main, ["mapping", *args])


def test_init_detects_separator_format_columns_and_values(tmp_path):
    export = tmp_path / "helpdesk.csv"
    export.write_bytes(HELPDESK.encode("latin-1"))
    r = run("init", str(export))
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(r.output)
    assert doc["shape"] == "ticket"
    assert doc["csv"] == {"delimiter": ";"}
    assert doc["timestamps"]["format"] == "%d.%m.%Y %H:%M"
    assert doc["fields"]["id"] == "Ticket ID"
    assert doc["fields"]["customer"] == "Company"
    assert doc["fields"]["created_at"] == "Opened"
    assert doc["fields"]["priority"] == "Prio"
    assert doc["fields"]["resolved_at"] == "Resolved Time"
    assert doc["values"]["status"] == {"Solved": "resolved", "Open": "new",
                                       "Waiting for customer": "waiting_on_customer"}
    assert doc["values"]["priority"] == {"Low": "P4", "High": "P2", "Urgent": "P1"}
    assert "Solved: resolved   # 2 rows" in r.output  # every value with its count
    # what it wrote is a valid mapping that reads the export
    (tmp_path / "m.yaml").write_text(r.output)
    load_mapping(tmp_path / "m.yaml")
    r = run("check", str(tmp_path / "m.yaml"), str(export))
    assert r.output.splitlines()[0] == (
        "input: 4 ticket rows read = 4 evaluated + 0 ignored + 0 rejected")
    assert r.exit_code == 0, r.output
    assert "HD-1  customer 'Alfa Srl', priority 'P2' (row 2)" in r.output
    assert "mapping ok" in r.output


def test_init_finds_an_event_log_and_never_replaces_a_file(tmp_path):
    export = tmp_path / "log.csv"
    export.write_bytes(gzip.decompress(UCI.read_bytes()))
    out = tmp_path / "m.yaml"
    r = run("init", str(export), "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(out.read_text())
    assert doc["shape"] == "event_log"
    assert doc["event_log"]["at"] == "sys_updated_at"
    assert doc["event_log"]["status"] == "incident_state"
    assert doc["fields"]["id"] == "number"
    assert doc["values"]["status"]["Awaiting User Info"] == "waiting_on_customer"
    assert doc["values"]["status"]["Awaiting Vendor"] == "waiting_on_vendor"
    assert doc["values"]["priority"]["1 - Critical"] == "P1"
    before = out.read_text()
    r = run("init", str(export), "-o", str(out))
    assert r.exit_code == 2 and "not replaced" in r.output
    assert out.read_text() == before


def test_check_lists_unmapped_values_with_counts(tmp_path):
    export = tmp_path / "helpdesk.csv"
    export.write_text(HELPDESK)
    (tmp_path / "m.yaml").write_text(
        "mapping: 1\nshape: ticket\ncsv: {delimiter: ';'}\n"
        "timestamps: {format: '%d.%m.%Y %H:%M', timezone: Europe/Rome}\n"
        "fields: {id: Ticket ID, customer: Company, created_at: Opened, priority: Prio}\n"
        "values: {priority: {High: P2}}\n")
    r = run("check", str(tmp_path / "m.yaml"), str(export), "--rows", "1")
    assert r.exit_code == 1, r.output
    assert "  priority: 'Low'  2 rows" in r.output
    assert "  priority: 'Urgent'  1 rows" in r.output
    # instants in the export's zone, as the file shows them
    assert "created 2026-07-01T09:00:00+02:00" in r.output
    assert "HD-2" not in r.output  # one ticket previewed
    assert "mapping needs work" in r.output


def test_the_bring_your_own_export_walkthrough_runs_as_documented(monkeypatch):
    monkeypatch.chdir(ROOT)
    byo = "examples/byo/"
    r = run("check", byo + "helpdesk.yaml", byo + "helpdesk-tickets.csv", "--events",
            byo + "helpdesk-events.csv")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        "input: 9 ticket rows read = 7 evaluated + 2 ignored + 0 rejected")
    r = CliRunner().invoke(main, [
        "evaluate", "policies/reference.sla", "--tickets", byo + "helpdesk-tickets.csv",
        "--events", byo + "helpdesk-events.csv", "--mapping", byo + "helpdesk.yaml",
        "--period", "2026-07"])
    assert r.exit_code == 0, r.output
    page = (ROOT / "docs" / "data" / "byo-export.md").read_text(encoding="utf-8")
    for line in r.output.splitlines()[:6]:  # the page quotes the first lines as they are
        assert line in page or line.split(";")[0] in page, line


CANONICAL_LOG = """id,cust,prio,at,state
T1,Alfa Srl,P1,2026-10-20 09:10:00,new
T1,Alfa Srl,P1,2026-10-20 09:40:00,in_progress
T1,Alfa Srl,P1,2026-10-20 09:50:00,awaiting_parts
T1,Alfa Srl,P1,2026-10-20 10:20:00,resolved
"""
CANONICAL_MAPPING = """mapping: 1
shape: event_log
timestamps: {format: "%Y-%m-%d %H:%M:%S", timezone: Europe/Rome}
fields: {id: id, customer: cust, priority: prio}
event_log:
  at: at
  status: state
  first_response: {statuses: [in_progress, resolved]}
"""


def test_check_takes_canonical_values_as_they_are(tmp_path):
    """An export already in canonical words (statuses new..closed, priorities P1..) needs no
    value map: `mapping check` listed every one of them as unmapped and exited 1. A status
    only a policy names (a pause of its own) is known with --policy, and so are the
    policy's own priority codes."""
    (tmp_path / "m.yaml").write_text(CANONICAL_MAPPING, encoding="utf-8")
    log = tmp_path / "log.csv"
    log.write_text(CANONICAL_LOG.replace(",awaiting_parts", ",waiting_on_vendor"),
                   encoding="utf-8")
    r = run("check", str(tmp_path / "m.yaml"), str(log))
    assert r.exit_code == 0, r.output
    assert "values no value map translates" not in r.output
    # a word no canonical list holds is still listed
    log.write_text(CANONICAL_LOG, encoding="utf-8")
    r = run("check", str(tmp_path / "m.yaml"), str(log))
    assert r.exit_code == 1, r.output
    assert "  status: 'awaiting_parts'  1 rows" in r.output
    assert "priority:" not in r.output.split("values no value map translates")[1]
    # ... unless the policy the export is meant for names it; its priorities are its own
    policy = (ROOT / "policies" / "reference.sla").read_text(encoding="utf-8")
    assert "waiting_on_vendor, resolved" in policy
    policy = policy.replace("waiting_on_vendor, resolved", "waiting_on_vendor, awaiting_parts, "
                            "resolved").replace("P1", "Urgent")
    (tmp_path / "p.sla").write_text(policy, encoding="utf-8")
    (tmp_path / "customers.yaml").write_text(
        (ROOT / "policies" / "customers.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    r = run("check", str(tmp_path / "m.yaml"), str(log), "--policy", str(tmp_path / "p.sla"))
    assert r.exit_code == 1, r.output  # P1 is no code of this policy
    assert r.output.split("values no value map translates")[1].splitlines()[1:2] == [
        "  priority: 'P1'  4 rows"]
    log.write_text(CANONICAL_LOG.replace(",P1,", ",Urgent,"), encoding="utf-8")
    r = run("check", str(tmp_path / "m.yaml"), str(log), "--policy", str(tmp_path / "p.sla"))
    assert r.exit_code == 0, r.output
    assert "mapping ok" in r.output
    r = run("check", str(tmp_path / "m.yaml"), str(log), "--policy", str(tmp_path / "no.sla"))
    assert r.exit_code == 2
    assert "cannot read the file" in r.output


def test_init_finds_the_placeholder_of_an_empty_field(tmp_path):
    """ServiceNow writes "?" for an empty field: `mapping init` took a column of times with
    "?" in it for no times at all (no resolution column found, no null_values written), and
    the draft read every "?" as a bad timestamp."""
    r = run("init", str(UCI))
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(r.output)
    assert doc["csv"]["null_values"] == ["?", ""]
    assert "CHECK: the export writes '?' for an empty field" in r.output
    assert "sys_created_at" in r.output  # a column of times with "?" in it is seen as times
    export = tmp_path / "t.csv"
    export.write_text("Number,Customer,Opened,Resolved,Priority\n"
                      "N1,Alfa Srl,01/07/2026 09:00,01/07/2026 10:00,1 - Critical\n"
                      "N2,Alfa Srl,02/07/2026 09:00,N/A,N/A\n"
                      "N3,Alfa Srl,03/07/2026 09:00,N/A,2 - High\n", encoding="utf-8")
    r = run("init", str(export))
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(r.output)
    assert doc["csv"]["null_values"] == ["N/A", ""]
    assert doc["fields"]["resolved_at"] == "Resolved"
    assert "N/A" not in doc["values"]["priority"]  # not a value to translate
    (tmp_path / "m.yaml").write_text(r.output.replace("constant: TODO", "constant: Alfa Srl"),
                                     encoding="utf-8")
    r = run("check", str(tmp_path / "m.yaml"), str(export))
    assert r.output.splitlines()[0] == (
        "input: 3 ticket rows read = 3 evaluated + 0 ignored + 0 rejected"), r.output
    # a placeholder among words is a word: no time column, no null_values
    words = tmp_path / "w.csv"
    words.write_text("Number,Customer,Opened,Note\nN1,Alfa,01/07/2026 09:00,-\n"
                     "N2,Alfa,02/07/2026 09:00,ok\n", encoding="utf-8")
    assert "null_values" not in run("init", str(words)).output
