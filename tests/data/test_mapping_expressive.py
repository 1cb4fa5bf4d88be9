"""Mapping expressiveness (issue 8): per-file settings, ignore rules counted as ignored,
fallback columns, first response from the status history, value-map defaults, invisible
characters in ids, and the vectorised event-log fold against a plain Python fold."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import NAT, read_tickets
from slalang.data.fold import fold_updates
from slalang.errors import DataError

TWO_FILE = """\
mapping: 1
shape: ticket
timestamps: {format: "%Y-%m-%d %H:%M", timezone: Europe/Rome}
fields:
  id: Id
  customer: {constant: Alfa Srl}
  priority: Prio
  created_at: Opened
  resolved_at: [Resolved Time, Close Time]
events:
  ticket_id: Ticket
  at: When
  status: State
  csv: {delimiter: ";"}
  timestamps: {format: "%d/%m/%Y %H.%M"}
values:
  status: {Open: new, Working: in_progress, Waiting: waiting_on_customer, Done: resolved,
           Note: null}
  priority: {High: P1, Low: P3, "*": P4}
first_response: {not_statuses: [new]}
"""

TICKETS = (
    "Id,Prio,Opened,Resolved Time,Close Time\n"
    "A-1,High,2026-07-01 09:00,2026-07-01 12:00,2026-07-02 09:00\n"
    "A-2,Low,2026-07-01 10:00,,2026-07-03 10:00\n"
    "A-3,Whatever,2026-07-01 11:00,,\n"
)
EVENTS = (
    "Ticket;When;State\n"
    "A-1;01/07/2026 09.00;Open\n"
    "A-1;01/07/2026 09.30;Note\n"
    "A-1;01/07/2026 09.45;Working\n"
    "A-2;01/07/2026 10.00;Note\n"
    "A-2;01/07/2026 10.20;Waiting\n"
)


def _utc(text: str) -> int:
    """A Rome wall time in July 2026 (UTC+2) as epoch seconds."""
    local = dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(
        tzinfo=dt.timezone(dt.timedelta(hours=2)))
    return int(local.timestamp())


@pytest.fixture
def two_file(tmp_path):
    (tmp_path / "m.yaml").write_text(TWO_FILE)
    (tmp_path / "t.csv").write_text(TICKETS)
    (tmp_path / "e.csv").write_text(EVENTS)
    return read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv",
                        mapping=tmp_path / "m.yaml")


def test_events_file_has_its_own_delimiter_and_format(two_file):
    t = two_file
    assert t.rejected == []
    assert t.event_status.values().tolist() == ["new", "in_progress", "waiting_on_customer"]
    assert t.event_at[0] == _utc("2026-07-01 09:00")


def test_status_mapped_to_null_in_the_events_file_is_ignored_not_rejected(two_file):
    # issue 8: 76,288 rows rejected on a clean export because a status mapped to null
    t = two_file
    assert t.rejected == []
    assert [(i.file.endswith("e.csv"), i.reason, i.rows, i.first_row) for i in t.ignored] == [
        (True, "status 'Note' mapped to null", 2, 3)]


def test_fallback_columns(two_file):
    t = two_file
    assert t.resolved_at.tolist() == [_utc("2026-07-01 12:00"), _utc("2026-07-03 10:00"), NAT]


def test_value_map_default_entry(two_file):
    assert two_file.priority.values().tolist() == ["P1", "P3", "P4"]


def test_first_response_from_the_first_matching_event(two_file):
    t = two_file
    assert t.first_response_at.tolist() == [_utc("2026-07-01 09:45"), _utc("2026-07-01 10:20"),
                                            NAT]


def test_first_response_statuses_listed(tmp_path):
    (tmp_path / "m.yaml").write_text(TWO_FILE.replace("first_response: {not_statuses: [new]}",
                                                      "first_response: {statuses: [resolved,"
                                                      " waiting_on_customer]}"))
    (tmp_path / "t.csv").write_text(TICKETS)
    (tmp_path / "e.csv").write_text(EVENTS)
    t = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv", mapping=tmp_path / "m.yaml")
    assert t.first_response_at.tolist() == [NAT, _utc("2026-07-01 10:20"), NAT]


IGNORING = """\
mapping: 1
shape: ticket
fields: {id: Id, customer: Client, created_at: Opened}
ignore:
  - {column: Type, in: [Change, Problem]}
  - {column: Client, matches: "^TEST"}
