"""The reader registry (slalang.data.sources): formats chosen explicitly, compressed input read
as a bounded stream, JSON documents read by path, page files, lookups, rows named exactly."""

from __future__ import annotations

import gzip
import json
import zipfile

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import read_tickets
from slalang.data.source import read_bytes
from slalang.data.sources import compressed, expand, format_of
from slalang.errors import DataError

TICKET = {"id": "T-1", "customer": "Alfa Srl", "priority": "P1",
          "created_at": "2026-07-01T09:00:00Z"}


# -- compression ----------------------------------------------------------------------------

def test_gzip_concatenated_members_and_a_bom(tmp_path):
    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(b"\xef\xbb\xbfid,customer\n") + gzip.compress(b"T1,Alfa\n"))
    assert bytes(read_bytes(p)) == b"id,customer\nT1,Alfa\n"


def test_a_truncated_gzip_is_an_error(tmp_path):
    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(b"id,customer\n" * 1000)[:-30])
    with pytest.raises(DataError, match="truncated"):
        read_bytes(p)


def test_a_gzip_bomb_is_refused_before_it_inflates(tmp_path, monkeypatch):
    # the same shape as an 8.7 MB bomb of zeros (1,000:1), scaled down: the limit is the
    # ratio of what was inflated to what was consumed so far, checked block by block
    monkeypatch.setattr(compressed, "INFLATE_FLOOR", 1 << 20)
    member = gzip.compress(b"\0" * (1 << 20), 9)
    p = tmp_path / "bomb.csv.gz"
    p.write_bytes(member * 200)  # 200 MiB once inflated
    blocks = compressed.gunzip_blocks(memoryview(p.read_bytes()), str(p))
    seen = 0
    with pytest.raises(DataError, match="decompression bomb") as info:
        for block in blocks:
            seen += len(block)
    # refused once past 100 times the bytes consumed (one 64 KiB block here), not at 200 MiB
    assert seen <= compressed.MAX_RATIO * 2 * compressed.BLOCK
    assert "decompress it first" in str(info.value)
    assert info.value.file == str(p)


def test_the_bomb_message_through_the_cli(tmp_path, monkeypatch):
    monkeypatch.setattr(compressed, "INFLATE_FLOOR", 1 << 16)
    p = tmp_path / "t.jsonl.gz"
    p.write_bytes(gzip.compress(b" " * (50 << 20), 9))
    r = CliRunner().invoke(main, ["evaluate", "tests/data/fixtures/tools/helpdesk.sla",
                                  "--tickets", str(p), "--period", "2026-07"])
    assert r.exit_code == 2
    assert "decompression bomb" in r.output


def test_zip_with_one_file(tmp_path):
    p = tmp_path / "t.jsonl.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export/tickets.jsonl", json.dumps(TICKET) + "\n")
    t = read_tickets(p)
    assert t.id.tolist() == ["T-1"]


def test_zip_with_several_files_must_name_one(tmp_path):
    p = tmp_path / "t.csv.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.csv", "id\n")
        z.writestr("b.csv", "id\n")
    with pytest.raises(DataError, match="a.csv, b.csv: expected exactly one file"):
        read_bytes(p)
    assert bytes(read_bytes(p, member="b.csv")) == b"id\n"


def test_a_zip_whose_member_claims_to_be_huge_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(compressed, "INFLATE_FLOOR", 1 << 16)
    p = tmp_path / "t.csv.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("t.csv", b"\0" * (8 << 20))
    with pytest.raises(DataError, match="decompression bomb"):
        read_bytes(p)


# -- formats and files ----------------------------------------------------------------------

def test_the_format_is_declared_or_follows_the_suffix():
    assert format_of("t.xlsx") == "xlsx"
    assert format_of("t.parquet") == "parquet"
    assert format_of("postgresql://u@localhost/db") == "sql"
    assert format_of("export.dat", "csv") == "csv"
    with pytest.raises(DataError, match="a mapping may name the format"):
        format_of("export.dat")


