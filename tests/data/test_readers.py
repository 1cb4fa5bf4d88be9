"""The canonical readers: JSONL, CSV + events, gzip, and what the table holds."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json

import numpy as np
import pytest

from slalang.data import NAT, read_tickets
from slalang.errors import DataError

UTC = dt.UTC

EXAMPLE = {
    "id": "T-1001", "customer": "Alfa Srl", "priority": "P1", "category": "incident",
    "service": "email", "created_at": "2026-07-01T09:12:00+02:00",
    "first_response_at": "2026-07-01T09:20:00+02:00",
    "resolved_at": "2026-07-01T12:00:00+02:00", "closed_at": None, "tier": None,
    "events": [
        {"at": "2026-07-01T09:20:00+02:00", "status": "in_progress"},
        {"at": "2026-07-01T10:00:00+02:00", "status": "waiting_on_customer"},
        {"at": "2026-07-01T10:30:00+02:00", "status": "in_progress"},
        {"at": "2026-07-01T11:00:00+02:00", "priority": "P2"},
        {"at": "2026-07-01T12:00:00+02:00", "status": "resolved"},
    ],
    "impact": "high", "urgency": "medium",
}


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def test_jsonl_example_ticket(tmp_path):
    second = {"id": "T-1002", "customer": "Beta SpA", "priority": "P3",
              "created_at": "2026-07-02T08:00:00Z"}
    p = write_jsonl(tmp_path / "t.jsonl", [EXAMPLE, second])
    t = read_tickets(p)
    assert t.n == 2
    assert t.id.tolist() == ["T-1001", "T-1002"]
    assert t.customer.values().tolist() == ["Alfa Srl", "Beta SpA"]
    assert t.tier.values().tolist() == [None, None]
    assert t.category.values().tolist() == ["incident", None]
    assert t.created_at.tolist() == [
        int(dt.datetime(2026, 7, 1, 7, 12, tzinfo=UTC).timestamp()),
        int(dt.datetime(2026, 7, 2, 8, 0, tzinfo=UTC).timestamp())]
    assert t.closed_at.tolist() == [NAT, NAT]
    assert t.resolved_at[1] == NAT
    assert t.event_offsets.tolist() == [0, 5, 5]
    assert t.event_status.values().tolist() == [
        "in_progress", "waiting_on_customer", "in_progress", None, "resolved"]
    assert t.event_priority.values().tolist() == [None, None, None, "P2", None]
    assert t.extra["impact"].tolist() == ["high", None]
    assert t.extra["urgency"].tolist() == ["medium", None]
    assert t.source_row.tolist() == [1, 2]
    assert t.rejected == []
    assert t.data_hash == hashlib.sha256((tmp_path / "t.jsonl").read_bytes()).hexdigest()
    assert t.current_priority().values().tolist() == ["P2", "P3"]


def test_row_is_a_plain_dict_with_aware_datetimes(tmp_path):
    t = read_tickets(write_jsonl(tmp_path / "t.jsonl", [EXAMPLE]))
    row = t.row(0)
    assert row["created_at"] == dt.datetime(2026, 7, 1, 9, 12,
                                            tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert row["created_at"].tzinfo is not None
    assert row["events"][3] == {"at": dt.datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
                                "priority": "P2"}
    assert row["impact"] == "high" and row["closed_at"] is None


CSV_TICKETS = """\
id,customer,tier,priority,created_at,first_response_at,resolved_at,impact
T-1,Alfa Srl,Gold,P1,2026-07-01T09:00:00+02:00,2026-07-01T09:10:00+02:00,2026-07-01T11:00Z,high
T-2,Beta SpA,Silver,P2,2026-07-01T10:00:00+02:00,,,low
T-3,Alfa Srl,,P3,2026-07-02T10:00:00Z,2026-07-02T10:05:00Z,2026-07-02T12:00:00Z,
"""
CSV_EVENTS = """\
ticket_id,at,status
T-3,2026-07-02T11:00:00Z,waiting_on_customer
T-1,2026-07-01T10:00:00+02:00,waiting_on_vendor
T-1,2026-07-01T09:10:00+02:00,in_progress
T-3,2026-07-02T11:30:00Z,in_progress
T-1,2026-07-01T10:30:00+02:00,in_progress
"""


def check_csv_table(t) -> None:
    assert t.id.tolist() == ["T-1", "T-2", "T-3"]
    assert t.tier.values().tolist() == ["Gold", "Silver", None]
    assert t.first_response_at[1] == NAT and t.resolved_at[1] == NAT
    assert t.event_offsets.tolist() == [0, 3, 3, 5]
    assert t.event_status.values().tolist() == [
        "in_progress", "waiting_on_vendor", "in_progress", "waiting_on_customer", "in_progress"]
    assert np.all(np.diff(t.event_at[0:3]) > 0)
    assert t.extra["impact"].tolist() == ["high", "low", None]
    assert t.source_row.tolist() == [2, 3, 4]
    assert t.rejected == []


def test_csv_with_events_in_any_order(tmp_path):
    (tmp_path / "t.csv").write_text(CSV_TICKETS)
    (tmp_path / "e.csv").write_text(CSV_EVENTS)
    t = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv")
    check_csv_table(t)
    both = (tmp_path / "t.csv").read_bytes() + (tmp_path / "e.csv").read_bytes()
    assert t.data_hash == hashlib.sha256(both).hexdigest()


def test_csv_gzipped(tmp_path):
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(CSV_TICKETS.encode()))
    (tmp_path / "e.csv.gz").write_bytes(gzip.compress(CSV_EVENTS.encode()))
    check_csv_table(read_tickets(tmp_path / "t.csv.gz", events=tmp_path / "e.csv.gz"))


def test_jsonl_gzipped_and_json_array(tmp_path):
    text = json.dumps(EXAMPLE) + "\n"
    (tmp_path / "t.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    assert read_tickets(tmp_path / "t.jsonl.gz").id.tolist() == ["T-1001"]
    (tmp_path / "t.json").write_text(json.dumps([EXAMPLE]))
    assert read_tickets(tmp_path / "t.json").event_offsets.tolist() == [0, 5]


def test_event_log_sorted_by_time(tmp_path):
    # an event-log export: one file sorted by time across tickets
    (tmp_path / "t.csv").write_text(CSV_TICKETS)
    lines = CSV_EVENTS.splitlines()
    body = sorted(lines[1:], key=lambda ln: dt.datetime.fromisoformat(ln.split(",")[1]))
    (tmp_path / "e.csv").write_text("\n".join([lines[0], *body]) + "\n")
    check_csv_table(read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv"))


def test_take_keeps_events_with_their_tickets(tmp_path):
    (tmp_path / "t.csv").write_text(CSV_TICKETS)
    (tmp_path / "e.csv").write_text(CSV_EVENTS)
    t = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv")
    sub = t.take([2, 0])
    assert sub.id.tolist() == ["T-3", "T-1"]
    assert sub.event_offsets.tolist() == [0, 2, 5]
    assert sub.event_status.values().tolist() == [
        "waiting_on_customer", "in_progress", "in_progress", "waiting_on_vendor", "in_progress"]
    assert sub.row(1) == t.row(0)
    assert t.take(np.array([], dtype=np.int64)).n == 0


def test_unrecognised_and_unreadable_files(tmp_path):
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(DataError, match="unrecognised file type"):
        read_tickets(tmp_path / "t.xlsx")
    with pytest.raises(DataError, match="nope.csv: no such file or directory"):
        read_tickets(tmp_path / "nope.csv")  # said so, not in pyarrow's words
    (tmp_path / "unreadable.csv").mkdir()  # there, but no file to read
    with pytest.raises(DataError, match="cannot read the file"):
        read_tickets(tmp_path / "unreadable.csv")
    (tmp_path / "t.csv").write_text("id,created_at\nT-1,2026-07-01T09:00:00Z\n")
    with pytest.raises(DataError, match=r"t.csv:1: missing column 'customer'"):
        read_tickets(tmp_path / "t.csv")


def test_fractions_of_a_second_are_truncated(tmp_path):
    (tmp_path / "t.csv").write_text("id,customer,created_at,first_response_at\n"
                                    "T-1,Alfa Srl,2026-07-01T09:12:00.9Z,2026-07-01T09:12:01Z\n")
    t = read_tickets(tmp_path / "t.csv")
    assert t.created_at.tolist() == [1782897120]
    assert t.first_response_at.tolist() == [1782897121]


def test_blank_lines_keep_line_numbers(tmp_path):
    bad = dict(EXAMPLE, id="T-2", created_at="later")
    (tmp_path / "t.jsonl").write_text(json.dumps(EXAMPLE) + "\n\n" + json.dumps(bad) + "\n")
    t = read_tickets(tmp_path / "t.jsonl")
    assert t.id.tolist() == ["T-1001"]
    assert [(r.row, r.field) for r in t.rejected] == [(3, "created_at")]


def test_take_with_a_mask(tmp_path):
    (tmp_path / "t.csv").write_text(CSV_TICKETS)
    (tmp_path / "e.csv").write_text(CSV_EVENTS)
    t = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv")
    sub = t.take(t.customer.codes == t.customer.code_of("Alfa Srl"))
    assert sub.id.tolist() == ["T-1", "T-3"]
    assert sub.event_offsets.tolist() == [0, 3, 5]


def test_utf8_byte_order_mark_is_skipped(tmp_path):
    (tmp_path / "t.csv").write_bytes(b"\xef\xbb\xbf" + CSV_TICKETS.encode())
    assert read_tickets(tmp_path / "t.csv").id.tolist() == ["T-1", "T-2", "T-3"]
