"""Uptime credit clauses for one service (``credit 5% when uptime of portal < 99.9%``): parsed,
checked, compiled into the plan, paid by the evaluation, exported, worded in the contract."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from slalang.evaluation.credits import compute_credit
from slalang.evaluation.output.json import clause_subjects
from slalang.evaluation.uptime import UptimeResult
from slalang.language import check, load_policy, parse
from slalang.language.export import export_policy
from slalang.model import Money
from slalang.plan import compile_plan
from slalang.plan.export import plan_to_json
from slalang.render.contract import render_contract

ROOT = Path(__file__).resolve().parents[2]
AUGUST = 31 * 24 * 3600

SOURCE = '''policy "P" {
    version "1"
    effective 2026-01-01
    currency EUR
    period month in "Europe/Rome"
}
calendar always 24x7
priorities { P1 "Critical" }
clock response { starts at created stops at first_response }
label portal "Customer portal" it "Portale clienti"
label ingest "Log ingestion" it "Raccolta dei log"
tier T {
    fee 1000 EUR monthly
    response on always: P1 1h objective 90%
    uptime portal 99.9%
    uptime ingest 99.5%
    credit 5% when uptime of portal < 99.9%, 10% when uptime of portal < 99.5%
    credit 10% when uptime of ingest < 99.5%
    cap 20%
}
'''


@pytest.fixture(scope="module")
def policy():
    found_policy, found = check(parse(SOURCE, "p.sla"))
    assert found == []
    return found_policy


def up(service: str, downtime_s: int) -> UptimeResult:
    return UptimeResult(service, Decimal("99.5"), AUGUST, downtime_s)


def test_model_keeps_one_clause_per_service(policy):
    tier = policy.tier("T")
    assert tier.uptime_credit is None
    assert [(c.service, [s.below for s in c.steps]) for c in tier.service_credits] == [
        ("portal", [Decimal("99.9"), Decimal("99.5")]), ("ingest", [Decimal("99.5")])]


def test_each_service_is_measured_against_its_own_clause(policy):
    tier = policy.tier("T")
    fee = Money(Decimal(1000), "EUR")
    # ingest at 99.6 % keeps its own promise: one clause for every service at 99.9 % would
    # have paid for it; the per-service clause does not
    c = compute_credit(tier, (), [up("portal", 0), up("ingest", int(AUGUST * 0.004))], fee)
    assert c.lines == ()
    # portal at 99.8 %: 5 %; ingest at 99.4 %: 10 %; the two clauses add up
    c = compute_credit(tier, (), [up("portal", int(AUGUST * 0.002)),
                                  up("ingest", int(AUGUST * 0.006))], fee)
    assert [(ln.percent, ln.reason) for ln in c.lines] == [
        (Decimal(5), "portal uptime 99.8% < 99.9%"), (Decimal(10), "ingest uptime 99.4% < 99.5%")]
    assert c.amount == Money(Decimal("150.00"), "EUR")
    # portal far down: only its largest step (the lowest threshold breached) applies
    c = compute_credit(tier, (), [up("portal", AUGUST // 50), up("ingest", 0)], fee)
    assert [ln.percent for ln in c.lines] == [Decimal(10)]


def test_plan_and_export_carry_the_service(policy):
    plan = compile_plan(policy)
    assert [(r.kind, r.service) for r in plan.credit_rules] == [
        ("uptime", "portal"), ("uptime", "ingest")]
    assert [c["service"] for c in plan_to_json(plan)["credits"]] == ["portal", "ingest"]
    exported = export_policy(policy)["tiers"][0]["service_credits"]
    assert [c["service"] for c in exported] == ["portal", "ingest"]
    subjects = clause_subjects(policy)
    assert {v.get("service") for v in subjects.values()} == {"portal", "ingest"}


def test_contract_words_each_service_clause(policy):
    en = render_contract(policy, lang="en")
    it = render_contract(policy, lang="it")
    # article 8 is always the credits (render/clauses.py)
    assert "| 8.1 | Monthly uptime of the service “Customer portal” below 99.9% |" in en
    assert "| 8.3 | Monthly uptime of the service “Log ingestion” below 99.5% |" in en
    assert "Disponibilità mensile del servizio «Raccolta dei log» inferiore al 99,5%" in it
    assert "measured on the covered service with the lowest uptime" not in en


def test_security_policy_credits_each_service_against_its_own_promise():
    respond = load_policy(ROOT / "policies" / "security-24x7.sla").tier("Respond")
    assert respond.uptime_credit is None
    # Respond's portal clause replaces the one it inherits from Monitor
    assert {(c.service, c.origin_tier) for c in respond.service_credits} == {
        ("portal", "Respond"), ("ingest", "Respond")}


def test_formatter_keeps_the_service():
    from slalang.language.formatter import format_source

    text = format_source(SOURCE, "p.sla")
    assert "credit 5% when uptime of portal < 99.9%, 10% when uptime of portal < 99.5%" in text
    assert format_source(text, "p.sla") == text