def test_page_files_in_natural_order(tmp_path):
    for k in (1, 2, 10):
        (tmp_path / f"page{k}.json").write_text("[]")
    assert [p.rsplit("/", 1)[1] for p in expand(tmp_path / "page*.json")] == [
        "page1.json", "page2.json", "page10.json"]
    with pytest.raises(DataError, match="no file matches"):
        expand(tmp_path / "none-*.json")


# -- a JSON document without a mapping ------------------------------------------------------

def test_a_pretty_printed_canonical_document_is_read_as_one(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"tickets": [TICKET, {**TICKET, "id": "T-2"}], "count": 2},
                            indent=2))
    t = read_tickets(p)
    assert t.id.tolist() == ["T-1", "T-2"]
    assert t.rejected == []


def test_an_api_document_without_a_mapping_says_so(tmp_path):
    # the defect: every line of a pretty-printed API export was rejected as broken JSON
    # Lines and the run exited 0 with "uptime 100 % ok" for everyone
    p = tmp_path / "tickets.json"
    p.write_text(json.dumps({"tickets": [{"id": 1, "status": "open"}], "next_page": None},
                            indent=2))
    with pytest.raises(DataError) as info:
        read_tickets(p)
    text = str(info.value)
    assert "a JSON document, not JSON Lines" in text
    assert "tickets" in text and "mapping" in text
    r = CliRunner().invoke(main, ["evaluate", "tests/data/fixtures/tools/helpdesk.sla",
                                  "--tickets", str(p), "--period", "2026-07"])
    assert r.exit_code == 2
    assert "not JSON Lines" in r.output


# -- JSON through a mapping -----------------------------------------------------------------

def _mapping(tmp_path, text: str):
    m = tmp_path / "m.yaml"
    m.write_text(text)
    return m


def test_records_paths_and_nested_events_with_a_condition(tmp_path):
    doc = {"issues": [
        {"key": "SD-1", "fields": {"org": {"name": "Alfa Srl"}, "created": "2026-07-01T08:00:00Z",
                                   "priority": {"name": "High"}},
         "changelog": {"histories": [
             {"created": "2026-07-01T09:00:00Z", "items": [
                 {"field": "assignee", "toString": "Ann"},
                 {"field": "status", "toString": "In Progress"}]},
             {"created": "2026-07-01T10:00:00Z", "items": [
                 {"field": "status", "toString": "Done"}]}]}},
        {"key": "SD-2", "fields": {"org": None, "created": "2026-07-01T08:00:00Z"}},
        "not an object",
    ]}
    p = tmp_path / "issues.json"
    p.write_text(json.dumps(doc, indent=1))
    m = _mapping(tmp_path, """
mapping: 1
shape: ticket
source: {format: json, records: issues}
fields: {id: key, customer: fields.org.name, priority: fields.priority.name,
         created_at: fields.created}
events_source:
  records: issues
  unnest:
    - {as: history, path: record.changelog.histories}
    - {as: item, path: "history.items[?field=='status']"}
events: {ticket_id: record.key, at: history.created, status: item.toString}
values: {status: {In Progress: in_progress, Done: resolved}, priority: {High: P2}}
""")
    t = read_tickets(p, mapping=m)
    assert t.id.tolist() == ["SD-1"]
    assert t.priority.values().tolist() == ["P2"]
    assert t.event_status.values().tolist() == ["in_progress", "resolved"]
    assert [(r.file, r.row, r.field, r.reason) for r in t.rejected] == [
        (str(p), 2, "customer", "missing customer"),
        (str(p), 3, None, "a record must be a JSON object")]


