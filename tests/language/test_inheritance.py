"""Tier inheritance, piece by piece (docs/language/tiers.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from slalang.language import check, parse

SOURCE = '''policy "P" {
    version "1"
    effective 2026-01-01
    currency EUR
    period month in "Europe/Rome"
}
calendar office { timezone "Europe/Rome" mon-fri 09:00-17:00 }
calendar late { timezone "Europe/Rome" mon-fri 17:00-22:00 }
calendar always 24x7
priorities { P1 "One" P2 "Two" P3 "Three" }
clock response { starts at created stops at first_response }
tier Base {
    fee 100 EUR monthly
    response on office: P1 1h, P2 2h, P3 4h on late objective 90%
    uptime 99.0%
    uptime mail 99.5%
    credit 5% when uptime < 99.0%
    credit 1% when response P1 misses objective
    credit 2% when response P2 misses objective
    cap 10%
}
tier Child extends Base {
    response: P1 30m on always, P2 1h
    uptime mail 99.9%
    uptime web 99.8%
    credit 3% when response P2 misses objective
}
tier Grandchild extends Child {
    fee 300 EUR monthly
    response on late: P2 45m objective 99%
    credit 10% when uptime < 99.9%, 20% when uptime < 99.0%
    cap 50%
}
'''


@pytest.fixture(scope="module")
def policy():
    policy, found = check(parse(SOURCE, "t.sla"))
    assert [d for d in found if d.code != "SLA601"] == []  # labels: test_customer_text
    return policy


def targets(policy, tier):
    return {t.priority: (t.seconds, t.calendar, t.objective, t.origin_tier)
            for t in policy.tier(tier).targets}


def test_calendar_item_then_line_then_inherited(policy):
    assert targets(policy, "Base") == {
        "P1": (3600, "office", 90, "Base"), "P2": (7200, "office", 90, "Base"),
        "P3": (14400, "late", 90, "Base")}
    assert targets(policy, "Child") == {
        "P1": (1800, "always", 90, "Child"), "P2": (3600, "office", 90, "Child"),
        "P3": (14400, "late", 90, "Base")}
    assert targets(policy, "Grandchild") == {
        "P1": (1800, "always", 99, "Child"), "P2": (2700, "late", 99, "Grandchild"),
        "P3": (14400, "late", 99, "Base")}


def test_uptime_merges_per_service(policy):
    def uptime(tier):
        return {u.service: (u.percent, u.origin_tier) for u in policy.tier(tier).uptime}

    assert uptime("Grandchild") == {None: (Decimal("99.0"), "Base"),
                                    "mail": (Decimal("99.9"), "Child"),
                                    "web": (Decimal("99.8"), "Child")}


def test_credit_clauses_fee_and_cap(policy):
    base, child, grand = (policy.tier(t) for t in ("Base", "Child", "Grandchild"))
    assert child.uptime_credit == base.uptime_credit
    assert [(s.percent, s.below) for s in grand.uptime_credit.steps] == [
        (Decimal(10), Decimal("99.9")), (Decimal(20), Decimal("99.0"))]
    assert grand.uptime_credit.origin_tier == "Grandchild"
    assert {(c.priority, c.percent, c.origin_tier) for c in grand.objective_credits} == {
        ("P1", Decimal(1), "Base"), ("P2", Decimal(3), "Child")}
    assert (str(child.fee), child.cap) == ("100 EUR", Decimal(10))
    assert (str(grand.fee), grand.cap, grand.extends) == ("300 EUR", Decimal(50), "Child")


def test_spans_point_at_the_defining_text(policy):
    lines = SOURCE.splitlines()
    p2 = policy.tier("Grandchild").target("response", "P2")
    assert lines[p2.span.line - 1][p2.span.column - 1:p2.span.end_column - 1] == "P2 45m"
    p3 = policy.tier("Grandchild").target("response", "P3")
    assert lines[p3.span.line - 1][p3.span.column - 1:p3.span.end_column - 1] == "P3 4h on late"


def test_a_child_uptime_credit_does_not_leak_into_its_parent():
    """Each tier owns its uptime credit clauses (the flattened copies share no container)."""
    from pathlib import Path

    from slalang.language import load_policy

    ref = load_policy(Path(__file__).resolve().parents[2] / "policies" / "reference.sla")
    assert [(s.percent, s.below) for s in ref.tier("Bronze").uptime_credit.steps] == [
        (Decimal(5), Decimal("99.0"))]
    assert [s.percent for s in ref.tier("Silver").uptime_credit.steps] == [5, 10]
    assert [s.percent for s in ref.tier("Gold").uptime_credit.steps] == [10, 25]


def test_a_childs_restated_objective_leaves_the_parents_sample_rule_alone():
    """Regression: flattened tiers shared one ``samples`` dict, so a child restating an
    objective without a rule erased the parent's rule (the reference policy lost every
    ``over at least N tickets`` in plan, export and evaluate)."""
    source = '''policy "P" {
    version "1"
    effective 2026-01-01
    currency EUR
    period month in "Europe/Rome"
}
calendar office { timezone "Europe/Rome" mon-fri 09:00-17:00 }
priorities { P1 "One" }
clock response { starts at created stops at first_response }
tier Base {
    response on office: P1 1h objective 90% over at least 20 tickets else at most 1 missed
}
tier Child extends Base {
    response objective 95%
}
tier Keeps extends Base {
    response: P1 30m
}
'''
    policy, found = check(parse(source, "p.sla"))
    assert not [d for d in found if d.severity == "error"]
    rules = {t.name: [(x.min_tickets, x.allowed_misses) for x in t.targets]
             for t in policy.tiers}
    assert rules == {"Base": [(20, 1)], "Child": [(None, None)], "Keeps": [(20, 1)]}
