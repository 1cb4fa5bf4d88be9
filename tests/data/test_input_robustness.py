"""Input the QA pass broke the readers with: files without tickets, text that is not UTF-8,
status events dated before the ticket's creation."""

from __future__ import annotations

import gzip
import json

import pytest

from slalang.data import load_mapping, read_downtime, read_tickets
from slalang.errors import DataError

CREATED = "2026-07-01T09:00:00+02:00"


# -- a file without tickets: an error for JSON Lines and CSV alike ---------------------------

@pytest.mark.parametrize(("name", "content", "why"), [
    ("t.jsonl", b"", "the file is empty"),
    ("t.jsonl", b"\n\n  \n", "the file is empty"),
    ("t.json", b"[]", "no records"),
    ("t.csv", b"", "the file is empty"),
    ("t.csv", b"\xef\xbb\xbf", "the file is empty"),  # a byte-order mark alone
    ("t.csv", b"id,customer,created_at\n", "only a header row"),
    ("t.csv", b"id,customer,created_at", "only a header row"),
])
def test_no_tickets_is_a_data_error_naming_the_file(tmp_path, name, content, why):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_tickets(path)
    assert str(info.value) == f"no tickets in {path}: {why}"
    assert info.value.file == str(path)


def test_no_tickets_gzipped_and_through_a_mapping(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(DataError, match="^no tickets in .*t.csv.gz: the file is empty$"):
        read_tickets(path)
    (tmp_path / "m.yaml").write_text(MAPPING)
    export = tmp_path / "export.csv"
    export.write_text("Number,Client,Opened\n")
    with pytest.raises(DataError, match="^no tickets in .*export.csv: no records$"):
        read_tickets(export, mapping=tmp_path / "m.yaml")
    export.write_text("")
    with pytest.raises(DataError, match="^no tickets in .*export.csv: the file is empty$"):
        read_tickets(export, mapping=tmp_path / "m.yaml")


def test_a_file_of_refused_rows_is_not_empty_but_measures_nothing(tmp_path):
    # issue 8: a run whose every row was rejected must not pass for a perfect month
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "T1", "customer": "A"}\n')  # no created_at: refused, but a record
    with pytest.raises(DataError, match=r"every ticket row was rejected \(1 read, 1 rejected\)"
                       r"(.|\n)*1 x missing created_at \(field 'created_at'\)(.|\n)*fix: "):
        read_tickets(path)


# -- not UTF-8: file, row, field and what to do ---------------------------------------------

HINT = "re-export the file as UTF-8"


def test_latin1_csv_names_row_and_field(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,customer,created_at,note\n"
                     b"T1,Alfa Srl,2026-07-01T09:00:00+02:00,ok\n"
                     b"T2,Caf\xe9 Srl,2026-07-01T09:00:00+02:00,ok\n")
    with pytest.raises(DataError) as info:
        read_tickets(path)
    e = info.value
    assert (e.file, e.row, e.field) == (str(path), 3, "customer")
    assert str(e).startswith(f"{path}:3: not UTF-8 text: byte 0xe9 cannot be decoded; {HINT} "
                             "(a CSV read through a mapping may instead name its encoding")


def test_latin1_in_an_extra_column_and_in_events(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,customer,created_at,note\n"
                     b"T1,Alfa Srl,2026-07-01T09:00:00+02:00,d\xe9j\xe0 vu\n")
    with pytest.raises(DataError) as info:
        read_tickets(path)
    assert (info.value.row, info.value.field) == (2, "note")
    path.write_bytes(b"id,customer,created_at\nT1,Alfa Srl,2026-07-01T09:00:00+02:00\n")
    events = tmp_path / "e.csv"
    events.write_bytes(b"ticket_id,at,status\nT1,2026-07-01T10:00:00+02:00,in_progress\n"
                       b"T1,2026-07-01T11:00:00+02:00,r\xe9solu\n")
    with pytest.raises(DataError) as info:
        read_tickets(path, events=events)
    assert (info.value.file, info.value.row, info.value.field) == (str(events), 3, "status")


def test_latin1_jsonl_names_line_and_key(tmp_path):
    path = tmp_path / "t.jsonl"
    good = json.dumps({"id": "T1", "customer": "Alfa Srl", "created_at": CREATED})
    path.write_bytes(good.encode() + b"\n" + good.replace("T1", "T2").replace(
        "Alfa Srl", "Caf\xe9").encode("latin-1") + b"\n")
    with pytest.raises(DataError) as info:
        read_tickets(path)
    e = info.value
    assert (e.file, e.row, e.field) == (str(path), 2, "customer")
    assert str(e) == (f"{path}:2: not UTF-8 text: byte 0xe9 cannot be decoded; {HINT} "
                      "(field 'customer')")


def test_latin1_downtime(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"customer,service,start,end,kind,note\n"
                     b"Alfa Srl,email,2026-08-04T10:00:00+02:00,2026-08-04T10:50:00+02:00,"
                     b"unplanned,panne r\xe9seau\n")
    with pytest.raises(DataError) as info:
        read_downtime(path)
    assert (info.value.row, info.value.field) == (2, "note")


MAPPING = """\
mapping: 1
shape: ticket
csv: {encoding: latin-1}
fields: {id: Number, customer: Client, created_at: Opened}
"""


def test_a_mapping_reads_latin1(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING)
    export = tmp_path / "export.csv"
    export.write_bytes(b"Number,Client,Opened\nT1,Caf\xe9 Srl,2026-07-01T09:00:00+02:00\n")
    t = read_tickets(export, mapping=load_mapping(tmp_path / "m.yaml"))
    assert t.customer.values().tolist() == ["Café Srl"]


# -- a status event before the ticket's creation --------------------------------------------

def test_csv_event_before_creation_refuses_the_ticket(tmp_path):
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,customer,created_at\n"
                       f"T1,Alfa Srl,{CREATED}\n"
                       f"T2,Alfa Srl,{CREATED}\n")
    events = tmp_path / "e.csv"
    events.write_text("ticket_id,at,status\n"
                      "T2,2026-07-01T10:00:00+02:00,in_progress\n"
                      "T2,2026-07-01T08:00:00+02:00,waiting_on_customer\n"
                      "T1,2026-07-01T09:30:00+02:00,in_progress\n"
                      "ZZ,2026-07-01T09:30:00+02:00,in_progress\n")
    t = read_tickets(tickets, events=events)
    assert t.id.tolist() == ["T1"] and len(t.event_at) == 1
    assert [str(r) for r in t.rejected] == [
        f"{tickets}:3: status event at 2026-07-01T06:00:00+00:00 before creation at "
        "2026-07-01T07:00:00+00:00 (field 'events')",
        f"{events}:5: event for unknown ticket 'ZZ' (field 'ticket_id')"]
    with pytest.raises(DataError, match=r"t.csv:3: 2 row\(s\) rejected, more than the 1 "):
        read_tickets(tickets, events=events, max_errors=1)


def test_jsonl_event_before_creation_refuses_the_ticket(tmp_path):
    path = tmp_path / "t.jsonl"
    records = [
        {"id": "T1", "customer": "A", "created_at": CREATED,
         "events": [{"at": "2026-07-01T08:59:59+02:00", "status": "waiting_on_customer"}]},
        {"id": "T2", "customer": "A", "created_at": CREATED,  # at the creation: fine
         "events": [{"at": CREATED, "status": "in_progress"}]},
        {"id": "T3", "customer": "A", "created_at": "bad"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    t = read_tickets(path)
    assert t.id.tolist() == ["T2"]
    assert [(r.row, r.field) for r in t.rejected] == [(1, "events"), (3, "created_at")]
