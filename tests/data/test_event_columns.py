"""The events' columns as the read puts them in ticket order: a column the export does not
have comes out absent (no code to gather), one it has follows its events, whatever order
the export listed them in."""

import numpy as np
import pyarrow as pa

from slalang.data import read_tickets
from slalang.data.build import categorical


def test_a_column_of_nulls_is_absent():
    for values in (pa.nulls(5, pa.string()), pa.chunked_array([pa.nulls(3, pa.string()),
                                                              pa.nulls(2, pa.string())])):
        cat = categorical(values, 5)
        assert cat.labels == () and cat.codes.tolist() == [-1] * 5
        assert cat.codes.dtype == np.int32
    partly = categorical(pa.array([None, "P1", None]), 3)
    assert partly.labels == ("P1",) and partly.codes.tolist() == [-1, 0, -1]


def _write(tmp_path, events: str):
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,customer,priority,created_at\n"
                       "T1,Alfa,P1,2026-07-01T09:00:00+02:00\n"
                       "T2,Alfa,P2,2026-07-01T10:00:00+02:00\n")
    path = tmp_path / "e.csv"
    path.write_text(events)
    return read_tickets(tickets, events=path)


def test_events_in_time_order_across_tickets_follow_their_tickets(tmp_path):
    """An event log sorted by time (tickets interleaved): each ticket's events, statuses and
    priorities go with it."""
    table = _write(tmp_path, "ticket_id,at,status,priority\n"
                             "T2,2026-07-01T10:05:00+02:00,waiting_on_customer,\n"
                             "T1,2026-07-01T10:10:00+02:00,in_progress,P2\n"
                             "T2,2026-07-01T10:20:00+02:00,in_progress,\n"
                             "T1,2026-07-01T10:30:00+02:00,waiting_on_vendor,\n")
    assert table.event_offsets.tolist() == [0, 2, 4]
    assert table.event_status.values().tolist() == [
        "in_progress", "waiting_on_vendor", "waiting_on_customer", "in_progress"]
    assert table.event_priority.values().tolist() == ["P2", None, None, None]
    assert np.all(np.diff(table.event_at[:2]) > 0) and np.all(np.diff(table.event_at[2:]) > 0)


def test_an_events_file_without_priorities_has_them_absent(tmp_path):
    table = _write(tmp_path, "ticket_id,at,status\n"
                             "T2,2026-07-01T10:05:00+02:00,waiting_on_customer\n"
                             "T1,2026-07-01T10:10:00+02:00,in_progress\n"
                             "T2,2026-07-01T10:20:00+02:00,in_progress\n")
    assert table.event_priority.labels == ()
    assert table.event_priority.codes.tolist() == [-1, -1, -1]
    assert table.event_status.values().tolist() == [
        "in_progress", "waiting_on_customer", "in_progress"]