"""


def test_ignore_rules_count_as_ignored_and_the_counts_add_up(tmp_path):
    (tmp_path / "m.yaml").write_text(IGNORING)
    (tmp_path / "t.csv").write_text(
        "Id,Type,Client,Opened\n"
        "1,Incident,Alfa,2026-07-01T09:00:00Z\n"
        "2,Change,Alfa,2026-07-01T09:00:00Z\n"
        "3,Incident,TEST-Beta,2026-07-01T09:00:00Z\n"
        "4,Problem,Alfa,not a time\n"
        "5,Incident,Alfa,not a time\n")
    t = read_tickets(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
    assert t.id.tolist() == ["1"]
    assert [(i.reason, i.rows, i.first_row) for i in t.ignored] == [
        ("ignore rule Type in ['Change', 'Problem']", 2, 3),
        ("ignore rule Client matches '^TEST'", 1, 4)]
    assert [r.row for r in t.rejected] == [6]  # the ignored bad time is not an error
    assert t.rows_read == t.n + sum(i.rows for i in t.ignored) + len(t.rejected) == 5


EVENT_LOG = """\
mapping: 1
shape: event_log
fields: {id: number, customer: {constant: Alfa}}
event_log:
  at: updated
  status: state
  first_response: {statuses: [in_progress]}
values:
  status: {New: new, Active: in_progress, Resolved: resolved, "-100": null}
ignore:
  - {column: kind, equals: test}