def test_json_lines_through_a_mapping_name_the_broken_line(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps({"n": 1, "c": "Alfa Srl", "at": "2026-07-01T08:00:00Z"}) + "\n"
                 + "{broken\n\n"
                 + json.dumps({"n": 2, "c": "Alfa Srl", "at": "2026-07-01T08:00:00Z"}) + "\n")
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nfields: {id: n, customer: c, "
                           "created_at: at}\n")
    t = read_tickets(p, mapping=m)
    assert t.id.tolist() == ["1", "2"]
    assert t.source_row.tolist() == [1, 4]
    (r,) = t.rejected
    assert (r.file, r.row) == (str(p), 2)
    assert r.reason.startswith("invalid JSON")


def test_a_missing_records_path_lists_what_the_document_has(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"results": [], "count": 0}))
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nsource: {format: json, records: "
                           "tickets}\nfields: {id: id}\n")
    with pytest.raises(DataError, match="no 'tickets' in the document \\(it has: results, count"):
        read_tickets(p, mapping=m)


def test_an_invalid_path_is_named(tmp_path):
    p = tmp_path / "t.json"
    p.write_text("[]")
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nfields: {id: 'a[?'}\n")
    with pytest.raises(DataError, match="invalid path 'a\\[\\?'"):
        read_tickets(p, mapping=m)


def test_lookup_into_another_file_and_a_format_declared(tmp_path):
    (tmp_path / "orgs.csv").write_text("org_id,org_name\n7,Alfa Srl\n8,Beta SpA\n")
    p = tmp_path / "tickets.export"  # no telling suffix: the mapping says CSV
    p.write_text("id;org;created\nT1;8;2026-07-01T08:00:00Z\nT2;9;2026-07-01T08:00:00Z\n")
    m = _mapping(tmp_path, """
mapping: 1
shape: ticket
source: {format: csv, delimiter: ";"}
fields: {id: id, customer: {lookup: orgs, key: org}, created_at: created}
lookups:
  orgs: {file: orgs.csv, key: org_id, value: org_name}
""")
    t = read_tickets(p, mapping=m)
    assert t.customer.values().tolist() == ["Beta SpA"]
    assert [(r.row, r.field) for r in t.rejected] == [(3, "customer")]


def test_an_unknown_lookup_is_named(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps([{"id": 1}]))
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nfields: {id: id, customer: "
                           "{lookup: orgs, key: org}}\n")
    with pytest.raises(DataError, match="no lookup named 'orgs'"):
        read_tickets(p, mapping=m)


