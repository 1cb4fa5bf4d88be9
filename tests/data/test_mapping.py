"""Mappings: the ServiceNow fold on the committed UCI sample, ticket-shaped exports, and
validation of mapping files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from shared_folder import needs, shared_path

from slalang.data import NAT, load_mapping, read_downtime, read_tickets
from slalang.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).with_name("fixtures")
SERVICENOW = ROOT / "mappings" / "servicenow-uci.yaml"
SAMPLE = FIXTURES / "uci-sample.csv.gz"
BRT = dt.timezone(dt.timedelta(hours=-3))  # America/Sao_Paulo in Feb-Mar 2016 (no DST)


def local(text: str) -> dt.datetime:
    """``29/2 04:40`` in 2016, Sao Paulo time, as an aware datetime."""
    return dt.datetime.strptime(f"{text} 2016", "%d/%m %H:%M %Y").replace(tzinfo=BRT)


@pytest.fixture(scope="module")
def sample():
    return read_tickets(SAMPLE, mapping=SERVICENOW)


def events(row: dict) -> list[tuple]:
    return [(e["at"], e.get("status"), e.get("priority")) for e in row["events"]]


def test_sample_totals(sample):
    assert sample.n == 42
    assert len(sample.event_at) == 202
    # updates stamped before the opening: as a first response, or as a status event (which
    # could pause a clock before it started)
    # the instants in the export's zone, as the file shows them, UTC beside (issue 8)
    assert [str(r) for r in sample.rejected] == [
        f"{SAMPLE}:411: status event at 2016-02-29T07:27:00-03:00 (2016-02-29T10:27:00Z) "
        "before creation at 2016-02-29T09:41:00-03:00 (2016-02-29T12:41:00Z) (field 'events')",
        f"{SAMPLE}:417: first response before creation (field 'first_response_at')",
        f"{SAMPLE}:421: status event at 2016-02-29T07:55:00-03:00 (2016-02-29T10:55:00Z) "
        "before creation at 2016-02-29T09:44:00-03:00 (2016-02-29T12:44:00Z) (field 'events')"]
    assert sample.customer.labels == ("UCI ServiceNow",)
    assert sorted(sample.priority.labels) == ["P3", "P4"]


def test_plain_incident(sample):
    # INC0000047: New 04:57, Active 05:30 (x4), Awaiting User Info 1/3 09:14, Resolved 09:52,
    # Closed 6/3 10:00; opened_at 29/2 04:40
    row = sample.row(sample.index_of("INC0000047"))
    assert row["created_at"] == local("29/2 04:40")
    assert row["first_response_at"] == local("29/2 05:30")
    assert row["resolved_at"] == local("1/3 09:52")
    assert row["closed_at"] == local("6/3 10:00")
    assert row["priority"] == "P3" and row["category"] == "Category 40"
    assert row["service"] == "service-desk" and row["tier"] is None
    assert events(row) == [
        (local("29/2 04:57"), "new", None),
        (local("29/2 05:30"), "in_progress", None),
        (local("1/3 09:14"), "waiting_on_customer", None),
        (local("1/3 09:52"), "resolved", None),
        (local("6/3 10:00"), "closed", None),
    ]
    assert row["impact"] == "2 - Medium" and row["sn_resolved_at"] == "1/3/2016 09:52"


def test_reopened_twice_resolves_at_the_last_resolution(sample):
    row = sample.row(sample.index_of("INC0000715"))
    assert row["reopen_count"] == "2"
    statuses = [s for _, s, _ in events(row)]
    assert statuses == ["new", "in_progress", "resolved", "in_progress", "resolved",
                        "in_progress", "resolved", "closed"]
    assert row["resolved_at"] == local("10/3 15:36")
    assert row["first_response_at"] == local("1/3 14:10")


def test_priority_change_is_an_event(sample):
    i = sample.index_of("INC0000062")
    row = sample.row(i)
    assert row["priority"] == "P3"  # the priority it was opened with
    assert (local("29/2 07:29"), None, "P2") in events(row)
    assert sample.current_priority().values()[i] == "P2"


def test_invalid_state_rows_are_ignored(sample):
    # INC0028089 has two "-100" rows between New and Resolved
    row = sample.row(sample.index_of("INC0028089"))
    assert [s for _, s, _ in events(row)] == ["new", "resolved", "closed"]


def test_first_row_already_resolved(sample):
    row = sample.row(sample.index_of("INC0000093"))
    assert row["first_response_at"] == row["resolved_at"] == row["created_at"]


def test_mapping_file_validation(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("mapping: 1\nshape: tickets\nfields: {id: number}\n")
    with pytest.raises(DataError, match=r"m.yaml: invalid mapping at shape: 'tickets' is not"):
        load_mapping(bad)
    bad.write_text("mapping: 1\nshape: event_log\nfields: {id: number}\n")
    with pytest.raises(DataError, match="'event_log' is a required property"):
        load_mapping(bad)
    bad.write_text("mapping: 1\nshape: ticket\nfields: {id: n}\n"
                   "timestamps: {timezone: Europe/Rom}\n")
    with pytest.raises(DataError, match="unknown time zone 'Europe/Rom'"):
        load_mapping(bad)
    bad.write_text("mapping: [1\n")
    with pytest.raises(DataError, match="invalid YAML"):
        load_mapping(bad)


TICKET_MAPPING = """\
mapping: 1
name: A helpdesk export
shape: ticket
csv: {delimiter: ";", null_values: ["", "n/a"]}
timestamps: {format: "%d.%m.%Y %H:%M", timezone: Europe/Rome}
fields:
  id: Key
  customer: {constant: Alfa Srl}
  priority: Prio
  created_at: Opened
  resolved_at: Solved
  service: {constant: email}
