"""``report --from-json Q3.json --verdicts JULY.csv``: the verdicts of another run are
refused (exit 2, the customer-month where they disagree). Before, the report said "No
ticket went past its target." above a compliance table that counted a September breach and
the credit it caused."""

from __future__ import annotations

from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

POLICY = str(ROOT / "policies" / "reference.sla")
TICKETS = str(ROOT / "examples" / "reference" / "tickets.jsonl")


def _run(*args):
    return CliRunner().invoke(main, list(args))


def test_the_verdicts_of_another_run_are_refused(tmp_path):
    q3, q3_csv, july = tmp_path / "q3.json", tmp_path / "q3.csv", tmp_path / "july.csv"
    assert _run("evaluate", POLICY, "--tickets", TICKETS, "--period", "2026-Q3", "-q",
                "--json", str(q3), "--csv", str(q3_csv)).exit_code in (0, 1)
    assert _run("evaluate", POLICY, "--tickets", TICKETS, "--period", "2026-07", "-q",
                "--csv", str(july)).exit_code in (0, 1)
    report = ["report", "--from-json", str(q3), "--customer", "Alfa Srl", "--format", "md",
              "-q", "-o"]
    ok = _run(*report, str(tmp_path / "ok.md"), "--verdicts", str(q3_csv))
    assert ok.exit_code == 0, ok.output
    r = _run(*report, str(tmp_path / "mixed.md"), "--verdicts", str(july))
    assert r.exit_code == 2
    assert ("the ticket verdicts are not of this evaluation: for Alfa Srl 2026-09 they hold 0 "
            "breached verdict(s), the evaluation counts 1") in r.output
    assert not (tmp_path / "mixed.md").exists()
