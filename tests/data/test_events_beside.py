"""The events file is parsed beside the tickets (on a thread): what is wrong with the input
is still said as a read of one file after the other says it, the tickets' problems first,
and the input's hash is of the tickets' bytes then the events', as before."""

import hashlib

import pytest

from slalang.data import read_tickets
from slalang.errors import DataError

TICKETS = ("id,customer,priority,created_at\n"
           "T1,Alfa,P1,2026-07-01T09:00:00+02:00\n"
           "T2,Alfa,P2,2026-07-01T10:00:00+02:00\n")
EVENTS = ("ticket_id,at,status\n"
          "T2,2026-07-01T10:05:00+02:00,waiting_on_customer\n"
          "T1,2026-07-01T10:10:00+02:00,in_progress\n")


def _files(tmp_path, tickets=TICKETS, events=EVENTS, events_name="e.csv"):
    t, e = tmp_path / "t.csv", tmp_path / events_name
    t.write_text(tickets)
    if events is not None:
        e.write_text(events)
    return t, e


def test_the_hash_is_of_the_tickets_then_the_events(tmp_path):
    t, e = _files(tmp_path)
    table = read_tickets(t, events=e)
    assert table.data_hash == hashlib.sha256(t.read_bytes() + e.read_bytes()).hexdigest()
    assert table.event_offsets.tolist() == [0, 1, 2]


def test_a_missing_events_file_is_said_once_the_tickets_are_read(tmp_path):
    t, e = _files(tmp_path, events=None)
    with pytest.raises(DataError, match="no such file") as caught:
        read_tickets(t, events=e)
    assert caught.value.file == str(e)


def test_the_tickets_problem_comes_before_the_events_one(tmp_path):
    """A tickets file without its required column and an events file that is not there:
    the tickets' problem is the one said, as when the events were read after them."""
    t, e = _files(tmp_path, tickets="id,priority,created_at\nT1,P1,2026-07-01T09:00:00Z\n",
                  events=None)
    with pytest.raises(DataError) as caught:
        read_tickets(t, events=e)
    assert caught.value.file == str(t) and "customer" in str(caught.value)


def test_tickets_of_a_header_only_come_before_events_of_another_kind(tmp_path):
    t, e = _files(tmp_path, tickets="id,customer,created_at\n", events_name="e.jsonl",
                  events='{"ticket_id": "T1"}\n')
    with pytest.raises(DataError, match="only a header row"):
        read_tickets(t, events=e)
    t, e = _files(tmp_path, events_name="e.jsonl", events='{"ticket_id": "T1"}\n')
    with pytest.raises(DataError, match="must be CSV too"):
        read_tickets(t, events=e)


def test_events_without_their_time_are_refused_after_good_tickets(tmp_path):
    t, e = _files(tmp_path, events="ticket_id,status\nT1,in_progress\n")
    with pytest.raises(DataError) as caught:
        read_tickets(t, events=e)
    assert caught.value.file == str(e) and "at" in str(caught.value)


def test_a_malformed_events_row_is_refused_with_its_file_and_row(tmp_path):
    t, e = _files(tmp_path, events='ticket_id,at,status\nT1,"unclosed,x\n')
    table = read_tickets(t, events=e)
    assert [(r.file, r.row) for r in table.rejected] == [(str(e), 2)]
