"""``explain`` finds the rows about a ticket as a person copies them: an id with the
invisible characters the export wrote around it, and a refused event whose reason names no
ticket (an unreadable instant). Before: "no ticket '\\u200bT1'", and the ticket explained as
if it never paused, with no note of the event refused."""

from __future__ import annotations

import json

from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

TICKETS = ("id,customer,priority,created_at,first_response_at,resolved_at\n"
           "\u200bT1,Alfa Srl,P3,2026-07-01T09:00:00+02:00,2026-07-01T09:10:00+02:00,"
           "2026-07-03T10:00:00+02:00\n"
           "T10,Alfa Srl,P3,2026-07-05T09:00:00+02:00,,\n")
EVENTS = ("ticket_id,at,status\n"
          "T1,2026-07-01T09:10:00+02:00,in_progress\n"
          "T1,2026-07-01 11:00,waiting_on_customer\n"
          "T10,2026-07-05 11:00,waiting_on_customer\n"
          "T1,2026-07-02T16:00:00+02:00,in_progress\n")


def _explain(tmp_path, ticket: str):
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "e.csv").write_text(EVENTS, encoding="utf-8")
    return CliRunner().invoke(main, [
        "explain", str(ROOT / "policies" / "reference.sla"), "--tickets", str(tmp_path / "t.csv"),
        "--events", str(tmp_path / "e.csv"), "--ticket", ticket, "--period", "2026-07",
        "--format", "json"])


def test_an_id_copied_with_its_invisible_characters_is_found(tmp_path):
    r = _explain(tmp_path, "\u200bT1\u00a0")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["ticket"] == "T1"


def test_a_refused_event_of_the_ticket_is_noted(tmp_path):
    r = _explain(tmp_path, "T1")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["rejected_rows"]
    assert rows == [f"{tmp_path / 'e.csv'}:3: naive timestamp '2026-07-01 11:00' (no UTC "
                    "offset); give its time zone in a mapping (field 'at')"]  # not T10's row


def test_explain_takes_a_pattern_of_page_files_and_names_a_missing_one(tmp_path, monkeypatch):
    """As every other verb: a mapped export of page files (it refused the pattern, "Path
    'page*.csv' does not exist"); and a missing file is said so, not with pyarrow's words."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "map.yaml").write_text(
        "mapping: 1\nshape: ticket\ntimestamps: {format: '%Y-%m-%d %H:%M', timezone: "
        "Europe/Rome}\nfields: {id: id, customer: cust, priority: prio, created_at: opened, "
        "first_response_at: resp}\n", encoding="utf-8")
    for k, tid in ((1, "A1"), (2, "A2")):
        (tmp_path / f"page{k}.csv").write_text(
            f"id,cust,prio,opened,resp\n{tid},Alfa Srl,P1,2026-07-0{k} 09:00,2026-07-0{k} "
            "09:10\n", encoding="utf-8")
    policy = str(ROOT / "policies" / "reference.sla")
    r = CliRunner().invoke(main, ["explain", policy, "--tickets", "page*.csv", "--mapping",
                                  "map.yaml", "--ticket", "A2", "--period", "2026-07"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("ticket A2: customer Alfa Srl")
    r = CliRunner().invoke(main, ["explain", policy, "--tickets", "nowhere.csv", "--ticket",
                                  "A2"])
    assert r.exit_code == 2 and r.output == "error: nowhere.csv: no such file or directory\n"
