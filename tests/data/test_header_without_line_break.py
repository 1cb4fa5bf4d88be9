"""A file of no rows whose header has no line break (an export of nothing, written without
its final newline): the in-memory reader failed with pyarrow's "Empty CSV file or block:
cannot infer number of columns", where the chunked engine and `slalang convert` read it.
Found by differential fuzzing of the engines."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

TICKETS = ("id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
           "T1,Alfa Srl,Gold,P2,2026-07-01T09:00:00+02:00,2026-07-01T09:10:00+02:00,"
           "2026-07-01T11:00:00+02:00\n")


@pytest.mark.parametrize("engine", ["memory", "chunks"])
def test_header_only_events_and_downtime_without_a_line_break(tmp_path, engine):
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "e.csv").write_text("ticket_id,at,status", encoding="utf-8")
    (tmp_path / "d.csv").write_text("customer,service,start,end,kind", encoding="utf-8")
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"), "--tickets",
        str(tmp_path / "t.csv"), "--events", str(tmp_path / "e.csv"), "--downtime",
        str(tmp_path / "d.csv"), "--period", "2026-07", "--engine", engine, "-q"])
    assert r.exit_code == 0, r.output
    assert "tickets 1, excluded 0" in r.output
