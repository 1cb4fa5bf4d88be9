"""Every rejection reason: counted, never dropped silently, with file, row and field."""

from __future__ import annotations

import json

import pytest

from slalang.data import Rejection, read_tickets
from slalang.errors import EXIT_USAGE, DataError

GOOD = {"id": "T-1", "customer": "Alfa Srl", "priority": "P1",
        "created_at": "2026-07-01T09:00:00+02:00"}


def one(**changes) -> dict:
    rec = dict(GOOD)
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not ...}


def read_lines(tmp_path, records, **kw):
    p = tmp_path / "t.jsonl"
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return read_tickets(p, **kw), str(p)


JSONL_CASES = [
    (one(created_at="2026-07-01 nine"), "created_at", "bad timestamp '2026-07-01 nine'"),
    (one(created_at="2026-07-01T09:00:00"), "created_at", "naive timestamp"),
    (one(created_at=...), "created_at", "missing created_at"),
    (one(id=...), "id", "missing ticket id"),
    (one(customer=None), "customer", "missing customer"),
    (one(resolved_at="2026-07-01T08:00:00+02:00"), "resolved_at", "resolution before creation"),
    (one(first_response_at="2026-07-01T06:59:59Z"), "first_response_at",
     "first response before creation"),
    (one(closed_at="2026-06-30T09:00:00+02:00"), "closed_at", "closing before creation"),
    (one(events=[{"at": "2026-07-01T10:00:00+02:00", "status": "in_progress"},
                 {"at": "2026-07-01T09:30:00+02:00", "status": "resolved"}]),
     "events", "events out of time order"),
    (one(events=[{"at": "soon", "status": "in_progress"}]), "events[0].at", "bad timestamp"),
    (one(events=[{"status": "in_progress"}]), "events[0].at", "missing event time"),
    ('{"id": "T-1", ', None, "invalid JSON"),
    ("[1, 2]", None, "a ticket must be a JSON object"),
]


@pytest.mark.parametrize(("record", "field", "reason"), JSONL_CASES)
def test_jsonl_rejection(tmp_path, record, field, reason):
    ok = one(id="T-0")
    t, path = read_lines(tmp_path, [ok, record])
    assert t.id.tolist() == ["T-0"]
    assert len(t.rejected) == 1
    r = t.rejected[0]
    assert (r.file, r.row, r.field) == (path, 2, field)
    assert reason in r.reason
    assert str(r).startswith(f"{path}:2: ")
    # the same file refused outright when no error is allowed
    with pytest.raises(DataError) as info:
        read_tickets(path, max_errors=0)
    err = info.value
    assert (err.file, err.row, err.field) == (path, 2, field)
    assert reason in str(err) and f"{path}:2:" in str(err)
    assert err.exit_code == EXIT_USAGE


def test_duplicate_id_keeps_the_first(tmp_path):
    t, path = read_lines(tmp_path, [GOOD, one(customer="Beta SpA")])
    assert t.customer.values().tolist() == ["Alfa Srl"]
    assert t.rejected == [Rejection(path, 2, "id", "duplicate ticket id 'T-1' "
                                                   "(first seen on row 1)")]


def test_event_with_nothing_in_it_refuses_its_ticket(tmp_path):
    # the event is part of the ticket's line: the line is rejected once and not evaluated
    # (it used to be both rejected and kept, so tickets + rejected exceeded the lines read)
    t, path = read_lines(tmp_path, [one(id="T-0"),
                                    one(events=[{"at": "2026-07-01T10:00:00+02:00"}])])
    assert t.id.tolist() == ["T-0"] and len(t.event_at) == 0
    assert t.rejected == [Rejection(path, 2, "events[0].status",
                                    "event has neither status nor priority")]


def test_csv_rejections_name_rows_in_both_files(tmp_path):
    (tmp_path / "t.csv").write_text(
        "id,customer,created_at,resolved_at\n"
        "T-1,Alfa Srl,2026-07-01T09:00:00+02:00,2026-07-01T10:00:00+02:00\n"
        "T-2,Alfa Srl,2026-07-01T09:00:00+02:00,2026-07-01T08:00:00+02:00\n"
        ",Alfa Srl,2026-07-01T09:00:00+02:00,\n"
        "T-1,Beta SpA,2026-07-01T09:00:00+02:00,\n"
        "T-5,Beta SpA,31/7/2026 10:00,\n")
    (tmp_path / "e.csv").write_text(
        "ticket_id,at,status\n"
        "T-1,2026-07-01T09:30:00+02:00,in_progress\n"
        "T-9,2026-07-01T09:30:00+02:00,in_progress\n"
        "T-1,2026-07-01T09:40:00,waiting_on_customer\n"
        "T-2,2026-07-01T09:30:00+02:00,in_progress\n"
        ",2026-07-01T09:30:00+02:00,in_progress\n")
    t = read_tickets(tmp_path / "t.csv", events=tmp_path / "e.csv")
    assert t.id.tolist() == ["T-1"]
    assert t.event_offsets.tolist() == [0, 1]
    tf, ef = str(tmp_path / "t.csv"), str(tmp_path / "e.csv")
    got = [(r.file, r.row, r.field, r.reason.split(" (")[0]) for r in t.rejected]
    assert got == [
        (tf, 3, "resolved_at", "resolution before creation"),
        (tf, 4, "id", "missing ticket id"),
        (tf, 5, "id", "duplicate ticket id 'T-1'"),
        (tf, 6, "created_at", "bad timestamp '31/7/2026 10:00'"),
        (ef, 3, "ticket_id", "event for unknown ticket 'T-9'"),
        (ef, 4, "at", "naive timestamp '2026-07-01T09:40:00'"),
        (ef, 6, "ticket_id", "missing ticket_id"),
    ]


