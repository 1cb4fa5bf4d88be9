"""The shipped mappings of ticket tools' exports (mappings/), each read and evaluated on
fixtures written from the tool's public API documentation (tests/data/fixtures/tools/*/README.md
names the pages), with every figure checked by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import NAT, read_tickets
from slalang.evaluation.output.json import validate

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tests" / "data" / "fixtures" / "tools"
POLICY = str(TOOLS / "helpdesk.sla")


def mapping(name: str) -> str:
    return str(ROOT / "mappings" / name)


def iso(values) -> list[str | None]:
    return [None if v == NAT else dt.datetime.fromtimestamp(int(v), dt.UTC).strftime(
        "%m-%dT%H:%M") for v in values]


def evaluate(tickets: str, *args: str) -> dict:
    r = CliRunner().invoke(main, ["evaluate", POLICY, "--tickets", tickets, "--format", "json",
                                  "--period", "2026-07", *args])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate(doc)
    return doc


def tally(doc: dict) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(customer, metric, priority) -> (met, breached) over the period."""
    out = {}
    for c in doc["customers"]:
        for o in c["objectives"]:
            if o["met"] or o["breached"]:
                out[(c["customer"], o["metric"], o["priority"])] = (o["met"], o["breached"])
    return out


# -- Zendesk: tickets + audits ------------------------------------------------------------

ZENDESK = TOOLS / "zendesk"


def test_zendesk_tickets_and_audits():
    t = read_tickets(str(ZENDESK / "tickets-page*.json"), ZENDESK / "audits.json",
                     mapping=mapping("zendesk-audits.yaml"))
    assert t.id.tolist() == ["101", "102", "103", "104"]
    assert t.customer.values().tolist() == ["Alfa Srl", "Beta SpA", "Alfa Srl", "Beta SpA"]
    assert t.priority.values().tolist() == ["P1", "P2", "P3", "P4"]
    assert iso(t.created_at) == ["07-01T08:00", "07-02T09:00", "07-03T10:00", "07-10T07:00"]
    assert iso(t.first_response_at) == ["07-01T08:30", "07-02T09:45", "07-04T12:00",
                                        "07-10T08:00"]
    # 102 is solved at 20:00 (closing it later resolves nothing); 103 was reopened
    assert iso(t.resolved_at) == ["07-01T10:00", "07-02T20:00", None, "07-11T08:00"]
    assert t.event_offsets.tolist() == [0, 3, 9, 13, 16]
    assert t.event_status.values()[3:9].tolist() == [
        "new", "in_progress", "waiting_on_customer", "in_progress", "resolved", "closed"]
    assert t.source_row.tolist() == [1, 2, 1, 2]  # each ticket's record in its page
    (r,) = t.rejected
    assert (r.file, r.row, r.field, r.reason) == (
        str(ZENDESK / "tickets-page2.json"), 3, "customer", "missing customer")


def test_zendesk_tickets_and_audits_evaluated():
    doc = evaluate(str(ZENDESK / "tickets-page*.json"), "--events",
                   str(ZENDESK / "audits.json"), "--mapping", mapping("zendesk-audits.yaml"))
    assert doc["counts"]["tickets"] == 4 and doc["counts"]["rejected"] == 1
    assert tally(doc) == {
        ("Alfa Srl", "response", "P1"): (1, 0),      # 30 min < 1 h
        ("Alfa Srl", "resolution", "P1"): (1, 0),    # 2 h < 4 h
        ("Alfa Srl", "response", "P3"): (0, 1),      # 26 h > 4 h
        ("Alfa Srl", "resolution", "P3"): (0, 1),    # reopened, open past 24 h
        ("Beta SpA", "response", "P2"): (1, 0),      # 45 min
        ("Beta SpA", "resolution", "P2"): (1, 0),    # 11 h less 4 h pending = 7 h < 8 h
        ("Beta SpA", "response", "P4"): (1, 0),      # 1 h
        ("Beta SpA", "resolution", "P4"): (1, 0),    # 25 h (on hold counts) < 48 h
    }


