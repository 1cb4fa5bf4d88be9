"""The reference policy expresses exactly the reference contract."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from slalang.language import load_policy

REFERENCE = Path(__file__).resolve().parents[2] / "policies" / "reference.sla"

H = 3600

# (tier, metric) -> P1..P4 as (seconds, calendar), and the objective: the contract's table
TABLE = {
    ("Bronze", "response"): ([(2 * H, "office"), (4 * H, "office"), (8 * H, "office"),
                              (16 * H, "office")], "90"),
    ("Bronze", "resolution"): ([(8 * H, "office"), (16 * H, "office"), (40 * H, "office"),
                                (80 * H, "office")], "85"),
    ("Silver", "response"): ([(1 * H, "office"), (2 * H, "office"), (8 * H, "office"),
                              (16 * H, "office")], "95"),
    ("Silver", "resolution"): ([(4 * H, "office"), (8 * H, "office"), (40 * H, "office"),
                                (80 * H, "office")], "90"),
    ("Gold", "response"): ([(15 * 60, "always"), (1 * H, "office"), (8 * H, "office"),
                            (16 * H, "office")], "95"),
    ("Gold", "resolution"): ([(4 * H, "always"), (8 * H, "office"), (40 * H, "office"),
                              (80 * H, "office")], "95"),
}


@pytest.fixture(scope="module")
def policy():
    return load_policy(REFERENCE)


@pytest.mark.parametrize(("tier", "metric"), sorted(TABLE))
def test_targets_match_the_contract(policy, tier, metric):
    expected, objective = TABLE[(tier, metric)]
    got = [policy.tier(tier).target(metric, p) for p in ("P1", "P2", "P3", "P4")]
    assert [(t.seconds, t.calendar) for t in got] == expected
    assert {t.objective for t in got} == {Decimal(objective)}


def test_header_calendars_and_clocks(policy):
    h = policy.header
    assert (h.currency, h.period, h.timezone, h.roster) == ("EUR", "month", "Europe/Rome",
                                                           "customers.yaml")
    office = policy.calendar("office")
    assert [str(r) for r in office.weekly[0]] == ["08:30-13:00", "14:00-18:00"]
    assert office.weekly[5] == office.weekly[6] == ()
    assert office.yearly_closures == ((12, 24), (12, 31))
    assert [(h.country, h.subdivision) for h in office.holidays] == [("IT", None)]
    assert policy.calendar("always").always
    assert policy.calendar("always").timezone == "Europe/Rome"
    assert [str(r) for r in policy.calendar("maintenance").weekly[6]] == ["02:00-06:00"]
    assert policy.clock("response").pause_statuses == ()
    assert policy.clock("resolution").pause_statuses == (
        "waiting_on_customer", "waiting_on_vendor", "resolved", "closed")
    assert [p.code for p in policy.priorities] == ["P1", "P2", "P3", "P4"]
    assert len(policy.source_hash) == 64


def test_credits_and_fees(policy):
    def steps(tier):
        return [(str(s.below), str(s.percent)) for s in policy.tier(tier).uptime_credit.steps]

    assert steps("Bronze") == [("99.0", "5")]
    assert steps("Silver") == [("99.5", "5"), ("99.0", "10")]
    assert steps("Gold") == [("99.9", "10"), ("99.0", "25")]
    objective = {t: {(c.metric, c.priority): str(c.percent)
                     for c in policy.tier(t).objective_credits}
                 for t in ("Bronze", "Silver", "Gold")}
    assert objective == {"Bronze": {}, "Silver": {("response", "P1"): "5"},
                         "Gold": {("response", "P1"): "5", ("resolution", "P1"): "10"}}
    assert [str(policy.tier(t).cap) for t in ("Bronze", "Silver", "Gold")] == ["10", "20", "30"]
    assert [str(policy.tier(t).fee) for t in ("Bronze", "Silver", "Gold")] == [
        "1000 EUR", "2000 EUR", "4000 EUR"]
    assert [[str(u.percent) for u in policy.tier(t).uptime] for t in ("Bronze", "Silver", "Gold")
            ] == [["99.0"], ["99.5"], ["99.9"]]


def test_exclusions(policy):
    ex = [(e.subject, [(c.field, c.op, c.values) for c in e.conditions], e.during)
          for e in policy.exclusions]
    assert ex == [
        ("tickets", [("category", "=", ("change_request",))], None),
        ("downtime", [("kind", "=", ("planned",))], "maintenance"),
        ("downtime", [("kind", "=", ("customer_caused",))], None),
    ]
