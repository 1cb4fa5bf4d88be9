"""Issue 9 regressions on the data side: inputs that crashed, stopped or miscounted a run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from slalang.data import read_downtime, read_tickets
from slalang.data.mapping import load_mapping
from slalang.errors import DataError

GOOD = {"id": "T-1", "customer": "Alfa Srl", "priority": "P1",
        "created_at": "2026-07-01T09:00:00+02:00"}


def _jsonl(tmp_path, lines: list[str]) -> str:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def test_deeply_nested_extra_field_is_a_rejected_line_not_a_crash(tmp_path):
    # 100,000 levels crashed pyarrow's JSON reader (exit 139): run it in a child process so a
    # regression fails this test instead of killing the test run
    deep = json.dumps(GOOD)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = _jsonl(tmp_path, [json.dumps({**GOOD, "id": "T-0"}), deep])
    code = ("import sys; from slalang.data import read_tickets; t = read_tickets(sys.argv[1]); "
            "print(t.id.tolist(), [(r.row, r.reason) for r in t.rejected])")
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['T-0'] [(2, 'JSON nested deeper than 200 levels')]"


def test_moderate_nesting_is_kept(tmp_path):
    nested = {**GOOD, "x": [[[["a"]]]]}
    t = read_tickets(_jsonl(tmp_path, [json.dumps(nested)]))
    assert t.n == 1 and t.extra["x"].tolist() == [[[[["a"]]]]]


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"id": ["T-1"]}, "id", "id must be text, not a list"),
    ({"id": {"n": 1}}, "id", "id must be text, not an object"),
    ({"id": True}, "id", "id must be text, not a boolean"),
    ({"customer": {"name": "Alfa"}}, "customer", "customer must be text, not an object"),
    ({"events": {}}, "events", "events must be a list"),
    ({"events": [{"at": "2026-07-01T10:00:00+02:00", "status": ["x"]}]}, "events[0].status",
     "status must be text, not a list"),
])
def test_json_values_of_the_wrong_kind_are_rejected_with_the_field(tmp_path, change, field,
                                                                    reason):
    t = read_tickets(_jsonl(tmp_path, [json.dumps({**GOOD, "id": "T-0"}),
                                       json.dumps({**GOOD, **change})]))
    assert t.id.tolist() == ["T-0"]
    assert [(r.row, r.field, r.reason) for r in t.rejected] == [(2, field, reason)]


def test_a_number_id_is_still_read_as_text(tmp_path):
    t = read_tickets(_jsonl(tmp_path, [json.dumps({**GOOD, "id": 7})]))
    assert t.id.tolist() == ["7"]


def test_every_line_is_either_kept_or_rejected(tmp_path):
    lines = [json.dumps({**GOOD, "id": f"T-{k}", "events": events}) for k, events in enumerate([
        [{"at": "2026-07-01T10:00:00+02:00", "status": "in_progress"}],
        [{"at": "2026-07-01T10:00:00+02:00", "status": "in_progress"},
         {"at": "2026-07-01T11:00:00+02:00"}],                      # neither status nor priority
        [{"at": "2026-07-01T10:00:00+02:00", "status": "in_progress"}, "x"],
    ])]
    t = read_tickets(_jsonl(tmp_path, lines))
    assert t.n + len(t.rejected) == len(lines)
    assert t.id.tolist() == ["T-0"]


@pytest.mark.parametrize(("stamp", "year"), [
    ("0000-07-01T09:00:00+02:00", 0), ("0001-01-01T00:00:00+01:00", 0),
    ("9999-12-31T23:00:00-02:00", 10000), ("1899-12-31T12:00:00Z", 1899),
    ("2400-01-01T00:00:00Z", 2400)])
def test_instants_outside_1900_2399_reject_the_row(tmp_path, stamp, year):
    (tmp_path / "t.csv").write_text(
        "id,customer,priority,created_at,resolved_at\n"
        "T1,Alfa Srl,P1,2026-07-01T09:00:00+02:00,\n"
        f"T2,Alfa Srl,P1,2026-07-01T09:00:00+02:00,{stamp}\n")
    t = read_tickets(tmp_path / "t.csv")
    assert t.id.tolist() == ["T1"]
    assert [(r.row, r.field) for r in t.rejected] == [(3, "resolved_at")]
    assert f"year {year}, outside the years 1900-2399" in t.rejected[0].reason


def test_event_and_downtime_instants_outside_the_years_are_rejected(tmp_path):
    line = {**GOOD, "events": [{"at": "2500-01-01T00:00:00Z", "status": "in_progress"}]}
    # a good ticket beside it: a file whose every row is rejected is an error of its own
    t = read_tickets(_jsonl(tmp_path, [json.dumps(line), json.dumps({**GOOD, "id": "T-ok"})]))
    assert [(r.field, r.reason[:16]) for r in t.rejected] == [("events[0].at",
                                                              "instant in year ")]
    (tmp_path / "d.csv").write_text(
        "customer,service,start,end,kind\n"
        "Alfa Srl,email,2026-07-01T09:00:00Z,2026-07-01T10:00:00Z,unplanned\n"
        "Alfa Srl,email,2026-07-01T09:00:00Z,9999-07-01T10:00:00Z,unplanned\n")
    d = read_downtime(tmp_path / "d.csv")
    assert len(d) == 1 and [(r.row, r.field) for r in d.rejected] == [(3, "end")]


def test_a_repeated_csv_column_is_a_data_error(tmp_path):
    (tmp_path / "t.csv").write_text("id,customer,customer,created_at\n"
                                    "T1,A,B,2026-07-01T09:00:00+02:00\n")
    with pytest.raises(DataError, match=r"t.csv:1: column 'customer' appears twice in the "
                                        r"header \(columns 2 and 3\)"):
        read_tickets(tmp_path / "t.csv")


def test_malformed_downtime_rows_are_rejected_alone(tmp_path):
    (tmp_path / "d.csv").write_text(
        "customer,service,start,end,kind\n"
        "Alfa Srl,email,2026-07-01T09:00:00Z\n"
        "Alfa Srl,email,2026-07-01T09:00:00Z,2026-07-01T10:00:00Z,unplanned\n")
    d = read_downtime(tmp_path / "d.csv")
    assert len(d) == 1
    assert [(r.row, r.reason) for r in d.rejected] == [
        (2, "malformed CSV row: 3 field(s) where the header has 5")]


MAPPING = """\
mapping: 1
shape: ticket
csv: {delimiter: ";"%s}
timestamps: {format: %s, timezone: Europe/Rome}
fields:
  id: Key
  customer: {constant: Alfa Srl}
  priority: {constant: P1}
  created_at: Opened