extra: {team: Team}
values:
  priority: {Urgent: P1, Normal: P3}
  status: {Waiting for customer: waiting_on_customer, Working: in_progress}
events: {ticket_id: Key, at: When, status: State}
"""


def test_ticket_shaped_mapping_with_naive_local_times(tmp_path):
    (tmp_path / "m.yaml").write_text(TICKET_MAPPING)
    (tmp_path / "t.csv").write_text(
        "Key;Prio;Opened;Solved;Team\n"
        "H-1;Urgent;29.03.2026 01:30;29.03.2026 03:30;n/a\n"  # across the spring DST change
        "H-2;Normal;01.07.2026 09:00;;Blue\n"
        "H-3;Normal;1 July;;Blue\n")
    (tmp_path / "e.csv").write_text(
        "Key;When;State\n"
        "H-1;29.03.2026 03:00;Waiting for customer\n"
        "H-1;29.03.2026 01:45;Working\n")
    t = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv", mapping=tmp_path / "m.yaml")
    assert t.id.tolist() == ["H-1", "H-2"]
    assert t.priority.values().tolist() == ["P1", "P3"]
    assert t.customer.values().tolist() == ["Alfa Srl", "Alfa Srl"]
    assert t.extra["team"].tolist() == [None, "Blue"]
    # 01:30 CET is 00:30 UTC; 03:30 CEST is 01:30 UTC: one hour of real time
    assert t.resolved_at[0] - t.created_at[0] == 3600
    assert t.resolved_at[1] == NAT
    assert t.event_status.values().tolist() == ["in_progress", "waiting_on_customer"]
    assert [(r.row, r.field) for r in t.rejected] == [(4, "created_at")]
    assert "bad timestamp '1 July' (expected format '%d.%m.%Y %H:%M')" in t.rejected[0].reason


def test_mapping_names_a_missing_column(tmp_path):
    (tmp_path / "m.yaml").write_text(TICKET_MAPPING)
    (tmp_path / "t.csv").write_text("Key;Opened\nH-1;01.07.2026 09:00\n")
    with pytest.raises(DataError, match=r"t.csv:1: the mapping's column 'Prio' for priority"):
        read_tickets(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")


def test_downtime_through_a_mapping(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "mapping: 1\nshape: ticket\nfields: {id: x}\n"
        "timestamps: {format: '%Y-%m-%d %H:%M', timezone: Europe/Rome}\n"
        "downtime: {customer: Client, service: {constant: email}, start: From, end: To,"
        " kind: Type}\n"
        "values: {kind: {Outage: unplanned, Maintenance: planned}}\n")
    (tmp_path / "d.csv").write_text("Client,From,To,Type\n"
                                    "Alfa Srl,2026-08-04 10:00,2026-08-04 10:50,Outage\n")
    d = read_downtime(tmp_path / "d.csv", mapping=tmp_path / "m.yaml")
    assert [(r.customer, r.service, r.kind, r.seconds) for r in d] == [
        ("Alfa Srl", "email", "unplanned", 3000)]
    assert d.records[0].as_dict()["start"] == dt.datetime(2026, 8, 4, 8, 0, tzinfo=dt.UTC)


UCI_PARTS = ("data", "uci-incident-event-log", "incident_event_log.csv.gz")
UCI = shared_path(*UCI_PARTS)


@pytest.mark.skipif(UCI is None, reason=needs(*UCI_PARTS))
def test_full_uci_log():
    t = read_tickets(UCI, mapping=SERVICENOW)
    # 24,918 incidents: 5 refused (updates stamped before the opening: 2 as the first
    # response, 3 as a status event)
    assert t.n + len(t.rejected) == 24_918
    assert len(t.rejected) == 5
    assert sorted(r.field for r in t.rejected) == ["events"] * 3 + ["first_response_at"] * 2
    assert (t.resolved_at != NAT).sum() == t.n  # every incident ends Closed
    assert len(t.event_at) == 89_343


VOLVO_PARTS = ("data", "bpic2013-volvo-incidents", "VINST-new.csv.gz")
VOLVO = shared_path(*VOLVO_PARTS)


def test_shipped_mappings_are_valid():
    for path in (ROOT / "mappings").glob("*.yaml"):
        assert load_mapping(path).shape in ("event_log", "ticket")


@pytest.mark.skipif(VOLVO is None, reason=needs(*VOLVO_PARTS))
def test_full_volvo_log():
    t = read_tickets(VOLVO, mapping=ROOT / "mappings" / "bpic2013-volvo.yaml")
    assert (t.n, len(t.rejected)) == (7_554, 0)
    assert (t.resolved_at == NAT).sum() == 8  # the 8 incidents still open at the end
    first = t.row(t.index_of("1-364285768"))
    assert first["created_at"] == dt.datetime(2010, 3, 31, 15, 59, 42,
                                              tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert first["resolved_at"] == dt.datetime(2012, 5, 3, 9, 10, 12, tzinfo=dt.UTC)
    waits = set(t.event_status.labels)
    assert {"waiting_on_customer", "waiting_on_vendor", "new", "closed"} <= waits
