"""``mapping check`` counts an export as ``evaluate`` reads it: a ticket with a status event
before its creation is refused by both. Before, check said "0 rejected ... mapping ok"
(exit 0) of an export evaluate refused in part (on the first 2,000 ServiceNow rows: 293
tickets and 2 rejected against 290 and 5)."""

from __future__ import annotations

from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

MAPPING = """mapping: 1
shape: event_log
timestamps: {format: "%Y-%m-%d %H:%M", timezone: Europe/Rome}
fields: {id: id, customer: {constant: Alfa Srl}, priority: prio, created_at: opened}
event_log: {at: at, status: state}
values:
  status: {New: new, Done: resolved}
  priority: {U: P1}
"""
LOG = """id,prio,opened,at,state
A1,U,2026-07-01 09:00,2026-07-01 08:00,New
A1,U,2026-07-01 09:00,2026-07-01 10:00,Done
A2,U,2026-07-01 09:00,2026-07-01 09:00,New
A2,U,2026-07-01 09:00,2026-07-01 10:00,Done
"""


def test_check_counts_as_evaluate_reads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "log.csv").write_text(LOG, encoding="utf-8")
    check = CliRunner().invoke(main, ["mapping", "check", "m.yaml", "log.csv", "--rows", "0"])
    evaluate = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "reference.sla"),
                                         "--tickets", "log.csv", "--mapping", "m.yaml",
                                         "--period", "2026-07"])
    line = "input: 4 update rows read, folded into 1 tickets evaluated; 0 ignored, 1 rejected"
    assert check.stdout.startswith(line)
    assert evaluate.stdout.splitlines()[1].startswith(line)
    assert "before creation" in check.stdout and "e.g. log.csv:2" in check.stdout
    assert "mapping ok" not in check.stdout


def test_check_names_an_ignore_rule_that_skipped_nothing(tmp_path, monkeypatch):
    """``equals: 01`` is the number 1 to YAML, which no cell "01" equals: the rows meant to
    be left out were measured, and nothing said so."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(
        "mapping: 1\nshape: ticket\nfields: {id: id, customer: cust, created_at: opened}\n"
        "ignore:\n  - {column: code, equals: 01}\n  - {column: code, equals: '02'}\n",
        encoding="utf-8")
    (tmp_path / "t.csv").write_text(
        "id,cust,opened,code\nA1,Alfa Srl,2026-07-01T09:00:00+02:00,01\n"
        "A2,Alfa Srl,2026-07-01T09:00:00+02:00,02\n", encoding="utf-8")
    check = CliRunner().invoke(main, ["mapping", "check", "m.yaml", "t.csv", "--rows", "0"])
    assert "ignore rules that skipped no row" in check.stdout
    assert "  code = '1'\n" in check.stdout and "code = '02'" not in check.stdout.split(
        "ignore rules that skipped no row")[1]
