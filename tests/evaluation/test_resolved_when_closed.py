"""A ticket closed without a resolution time is resolved when it was closed, on every
engine, and the evaluation says so: the export's closing time is all it has. Before, the
resolution clock ran on to the evaluation instant without a word (a breach, or a ticket
"open" in the report, for an incident closed two minutes after it was opened)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

T = "2026-07-01T09:{}:00+02:00"
TICKETS = "\n".join([
    "id,customer,tier,priority,created_at,first_response_at,resolved_at,closed_at",
    f"A-1,Alfa Srl,Gold,P3,{T.format('00')},{T.format('05')},,{T.format('10')}",
    f"B-1,Alfa Srl,Gold,P3,{T.format('00')},{T.format('05')},{T.format('08')},{T.format('10')}",
    f"C-1,Alfa Srl,Gold,P3,{T.format('00')},{T.format('05')},,", ""])
EVENTS = "ticket_id,at,status\n"


@pytest.mark.parametrize("engine", ["memory", "chunks"])
def test_a_ticket_closed_without_a_resolution_is_resolved_when_closed(tmp_path, engine):
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "e.csv").write_text(EVENTS, encoding="utf-8")
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"), "--tickets",
        str(tmp_path / "t.csv"), "--events", str(tmp_path / "e.csv"), "--period", "2026-07",
        "--engine", engine, "--csv", str(tmp_path / "v.csv"), "--format", "json"])
    assert r.exit_code == 0, r.output
    warned = {w["code"]: w["message"] for w in json.loads(r.stdout)["warnings"]}
    assert warned["resolved-from-closed"] == (
        "1 ticket(s) were closed without a resolution time, in the export or their status "
        "history (e.g. A-1): each was taken as resolved when it was closed")
    rows = [line.split(",") for line in (tmp_path / "v.csv").read_text().splitlines()[1:]]
    resolution = {row[0].strip('"'): row[5] for row in rows if row[4] == '"resolution"'}
    # C-1, never closed, still runs: past its due time by the end of July
    assert resolution == {"A-1": '"met"', "B-1": '"met"', "C-1": '"breached"'}
