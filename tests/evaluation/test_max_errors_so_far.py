"""``--max-errors`` on the chunked engine, which stops as soon as the limit is passed: the
count it says is a floor, never a number smaller than the rows the input refuses.

Before: with a row without id and a ticket whose event comes before its creation (found only
in the last pass), the in-memory engine said "2 row(s) rejected" and the chunked one "1 row(s)
rejected", both as exact counts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

TICKETS = (
    "id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
    ",CA,Gold,P1,2024-01-02T09:00:00+01:00,2024-01-02T09:10:00+01:00,2024-01-02T12:00:00+01:00\n"
    "E1,CA,Gold,P1,2024-01-06T09:00:00+01:00,2024-01-06T09:10:00+01:00,2024-01-06T12:00:00+01:00\n"
    "E2,CA,Gold,P1,2024-01-06T09:00:00+01:00,2024-01-06T09:10:00+01:00,2024-01-06T12:00:00+01:00\n")
EVENTS = "ticket_id,at,status\nE1,2024-01-06T08:00:00+01:00,waiting_on_customer\n"


@pytest.mark.parametrize(("engine", "said"), [
    ("memory", "2 row(s) rejected, more than the 0 allowed; the first: missing ticket id"),
    ("chunks", "at least 1 row(s) rejected, more than the 0 allowed; one of them: missing "
               "ticket id"),
])
def test_the_count_of_an_early_stop_is_a_floor(tmp_path, engine, said):
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "e.csv").write_text(EVENTS, encoding="utf-8")
    r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                  "--tickets", str(tmp_path / "t.csv"), "--events",
                                  str(tmp_path / "e.csv"), "--as-of", "2030-01-01T00:00:00Z",
                                  "--engine", engine, "--max-errors", "0"])
    assert r.exit_code == 2
    assert r.output == f"error: {tmp_path / 't.csv'}:2: {said} (field 'id')\n"