def test_zendesk_tickets_and_metric_events():
    t = read_tickets(str(ZENDESK / "tickets-page*.json"), ZENDESK / "ticket_metric_events.json",
                     mapping=mapping("zendesk-metric-events.yaml"))
    assert t.id.tolist() == ["101", "102", "103", "104"]
    # the first reply is the reply_time metric's fulfilment
    assert iso(t.first_response_at) == ["07-01T08:30", "07-02T11:00", "07-04T14:00",
                                        "07-10T08:00"]
    # 103's requester wait time was activated again after its fulfilment: reopened
    assert iso(t.resolved_at) == ["07-01T10:00", "07-02T20:00", None, "07-11T08:00"]
    assert t.event_status.values()[t.event_offsets[1]:t.event_offsets[2]].tolist() == [
        "in_progress", "waiting_on_customer", "in_progress", "resolved"]
    doc = evaluate(str(ZENDESK / "tickets-page*.json"), "--events",
                   str(ZENDESK / "ticket_metric_events.json"), "--mapping",
                   mapping("zendesk-metric-events.yaml"))
    assert tally(doc)[("Beta SpA", "response", "P2")] == (1, 0)  # the first reply at 2 h: met
    assert tally(doc)[("Beta SpA", "resolution", "P2")] == (1, 0)
    assert tally(doc)[("Alfa Srl", "resolution", "P3")] == (0, 1)


# -- Jira Service Management --------------------------------------------------------------

JIRA = TOOLS / "jira"


def test_jira_service_management_issues_with_changelog():
    t = read_tickets(JIRA / "search.json", mapping=mapping("jira-service-management.yaml"))
    assert t.id.tolist() == ["SD-1", "SD-2", "SD-3"]
    assert t.customer.values().tolist() == ["Alfa Srl", "Beta SpA", "Alfa Srl"]
    # SD-3 was opened High and raised to Highest: the opening priority, then an event
    assert t.priority.values().tolist() == ["P1", "P3", "P2"]
    assert t.current_priority().values().tolist() == ["P1", "P3", "P1"]
    assert iso(t.created_at) == ["07-06T07:00", "07-07T12:00", "07-08T06:00"]
    assert iso(t.first_response_at) == ["07-06T07:20", "07-07T13:00", None]
    assert iso(t.resolved_at) == ["07-06T08:00", "07-08T10:00", None]
    assert t.event_status.values()[2:6].tolist() == [
        "waiting_on_customer", "in_progress", "resolved", "closed"]
    (r,) = t.rejected
    assert (r.file, r.row, r.field) == (str(JIRA / "search.json"), 4, "customer")
    doc = evaluate(str(JIRA / "search.json"), "--mapping",
                   mapping("jira-service-management.yaml"))
    assert tally(doc) == {
        ("Alfa Srl", "response", "P1"): (1, 1),      # SD-1 in 20 min; SD-3 never
        ("Alfa Srl", "resolution", "P1"): (1, 1),
        ("Beta SpA", "response", "P3"): (1, 0),
        ("Beta SpA", "resolution", "P3"): (1, 0),    # 22 h less 18 h waiting
    }


# -- Freshdesk ----------------------------------------------------------------------------

FRESHDESK = TOOLS / "freshdesk"


def test_freshdesk_tickets_companies_and_activities():
    t = read_tickets(FRESHDESK / "tickets.json", FRESHDESK / "activities.json",
                     mapping=mapping("freshdesk.yaml"))
    assert t.id.tolist() == ["1", "2", "3"]
    assert t.customer.values().tolist() == ["Alfa Srl", "Beta SpA", "Alfa Srl"]
    assert t.priority.values().tolist() == ["P1", "P3", "P4"]
    assert iso(t.first_response_at) == ["07-13T08:40", "07-14T10:00", None]
    assert iso(t.resolved_at) == ["07-13T11:00", "07-15T18:00", None]
    # only the activities that change the status: notes and tags are not events
    assert t.event_status.values()[t.event_offsets[1]:t.event_offsets[2]].tolist() == [
        "in_progress", "waiting_on_customer", "in_progress", "waiting_on_vendor", "resolved"]
    (r,) = t.rejected
    assert (r.file, r.row, r.field, r.reason) == (
        str(FRESHDESK / "activities.json"), 12, "ticket_id", "event for unknown ticket '4'")
    doc = evaluate(str(FRESHDESK / "tickets.json"), "--events",
                   str(FRESHDESK / "activities.json"), "--mapping", mapping("freshdesk.yaml"))
    assert doc["counts"]["rejected"] == 1
    assert tally(doc) == {
        ("Alfa Srl", "response", "P1"): (1, 0),
        ("Alfa Srl", "resolution", "P1"): (1, 0),
        ("Alfa Srl", "response", "P4"): (0, 1),
        ("Alfa Srl", "resolution", "P4"): (0, 1),
        ("Beta SpA", "response", "P3"): (1, 0),
        ("Beta SpA", "resolution", "P3"): (1, 0),    # 33 h less 24 h pending: 9 h
    }


