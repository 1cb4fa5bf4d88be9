"""The first mistakes a user makes with a real export are said with what to do: a tool's
export given without a mapping, a tickets file given as the events, a semicolon file read
as commas in the wrong encoding. They said "missing column 'id'" with a list of 36 columns,
and the third named the whole header line as the field."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

POLICY = str(ROOT / "policies" / "reference.sla")
EXPORT = "number,incident_state,priority,opened_at\nINC1,New,1 - Critical,29/2/2016 04:40\n"
TICKETS = ("id,customer,tier,priority,created_at\n"
           "T1,Alfa Srl,Gold,P1,2026-07-01T09:00:00+02:00\n")


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["evaluate", POLICY, *args, "--period", "2026-07"])
    return r.exit_code, r.output


@pytest.mark.parametrize("engine", ["memory", "chunks"])
def test_a_tool_export_without_a_mapping_is_pointed_to_one(tmp_path, engine):
    (tmp_path / "x.csv").write_text(EXPORT, encoding="utf-8")
    code, out = _run("--tickets", str(tmp_path / "x.csv"), "--engine", engine)
    assert code == 2
    assert out.strip().endswith(
        "no column of the canonical form: a tool's export is read through a mapping "
        f"(--mapping FILE; slalang mapping init {tmp_path / 'x.csv'} drafts one) (field 'id')")


@pytest.mark.parametrize("engine", ["memory", "chunks"])
def test_a_tickets_file_given_as_the_events_is_said(tmp_path, engine):
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    code, out = _run("--tickets", str(tmp_path / "t.csv"), "--events", str(tmp_path / "t.csv"),
                     "--engine", engine)
    assert code == 2
    assert "it looks like a tickets file: give it as --tickets, and the status events " \
           "(ticket_id,at,status) as --events (field 'ticket_id')" in out
    # a tool's export given as the events is pointed to a mapping as well
    (tmp_path / "x.csv").write_text(EXPORT, encoding="utf-8")
    code, out = _run("--tickets", str(tmp_path / "t.csv"), "--events", str(tmp_path / "x.csv"),
                     "--engine", engine)
    assert code == 2 and "a tool's export is read through a mapping" in out


def test_a_semicolon_file_in_latin1_read_as_commas_names_the_separator(tmp_path):
    (tmp_path / "x.csv").write_bytes("Case;Città;Opened\nC1;Forlì;01/07/2026\n"
                                     .encode("latin-1"))
    (tmp_path / "m.yaml").write_text("mapping: 1\nshape: ticket\nfields: {id: Case}\n")
    code, out = _run("--tickets", str(tmp_path / "x.csv"), "--mapping", str(tmp_path / "m.yaml"))
    assert code == 2
    assert "the header reads as one column: the file looks delimited by ';', which a mapping " \
           "names as csv: {delimiter: ';'}" in out
    assert "(field" not in out  # the whole header line is no field


@pytest.mark.parametrize("engine", ["memory", "chunks"])
def test_a_header_that_is_not_utf8_is_said_with_its_row(tmp_path, engine):
    """pyarrow took the bad byte into a column's name, and reading the names failed later
    with Python's own "'utf-8' codec can't decode byte 0xe0 in position 9", no file, no row."""
    (tmp_path / "y.csv").write_bytes(b"id,Citt\xe0,created_at\nC1,x,2026-07-01T09:00:00Z\n")
    code, out = _run("--tickets", str(tmp_path / "y.csv"), "--engine", engine)
    assert code == 2
    assert out.startswith(f"error: {tmp_path / 'y.csv'}:1: not UTF-8 text: byte 0xe0 cannot be "
                          "decoded; re-export the file as UTF-8"), out
