"""An input whose every ticket is invalid (an unknown customer) measured nothing: every verb
says so (exit 2, the first invalid ticket named), as ``calibrate`` did. Before, ``report``
exited 0 with "Every customer met every objective." and ``diff`` with "replayed on 1
tickets"; ``evaluate`` printed a month of n/a."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

REFERENCE = str(ROOT / "policies" / "reference.sla")


@pytest.fixture
def tickets(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text("id,customer,priority,created_at,first_response_at,resolved_at\n"
                    "A1,Nobody,P1,2026-07-01T09:00:00+02:00,2026-07-01T09:10:00+02:00,"
                    "2026-07-01T10:00:00+02:00\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("verb", [
    ["evaluate", REFERENCE], ["report", REFERENCE, "--portfolio", "-o", "OUT/p.md"],
    ["report", REFERENCE, "-o", "OUT/each/"], ["diff", REFERENCE, REFERENCE, "-o", "OUT/d.txt"],
])
def test_every_ticket_invalid_measured_nothing(tmp_path, tickets, verb):
    args = [a.replace("OUT", str(tmp_path / "out")) for a in verb]
    r = CliRunner().invoke(main, [*args, "--tickets", str(tickets), "--period", "2026-07",
                                  "--quiet"])
    assert r.exit_code == 2, r.output
    assert "all 1 ticket(s) of 2026-07 are invalid" in r.output
    assert "unknown customer 'Nobody'" in r.output and "nothing was measured" in r.output
    assert not (tmp_path / "out").exists()


BROKEN = ROOT / "tests" / "evaluation" / "fixtures" / "explain"


@pytest.mark.parametrize("verb", [
    ["calibrate", "--policy", REFERENCE, "-o", "OUT/c.txt"],
    ["diff", REFERENCE, REFERENCE, "-o", "OUT/d.txt"],
])
def test_rejected_rows_are_said_by_the_verbs_that_do_not_list_them(tmp_path, verb):
    """``calibrate`` and ``diff`` measured the rows kept and said nothing of the others."""
    args = [a.replace("OUT", str(tmp_path / "out")) for a in verb]
    r = CliRunner().invoke(main, [*args, "--tickets", str(BROKEN / "broken.csv"), "--events",
                                  str(BROKEN / "broken-events.csv"), "--period", "2026-07",
                                  "--quiet"])
    assert r.exit_code == 0, r.output
    assert "input row(s) were rejected and not measured; the first: " in r.stderr
    assert "broken.csv:" in r.stderr


@pytest.mark.parametrize("verb", [
    ["calibrate", "--policy", REFERENCE, "-o", "OUT/c.txt"],
    ["diff", REFERENCE, REFERENCE, "-o", "OUT/d.txt"],
])
def test_max_errors_stops_the_verbs_that_do_not_list_rejected_rows(tmp_path, verb):
    """As ``evaluate`` and ``report``: they had no --max-errors."""
    args = [a.replace("OUT", str(tmp_path / "out")) for a in verb]
    common = ["--tickets", str(BROKEN / "broken.csv"), "--events",
              str(BROKEN / "broken-events.csv"), "--period", "2026-07", "--quiet"]
    r = CliRunner().invoke(main, [*args, *common, "--max-errors", "1"])
    assert r.exit_code == 2, r.output
    assert "row(s) rejected, more than the 1 allowed; the first: " in r.output
    assert not (tmp_path / "out").exists()
    assert CliRunner().invoke(main, [*args, *common, "--max-errors", "100"]).exit_code == 0