"""


def _mapped(tmp_path, encoding: str = "", fmt: str = '"%d.%m.%Y %H:%M"'):
    (tmp_path / "m.yaml").write_text(MAPPING % (encoding, fmt))
    return tmp_path / "m.yaml"


def test_an_empty_timestamp_format_is_refused(tmp_path):
    # pyarrow's strptime crashes the process on an empty format
    with pytest.raises(DataError, match=r"m.yaml: invalid mapping at timestamps/format"):
        load_mapping(_mapped(tmp_path, fmt='""'))


@pytest.mark.parametrize(("encoding", "message"), [
    ("rot13", "'rot13' is not a text encoding"),
    ("hex", "'hex' is not a text encoding"),
    ("zlib_codec", "'zlib_codec' is not a text encoding"),
    ("klingon", "unknown encoding 'klingon'"),
    ("utf-16", "cannot read the file as utf-16"),
])
def test_csv_encoding_must_be_a_text_codec_that_reads_the_file(tmp_path, encoding, message):
    mapping = _mapped(tmp_path, f", encoding: {encoding}")
    (tmp_path / "t.csv").write_text("Key;Opened\nH-1;01.07.2026 09:00\n")
    with pytest.raises(DataError, match=f"t.csv: {message}"):
        read_tickets(tmp_path / "t.csv", mapping=mapping)


def test_a_utf16_export_reads_through_its_mapping(tmp_path):
    mapping = _mapped(tmp_path, ", encoding: utf-16")
    (tmp_path / "t.csv").write_bytes("Key;Opened\nH-é;01.07.2026 09:00\n".encode("utf-16"))
    assert read_tickets(tmp_path / "t.csv", mapping=mapping).id.tolist() == ["H-é"]


# -- mappings: YAML within bounds ---------------------------------------------------------------

def _laughs(levels: int = 9) -> str:
    lines = ['  l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"  l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]"
              for k in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("extra", "message"), [
    ("values:\n  category:\n    bomb: 1\n" + _laughs(), r"m.yaml:\d+: invalid YAML: more than "
                                                        r"500,000 values once its aliases"),
    ("x: " + "[" * 3000 + "]" * 3000 + "\n", r"m.yaml:\d+: invalid YAML: nested deeper than 64"),
])
def test_hostile_yaml_is_refused_before_it_is_walked(tmp_path, extra, message):
    path = _mapped(tmp_path)
    path.write_text(path.read_text() + extra)
    with pytest.raises(DataError, match=message):
        load_mapping(path)


def test_a_huge_mapping_is_refused_by_its_size(tmp_path):
    path = _mapped(tmp_path)
    path.write_text(path.read_text() + "values:\n  category:\n" + "".join(
        f'    "c{k:07d}": "category number {k}"\n' for k in range(40_000)))
    with pytest.raises(DataError, match=r"m.yaml: the mapping is larger than 1024 KiB"):
        load_mapping(path)


def test_a_mapping_that_is_not_utf8_is_named(tmp_path):
    path = _mapped(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"Alfa Srl", "Caffè".encode("latin-1")))
    with pytest.raises(DataError, match=r"m.yaml:7: the mapping is not UTF-8 text: byte 0xe8"):
        load_mapping(path)


def test_a_mapping_must_be_a_regular_file():
    with pytest.raises(DataError, match="/dev/zero: the mapping must be a regular file"):
        load_mapping("/dev/zero")


def test_aliases_within_bounds_still_work(tmp_path):
    path = _mapped(tmp_path)
    path.write_text(path.read_text().replace("  priority: {constant: P1}\n",
                                             "  priority: &p {constant: P1}\n")
                    + "extra:\n  prio_again: *p\n")
    assert load_mapping(path).extra == {"prio_again": {"constant": "P1"}}


def test_a_time_zone_name_too_long_for_a_file_name_is_unknown(tmp_path):
    path = _mapped(tmp_path)
    path.write_text(path.read_text().replace("Europe/Rome", "A" * 300))
    with pytest.raises(DataError, match=r"m.yaml: unknown time zone 'AAA.*\.\.\.' "
                                        r"\(field 'timestamps.timezone'\)"):
        load_mapping(path)


def test_malformed_rows_through_a_mapping_are_rejected_alone(tmp_path):
    mapping = _mapped(tmp_path)
    (tmp_path / "t.csv").write_text("Key;Opened\nH-1;01.07.2026 09:00\nH-2\n"
                                    'H-3;"01.07.2026 09:00\nH-4;02.07.2026 10:00\n')
    t = read_tickets(tmp_path / "t.csv", mapping=mapping)
    assert t.id.tolist() == ["H-1", "H-4"]
    assert [(r.row, r.field, r.reason) for r in t.rejected] == [
        (3, None, "malformed CSV row: 1 field(s) where the header has 2"),
        (4, None, "malformed CSV row: a quote is never closed")]


def test_malformed_rows_of_an_event_log_are_rejected_alone(tmp_path):
    import gzip
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    lines = gzip.decompress((root / "tests/data/fixtures/uci-sample.csv.gz").read_bytes()
                            ).decode().splitlines(keepends=True)
    (tmp_path / "log.csv").write_text("".join(lines[:30]) + "INC0000045,Resolved,true\n"
                                      + "".join(lines[30:]))
    whole = read_tickets(root / "tests/data/fixtures/uci-sample.csv.gz",
                         mapping=root / "mappings/servicenow-uci.yaml")
    t = read_tickets(tmp_path / "log.csv", mapping=root / "mappings/servicenow-uci.yaml")
    assert (31, "malformed CSV row: 3 field(s) where the header has 36") in [
        (r.row, r.reason) for r in t.rejected]
    assert t.n == whole.n