# -- a PSA report: Autotask, Excel ----------------------------------------------------------

AUTOTASK = TOOLS / "autotask"


def test_autotask_ticket_report_in_excel():
    pytest.importorskip("openpyxl", reason="the xlsx extra is not installed")
    t = read_tickets(AUTOTASK / "tickets.xlsx", mapping=mapping("autotask-tickets-xlsx.yaml"))
    assert t.id.tolist() == ["T20260720.0001", "T20260720.0002", "T20260721.0001"]
    assert t.customer.values().tolist() == ["Alfa Srl", "Beta SpA", "Beta SpA"]
    assert t.priority.values().tolist() == ["P1", "P3", "P4"]
    assert t.service.values().tolist() == ["Level II Support", "Level I Support",
                                           "Level I Support"]
    # Excel date cells in New York time (EDT, UTC-4)
    assert iso(t.created_at) == ["07-20T13:00", "07-20T14:00", "07-21T15:00"]
    assert iso(t.first_response_at) == ["07-20T13:30", "07-20T19:00", "07-21T16:00"]
    assert iso(t.resolved_at) == ["07-20T16:00", "07-21T12:00", None]
    assert t.extra["hours_worked"].tolist() == ["2.5", "1", "0.5"]
    (r,) = t.rejected  # the blank row 6 is no row at all
    assert (r.file, r.row, r.field) == (str(AUTOTASK / "tickets.xlsx"), 5, "customer")
    doc = evaluate(str(AUTOTASK / "tickets.xlsx"), "--mapping",
                   mapping("autotask-tickets-xlsx.yaml"))
    assert tally(doc) == {
        ("Alfa Srl", "response", "P1"): (1, 0),
        ("Alfa Srl", "resolution", "P1"): (1, 0),
        ("Beta SpA", "response", "P3"): (0, 1),      # 5 h > 4 h
        ("Beta SpA", "resolution", "P3"): (1, 0),    # 22 h < 24 h
        ("Beta SpA", "response", "P4"): (1, 0),
        ("Beta SpA", "resolution", "P4"): (0, 1),    # still open after 48 h
    }


def test_mapping_check_reads_a_json_events_file_as_events():
    # the check re-reads the events file for unmapped statuses: as events, with the
    # mapping's events_source (records: activities_data), not as a tickets file
    r = CliRunner().invoke(main, ["mapping", "check", mapping("freshdesk.yaml"),
                                  str(FRESHDESK / "tickets.json"), "--events",
                                  str(FRESHDESK / "activities.json")])
    assert "no 'activities_data'" not in r.output and "in the document" not in r.output
    assert "event for unknown ticket '4'" in r.output
    assert "  1  customer 'Alfa Srl', priority 'P1' (row 1)" in r.output


def test_mapping_check_takes_page_files():
    r = CliRunner().invoke(main, ["mapping", "check", mapping("zendesk-audits.yaml"),
                                  str(ZENDESK / "tickets-page*.json"), "--events",
                                  str(ZENDESK / "audits.json")])
    assert "first 4 of 4 tickets as parsed" in r.output, r.output
    missing = CliRunner().invoke(main, ["mapping", "check", mapping("zendesk-audits.yaml"),
                                        str(ZENDESK / "none-*.json")])
    assert missing.exit_code == 2 and "no file matches the pattern" in missing.output


def test_counts_add_up_over_page_files_and_nested_events():
    from slalang.data.counts import InputCounts

    for table in (
        read_tickets(str(ZENDESK / "tickets-page*.json"), ZENDESK / "audits.json",
                     mapping=mapping("zendesk-audits.yaml")),
        read_tickets(JIRA / "search.json", mapping=mapping("jira-service-management.yaml")),
    ):
        c = InputCounts.of(table)
        assert c.read == c.tickets + c.ignored_rows + c.rejected
        assert c.rejected == 1