def test_max_errors_counts_all_files(tmp_path):
    records = [one(id=f"T-{k}", created_at="bad" if k % 2 else GOOD["created_at"])
               for k in range(10)]
    t, path = read_lines(tmp_path, records)
    assert t.n == 5 and len(t.rejected) == 5
    assert read_tickets(path, max_errors=5).n == 5
    with pytest.raises(DataError, match=r"5 row\(s\) rejected, more than the 4 allowed"):
        read_tickets(path, max_errors=4)


def test_naive_timestamps_need_a_time_zone(tmp_path):
    (tmp_path / "t.csv").write_text("id,customer,created_at\nT-1,Alfa Srl,2026-07-01 09:00\n")
    with pytest.raises(DataError) as info:
        read_tickets(tmp_path / "t.csv", max_errors=0)
    assert "naive timestamp '2026-07-01 09:00' (no UTC offset); give its time zone in a " \
           "mapping" in str(info.value)
    assert info.value.field == "created_at" and info.value.row == 2


def test_malformed_csv_rows_are_rejected_alone(tmp_path):
    # a wrong field count and an unbalanced quote reject their row; the rows after are read
    (tmp_path / "t.csv").write_text("id,customer,created_at\nT-0,A,2026-07-01T09:00Z\n"
                                    "T-1,Alfa Srl\n"
                                    'T-2,"Alfa Srl,2026-07-01T09:00Z\n'
                                    "T-3,A,2026-07-01T10:00Z\n")
    t = read_tickets(tmp_path / "t.csv")
    assert t.id.tolist() == ["T-0", "T-3"]
    assert t.source_row.tolist() == [2, 5]
    assert [(r.row, r.field, r.reason) for r in t.rejected] == [
        (3, None, "malformed CSV row: 2 field(s) where the header has 3"),
        (4, None, "malformed CSV row: a quote is never closed")]
    with pytest.raises(DataError, match=r"t.csv:3: .*malformed CSV row"):
        read_tickets(tmp_path / "t.csv", max_errors=0)
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="no tickets in .*e.csv: the file is empty"):
        read_tickets(tmp_path / "e.csv")


def _as_tuple(table) -> tuple:
    rows = [table.row(i) for i in range(table.n)]
    return rows, [(r.row, r.field, r.reason) for r in table.rejected]


@pytest.mark.parametrize("case", range(len(JSONL_CASES) - 2))  # the last two are not JSON Lines
def test_arrow_and_python_jsonl_readers_agree(tmp_path, case):
    from slalang.data.build import assemble
    from slalang.data.canonical import _jsonl_arrow, _jsonl_python

    record = JSONL_CASES[case][0]
    extra = one(id="T-0", impact="high", score=3, tags={"a": 1},
                events=[{"at": "2026-07-01T09:30:00+02:00", "status": "in_progress"},
                        {"at": "2026-07-01T09:40:00+02:00", "priority": "P2"}])
    data = (json.dumps(extra) + "\n" + json.dumps(record) + "\n").encode()
    fast = _jsonl_arrow(data, "f.jsonl")
    assert fast is not None
    slow = _jsonl_python(data, "f.jsonl")
    got = [_as_tuple(assemble(*pair, check_event_order=True)) for pair in (fast, slow)]
    assert got[0] == got[1]


def test_repeats_known_leaves_the_repeated_ids_to_the_caller():
    """The split reader settles repeated ids with its index of the whole file, so its
    segments and chunks are assembled without an index of their own: a repeated id is then
    not refused here (every other check still is), and events by ticket id are refused as a
    misuse, not looked up in an index that does not exist."""
    import pyarrow as pa

    from slalang.data.build import RawEvents, assemble
    from slalang.data.canonical import events_from_table, tickets_from_table

    tickets = tickets_from_table(pa.table({
        "id": ["T1", "T1", "T2"], "customer": ["C1", "C1", None],
        "created_at": ["2026-08-10T10:00:00+02:00"] * 3}), "t.csv")
    whole = assemble(tickets, RawEvents.empty())
    assert [(r.row, r.field) for r in whole.rejected] == [(3, "id"), (4, "customer")]
    known = assemble(tickets, RawEvents.empty(), repeats_known=True)
    assert [(r.row, r.field) for r in known.rejected] == [(4, "customer")]
    assert known.n == 2
    by_id = events_from_table(pa.table({"ticket_id": ["T1"], "at": [
        "2026-08-10T11:00:00+02:00"], "status": ["in_progress"]}), "e.csv")
    with pytest.raises(ValueError, match="repeats_known"):
        assemble(tickets, by_id, repeats_known=True)
