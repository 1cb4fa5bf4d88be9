"""`slalang evaluate` on the bundled example (examples/reference): the outcomes its README
intends, end to end through the CLI."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.evaluation.output.json import validate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reference"

pytestmark = pytest.mark.skipif(not (EXAMPLE / "tickets.jsonl").exists(),
                                reason="the bundled example is not there")


def test_the_quarter_owes_975_eur():
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"),
        "--tickets", str(EXAMPLE / "tickets.jsonl"), "--downtime", str(EXAMPLE / "downtime.csv"),
        "--period", "2026-Q3", "--format", "json", "--fail-on", "credit"])
    assert r.exit_code == 1, r.output  # credits are due
    doc = json.loads(r.output)
    validate(doc)
    assert (doc["objectives_missed"], doc["credits_due"]) == (2, 4)
    by = {c["customer"]: c for c in doc["customers"]}
    assert {name: c["credit"]["amount"]["amount"] for name, c in by.items()} == {
        "Alfa Srl": "800.00", "Beta SpA": "125.00", "Gamma Snc": "50.00"}
    assert sum(Decimal(c["credit"]["amount"]["amount"]) for c in by.values()) == Decimal("975")
    months = {(name, m["month"]): m for name, c in by.items() for m in c["months"]}
    alfa_aug = months[("Alfa Srl", "2026-08")]
    assert alfa_aug["uptime"][0]["uptime"] == "99.888"
    assert [ln["reason"] for ln in alfa_aug["credit"]["lines"]] == [
        "email uptime 99.888% < 99.9%"]
    beta_p1 = next(o for o in months[("Beta SpA", "2026-08")]["objectives"]
                   if (o["metric"], o["priority"]) == ("response", "P1"))
    assert (beta_p1["met"], beta_p1["breached"], beta_p1["compliance"]) == (3, 1, "75.00")
    alfa_sep = next(o for o in months[("Alfa Srl", "2026-09")]["objectives"]
                    if (o["metric"], o["priority"]) == ("resolution", "P1"))
    assert (alfa_sep["met"], alfa_sep["breached"], alfa_sep["compliance"]) == (4, 1, "80.00")
    gamma_sep = months[("Gamma Snc", "2026-09")]
    assert gamma_sep["uptime"][0]["uptime"] == "98.819"
    assert gamma_sep["credit"]["amount"] == {"amount": "50.00", "currency": "EUR"}
    assert doc["counts"]["excluded"] == 4
    # the money is stated once for the whole period, as the summary's last line states it
    assert doc["credits_owed"] == [{"amount": "975.00", "currency": "EUR"}]


def test_the_summary_ends_with_the_money_owed():
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"),
        "--tickets", str(EXAMPLE / "tickets.jsonl"), "--downtime", str(EXAMPLE / "downtime.csv"),
        "--period", "2026-Q3"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[-1] == ("credits owed: 975.00 EUR (Alfa Srl 800.00 EUR, Beta SpA 125.00 EUR, "
                         "Gamma Snc 50.00 EUR)")
    assert "Beta SpA (Silver): credit owed 125.00 EUR" in lines


def test_a_period_the_data_does_not_cover_measures_nothing_and_exits_2(tmp_path):
    """277 tickets of 2026-Q3 evaluated for 2027-Q1: nothing measured, no file written."""
    args = [str(ROOT / "policies" / "reference.sla"), "--tickets",
            str(EXAMPLE / "tickets.jsonl"), "--period", "2027-Q1"]
    r = CliRunner().invoke(main, ["evaluate", *args, "--json", str(tmp_path / "e.json")])
    assert r.exit_code == 2
    assert "none of the 277 ticket(s) read was created in 2027-Q1" in r.output
    r = CliRunner().invoke(main, ["report", *args, "-o", str(tmp_path / "reports") + "/"])
    assert r.exit_code == 2 and "nothing was measured" in r.output
    assert list(tmp_path.iterdir()) == []
    # downtime measured in the period is a measurement: a quiet quarter with an outage reports
    down = tmp_path.parent / "down.csv"
    down.write_text("customer,service,start,end,kind,note\nAlfa Srl,email,"
                    "2027-01-12T10:00:00+01:00,2027-01-12T11:00:00+01:00,unplanned,outage\n",
                    encoding="utf-8")
    r = CliRunner().invoke(main, ["evaluate", *args, "--downtime", str(down)])
    assert r.exit_code == 0, r.output