"""


def test_event_log_ignores_counted(tmp_path):
    (tmp_path / "m.yaml").write_text(EVENT_LOG)
    (tmp_path / "t.csv").write_text(
        "number,state,updated,kind\n"
        "INC1,New,2026-07-01T09:00:00Z,\n"
        "INC1,-100,2026-07-01T09:10:00Z,\n"
        "INC1,Active,2026-07-01T09:20:00Z,test\n"
        "INC1,Active,2026-07-01T09:30:00Z,\n"
        "INC1,Resolved,2026-07-01T10:00:00Z,\n")
    t = read_tickets(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
    assert t.n == 1 and t.rows_read == 5
    assert sorted((i.reason, i.rows) for i in t.ignored) == [
        ("ignore rule kind = 'test'", 1), ("status '-100' mapped to null", 1)]
    assert t.row(0)["first_response_at"] == dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)


def test_bom_mid_file_never_makes_a_phantom_ticket(tmp_path):
    # issue 8: two exports joined with `cat`; the second's byte-order mark and header land in
    # the middle of the file
    (tmp_path / "m.yaml").write_text(EVENT_LOG)
    first = ("number,state,updated,kind\n"
             "INC1,New,2026-07-01T09:00:00Z,\n")
    second = ("\ufeffnumber,state,updated,kind\n"
              "\ufeffINC1,Active,2026-07-01T09:30:00Z,\n"
              "INC\u200b1,Resolved,2026-07-01T10:00:00Z,\n"
              "INC2\u00a0,New,2026-07-01T11:00:00Z,\n")
    (tmp_path / "t.csv").write_bytes(("\ufeff" + first + second).encode())
    t = read_tickets(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
    assert t.id.tolist() == ["INC1", "INC2"]
    assert t.rejected == []
    assert [(i.reason, i.rows, i.first_row) for i in t.ignored] == [
        ("a repeated header row (exports concatenated)", 1, 3)]
    assert [e["status"] for e in t.row(0)["events"]] == ["new", "in_progress", "resolved"]
    assert t.invisible_ids == 3


def test_invisible_characters_in_canonical_ids_and_event_keys(tmp_path):
    (tmp_path / "t.csv").write_text(
        "id,customer,created_at\n"
        "T1,Alfa,2026-07-01T09:00:00Z\n"
        "\ufeffT1,Alfa,2026-07-01T09:00:00Z\n"
        "T2\u00a0,Alfa,2026-07-01T09:00:00Z\n")
    (tmp_path / "e.csv").write_text("ticket_id,at,status\n\u200bT2,2026-07-01T10:00:00Z,new\n")
    t = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv")
    assert t.id.tolist() == ["T1", "T2"]
    assert [r.reason for r in t.rejected] == ["duplicate ticket id 'T1' (first seen on row 2)"]
    assert len(t.event_at) == 1 and t.invisible_ids == 3


def test_header_read_as_one_column_names_the_delimiter(tmp_path):
    # issue 8: the message showed the whole header as one column and never said "delimiter"
    (tmp_path / "m.yaml").write_text(IGNORING)
    (tmp_path / "t.csv").write_text("Id;Type;Client;Opened\n1;Incident;Alfa;x\n")
    with pytest.raises(DataError, match=r"t.csv:1: the header reads as one column "
                       r"\('Id;Type;Client;Opened'\): the file looks delimited by ';', not ','; "
                       r"set csv: \{delimiter: ';'\} in the mapping"):
        read_tickets(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
    # the events file names its own settings
    (tmp_path / "m2.yaml").write_text(TWO_FILE)
    (tmp_path / "t2.csv").write_text(TICKETS)
    (tmp_path / "e2.csv").write_text(EVENTS.replace(";", ","))
    with pytest.raises(DataError, match=r"set events.csv: \{delimiter: ','\}"):
        read_tickets(tmp_path / "t2.csv", events=tmp_path / "e2.csv",
                     mapping=tmp_path / "m2.yaml")


def test_bad_timestamp_hint_names_timestamps_format(tmp_path):
    (tmp_path / "m.yaml").write_text(TWO_FILE)
    (tmp_path / "t.csv").write_text("Id,Prio,Opened,Resolved Time,Close Time\n"
                                    "A-1,High,01/07/2026 09:00,,\n"
                                    "A-2,High,2026-07-01 09:00,,\n")
    t = read_tickets(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")
    assert "fix timestamps.format ('%Y-%m-%d %H:%M') in the mapping" in t.rejected[0].reason
    (tmp_path / "m2.yaml").write_text(IGNORING)
    (tmp_path / "t2.csv").write_text("Id,Type,Client,Opened\n1,Incident,Alfa,01/07/2026\n"
                                     "2,Incident,Alfa,2026-07-01T09:00:00Z\n")
    t = read_tickets(tmp_path / "t2.csv", mapping=tmp_path / "m2.yaml")
    assert "give their strptime format as timestamps.format" in t.rejected[0].reason


def test_ignore_rule_on_a_missing_column(tmp_path):
    (tmp_path / "m.yaml").write_text(IGNORING)
    (tmp_path / "t.csv").write_text("Id,Client,Opened\n1,Alfa,2026-07-01T09:00:00Z\n")
    with pytest.raises(DataError, match="column 'Type' for an ignore rule is not in the file"):
        read_tickets(tmp_path / "t.csv", mapping=tmp_path / "m.yaml")


# -- the vectorised fold against the fold written as a plain loop --------------------------

def _reference_fold(ticket, at, status, prio, usable, response, done, closed):
    order = sorted((r for r in range(len(ticket)) if usable[r]),
                   key=lambda r: (min(q for q in range(len(ticket))
                                      if usable[q] and ticket[q] == ticket[r]), at[r], r))
    tickets: list[dict] = []
    events = []
    prev = None
    for r in order:
        s, p = status[r], prio[r]
        if ticket[r] != prev:
            prev = ticket[r]
            cur_s, cur_p = -1, p
            t = {"first": r, "created": at[r], "response": NAT, "resolved": NAT,
                 "closed": NAT}
            tickets.append(t)
            emit_p = -1
        else:
            emit_p = p if p >= 0 and p != cur_p else -1
            if emit_p >= 0:
                cur_p = p
        t["last"] = r
        emit_s = s if s >= 0 and s != cur_s else -1
        if emit_s >= 0:
            if done[s] and not (cur_s >= 0 and done[cur_s]):
                t["resolved"] = at[r]
            if closed[s] and not (cur_s >= 0 and closed[cur_s]):
                t["closed"] = at[r]
            cur_s = s
        t["status"] = cur_s
        if t["response"] == NAT and s >= 0 and response[s]:
            t["response"] = at[r]
        if emit_s >= 0 or emit_p >= 0:
            events.append((len(tickets) - 1, at[r], emit_s, emit_p))
    for t in tickets:
        if not (t["status"] >= 0 and done[t["status"]]):
            t["resolved"] = NAT
        if not (t["status"] >= 0 and closed[t["status"]]):
            t["closed"] = NAT
    return tickets, events


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(-1, 3),
                          st.integers(-1, 2), st.booleans()), max_size=30))
def test_fold_matches_the_plain_loop(rows):
    ticket = np.array([r[0] for r in rows], dtype=np.int64)
    at = np.array([r[1] for r in rows], dtype=np.int64)
    status = np.array([r[2] for r in rows], dtype=np.int32)
    prio = np.array([r[3] for r in rows], dtype=np.int32)
    usable = np.array([r[4] for r in rows], dtype=bool)
    response = np.array([False, True, True, False])
    done = np.array([False, False, True, True])
    closed = np.array([False, False, False, True])
    f = fold_updates(ticket, at, status, prio, usable, response_codes=response,
                     done_codes=done, closed_codes=closed)
    tickets, events = _reference_fold(ticket, at, status, prio, usable, response, done, closed)
    assert f.first.tolist() == [t["first"] for t in tickets]
    assert f.last.tolist() == [t["last"] for t in tickets]
    for key in ("created", "response", "resolved", "closed"):
        assert getattr(f, key).tolist() == [t[key] for t in tickets], key
    assert list(zip(f.owner.tolist(), f.at.tolist(), f.status.tolist(), f.priority.tolist(),
                    strict=True)) == events