def test_gzipped_page_files_through_a_mapping(tmp_path):
    for k, ids in ((1, [1, 2]), (2, [3])):
        doc = {"tickets": [{"id": i, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z"}
                           for i in ids]}
        (tmp_path / f"p{k}.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    (tmp_path / "p2.json.gz").write_bytes(gzip.compress(json.dumps({"tickets": [
        {"id": 3, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z"},
        {"id": 1, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z"}]}).encode()))
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nsource: {format: json, records: "
                           "tickets}\nfields: {id: id, customer: org, created_at: at}\n")
    t = read_tickets(tmp_path / "p*.json.gz", mapping=m)
    assert t.id.tolist() == ["1", "2", "3"]
    (r,) = t.rejected  # the repeated id, named in its own page file and record
    assert (r.file, r.row, r.field) == (str(tmp_path / "p2.json.gz"), 2, "id")
    assert "duplicate ticket id '1'" in r.reason


# -- Excel ----------------------------------------------------------------------------------

def test_excel_sheet_by_name_and_a_header_below_a_title(tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra is not installed")
    import datetime as dt

    book = openpyxl.Workbook()
    book.active.title = "Summary"
    sheet = book.create_sheet("Tickets")
    sheet.append(["Ticket report, July 2026"])
    sheet.append([])
    sheet.append(["Nr", "Company", "Opened", None])
    sheet.append([1001, "Alfa Srl", dt.datetime(2026, 7, 1, 9, 0)])
    sheet.append([1002, None, dt.datetime(2026, 7, 1, 9, 0)])
    p = tmp_path / "report.xlsx"
    book.save(p)
    m = _mapping(tmp_path, """
mapping: 1
shape: ticket
source: {format: xlsx, sheet: Tickets, header_row: 3}
timestamps: {timezone: Europe/Rome}
fields: {id: Nr, customer: Company, created_at: Opened}
""")
    t = read_tickets(p, mapping=m)
    assert t.id.tolist() == ["1001"]
    assert t.created_at.tolist() == [int(dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC)
                                         .timestamp())]
    assert [(r.row, r.field) for r in t.rejected] == [(5, "customer")]
    bad = _mapping(tmp_path, "mapping: 1\nshape: ticket\nsource: {format: xlsx, sheet: Nope}\n"
                             "fields: {id: Nr}\n")
    with pytest.raises(DataError, match="no sheet 'Nope' \\(sheets: Summary, Tickets\\)"):
        read_tickets(p, mapping=bad)


def test_a_file_that_is_not_a_workbook(tmp_path):
    pytest.importorskip("openpyxl", reason="the xlsx extra is not installed")
    p = tmp_path / "t.xlsx"
    p.write_text("id,customer\n")
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nfields: {id: id}\n")
    with pytest.raises(DataError, match="not an Excel workbook"):
        read_tickets(p, mapping=m)


# -- Parquet --------------------------------------------------------------------------------

EVENTS = [{"at": "2026-07-01T09:20:00Z", "status": "in_progress", "priority": None},
          {"at": "2026-07-01T10:00:00Z", "status": "waiting_on_customer", "priority": None},
          {"at": "2026-07-01T11:00:00Z", "status": None, "priority": "P2"},
          {"at": "2026-07-01T12:00:00Z", "status": "resolved", "priority": None}]
CANONICAL = [
    {**TICKET, "category": "incident", "first_response_at": "2026-07-01T09:20:00Z",
     "resolved_at": "2026-07-01T12:00:00Z", "events": EVENTS, "impact": "high"},
    {**TICKET, "id": "T-2", "customer": "Beta SpA", "events": [], "impact": None},
    {**TICKET, "id": "T-1", "events": []},             # a repeated id: refused
    {**TICKET, "id": "T-3", "created_at": "yesterday", "events": []},
]


def _same(a, b) -> None:
    for name in ("id", "created_at", "first_response_at", "resolved_at", "event_offsets",
                 "event_at", "source_row"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist(), name
    for name in ("customer", "priority", "category", "event_status", "event_priority"):
        assert getattr(a, name).values().tolist() == getattr(b, name).values().tolist(), name
    assert a.extra["impact"].tolist() == b.extra["impact"].tolist()
    assert [(r.row, r.field, r.reason) for r in a.rejected] == [
        (r.row, r.field, r.reason) for r in b.rejected]


def test_parquet_with_nested_events_reads_as_json_lines_do(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    jl = tmp_path / "t.jsonl"
    jl.write_text("".join(json.dumps(r) + "\n" for r in CANONICAL))
    event = pa.struct([("at", pa.string()), ("status", pa.string()),
                       ("priority", pa.string())])
    cols = {k: [r.get(k) for r in CANONICAL] for k in ("id", "customer", "priority",
            "category", "created_at", "first_response_at", "resolved_at", "impact")}
    table = pa.table({**{k: pa.array(v, pa.string()) for k, v in cols.items()},
                      "events": pa.array([r["events"] for r in CANONICAL], pa.list_(event))})
    pq.write_table(table, tmp_path / "t.parquet")
    _same(read_tickets(tmp_path / "t.parquet"), read_tickets(jl))


def test_parquet_timestamps_and_an_events_file(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

    stamp = pa.timestamp("ms", "UTC")
    pq.write_table(pa.table({
        "id": ["T-1", "T-2"], "customer": ["Alfa Srl", "Beta SpA"],
        "created_at": pa.array([at("2026-07-01T09:00:00Z"), at("2026-07-01T10:00:00Z")], stamp),
    }), tmp_path / "t.parquet")
    pq.write_table(pa.table({
        "ticket_id": ["T-2", "T-1", "T-9"],
        "at": pa.array([at(e) for e in ("2026-07-01T11:00:00Z", "2026-07-01T09:30:00Z",
                                        "2026-07-01T09:30:00Z")], stamp),
        "status": ["in_progress", "resolved", "resolved"],
    }), tmp_path / "e.parquet")
    t = read_tickets(tmp_path / "t.parquet", tmp_path / "e.parquet")
    assert t.event_offsets.tolist() == [0, 1, 2]
    assert t.event_status.values().tolist() == ["resolved", "in_progress"]
    (r,) = t.rejected
    assert (r.file, r.row, r.field) == (str(tmp_path / "e.parquet"), 3, "ticket_id")


def test_parquet_naive_timestamps_are_refused(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["T-1"], "customer": ["Alfa Srl"],
                             "created_at": pa.array([dt.datetime(2026, 7, 1, 9)],
                                                    pa.timestamp("s"))}), tmp_path / "t.parquet")
    with pytest.raises(DataError, match="timestamps without a time zone"):
        read_tickets(tmp_path / "t.parquet")


def test_parquet_through_a_mapping(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"Key": [1, 2], "Org": ["Alfa Srl", None],
                             "Opened": ["2026-07-01 09:00", "2026-07-01 09:00"],
                             "Urgent": [True, False]}), tmp_path / "x.parquet")
    m = _mapping(tmp_path, """
mapping: 1
shape: ticket
timestamps: {format: "%Y-%m-%d %H:%M", timezone: UTC}
fields: {id: Key, customer: Org, created_at: Opened}
extra: {urgent: Urgent}
""")
    t = read_tickets(tmp_path / "x.parquet", mapping=m)
    assert t.id.tolist() == ["1"]
    assert t.extra["urgent"].tolist() == ["true"]
    assert [(r.row, r.field) for r in t.rejected] == [(2, "customer")]  # no header row


def test_heavy_libraries_load_only_for_their_format(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps(TICKET) + "\n")
    code = ("import sys; from slalang.data import read_tickets; read_tickets(sys.argv[1]); "
            "print(sorted(m for m in ('openpyxl', 'sqlalchemy', 'jmespath', 'pyarrow.parquet')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_zipped_csv_is_read_whole_even_when_chunks_are_asked_for(tmp_path):
    p = tmp_path / "t.csv.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("t.csv", "id,customer,priority,created_at\nT1,Alfa Srl,P1,"
                            "2026-07-01T08:00:00Z\n")
    r = CliRunner().invoke(main, ["evaluate", "tests/data/fixtures/tools/helpdesk.sla",
                                  "--tickets", str(p), "--chunk-rows", "10",
                                  "--period", "2026-07"])
    assert r.exit_code == 0, r.output
    assert "evaluating in memory: a zip archive is read whole" in r.output
    assert "tickets 1" in r.output


def test_ignore_rules_on_json_paths_count_and_name_the_record(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"tickets": [
        {"id": 1, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z", "via": {"channel": "web"}},
        {"id": 2, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z", "via": {"channel": "api"}},
        {"id": 3, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z", "via": {"channel": "api"}},
    ]}, indent=2))
    m = _mapping(tmp_path, """
mapping: 1
shape: ticket
source: {format: json, records: tickets}
fields: {id: id, customer: org, created_at: at}
ignore:
  - {column: via.channel, equals: api}     # monitoring alerts opened through the API
""")
    t = read_tickets(p, mapping=m)
    assert t.id.tolist() == ["1"]
    (skipped,) = t.ignored
    assert (skipped.file, skipped.rows, skipped.first_row) == (str(p), 2, 2)
    assert t.rejected == []


def test_an_event_log_from_json_lines(tmp_path):
    # a row per activity (the help-desk log shape), folded into tickets
    rows = [
        {"ticket": "A", "org": "Alfa Srl", "when": "2026-07-01T08:00:00Z", "state": "Open"},
        {"ticket": "A", "org": "Alfa Srl", "when": "2026-07-01T09:00:00Z", "state": "Solved"},
        {"ticket": "B", "org": "Alfa Srl", "when": "never", "state": "Open"},
        {"ticket": "B", "org": "Alfa Srl", "when": "2026-07-01T10:00:00Z", "state": "Open"},
    ]
    p = tmp_path / "log.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    m = _mapping(tmp_path, """
mapping: 1
shape: event_log
fields: {id: ticket, customer: org}
event_log: {at: when, status: state}
values: {status: {Open: in_progress, Solved: resolved}}
""")
    t = read_tickets(p, mapping=m)
    assert t.id.tolist() == ["A", "B"]
    assert t.resolved_at[0] == 1782896400  # 09:00Z
    assert t.source_row.tolist() == [1, 4]
    (r,) = t.rejected
    assert (r.file, r.row, r.field) == (str(p), 3, "when")


def test_page_files_whose_every_row_is_rejected_say_so(tmp_path):
    for k in (1, 2):
        (tmp_path / f"p{k}.json").write_text(json.dumps({"tickets": [{"id": k}]}))
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nsource: {format: json, records: "
                           "tickets}\nfields: {id: id, customer: org, created_at: at}\n")
    with pytest.raises(DataError) as info:
        read_tickets(tmp_path / "p*.json", mapping=m)
    assert "no records" not in str(info.value)
    assert "rejected" in str(info.value)


def test_a_path_that_fails_on_one_record_refuses_that_record(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps([
        {"id": 1, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z", "tags": ["a", "b"]},
        {"id": 2, "org": "Alfa Srl", "at": "2026-07-01T08:00:00Z", "tags": 7},
    ]))
    m = _mapping(tmp_path, "mapping: 1\nshape: ticket\nfields: {id: id, customer: org, "
                           "created_at: at}\nextra: {tag_count: 'length(tags[])'}\n")
    t = read_tickets(p, mapping=m)
    assert t.id.tolist() == ["1"] and t.extra["tag_count"].tolist() == ["2"]
    (r,) = t.rejected
    assert (r.file, r.row) == (str(p), 2)
    assert r.reason.startswith("a path cannot be read on this record")


def test_downtime_from_a_json_document_and_from_excel(tmp_path):
    from slalang.data import read_downtime

    p = tmp_path / "outages.json"
    p.write_text(json.dumps({"outages": [
        {"org": "Alfa Srl", "svc": "email", "from": "2026-07-04T10:00:00Z",
         "to": "2026-07-04T10:50:00Z"},
        {"org": "Alfa Srl", "svc": "email", "from": "2026-07-05T10:00:00Z", "to": None},
    ]}, indent=2))
    m = _mapping(tmp_path, """
mapping: 1
shape: ticket
source: {format: json, records: outages}
fields: {id: org}
downtime: {customer: org, service: svc, start: from, end: to, kind: {constant: unplanned}}
""")
    d = read_downtime(p, mapping=m)
    assert [r.seconds for r in d.records] == [3000]
    assert [(r.row, r.field) for r in d.rejected] == [(2, "end")]
    openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra is not installed")
    import datetime as dt

    book = openpyxl.Workbook()
    book.active.append(["Customer", "Service", "Start", "End"])
    book.active.append(["Alfa Srl", "email", dt.datetime(2026, 7, 4, 12), dt.datetime(2026, 7, 4,
                                                                                    13)])
    book.save(tmp_path / "outages.xlsx")
    x = _mapping(tmp_path, """
mapping: 1
shape: ticket
timestamps: {timezone: Europe/Rome}
fields: {id: Customer}
downtime: {customer: Customer, service: Service, start: Start, end: End,
           kind: {constant: unplanned}}
""")
    d = read_downtime(tmp_path / "outages.xlsx", mapping=x)
    assert [r.seconds for r in d.records] == [3600]
