"""Service credits: highest uptime step, objective clauses add up, the cap, fees, quarters."""

import datetime as dt
from decimal import Decimal

from hand_built import (
    HandPlan,
    HandTickets,
    hand_outcomes,
    reference_policy,
    reference_roster,
)

from slalang.data import DowntimeRecord
from slalang.evaluation.compliance import ObjectiveResult
from slalang.evaluation.credits import compute_credit, fee_of
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.uptime import UptimeResult
from slalang.model import Money

POLICY = reference_policy()
ROSTER = reference_roster()
AUGUST = 31 * 24 * 3600
GOLD, SILVER, BRONZE = (POLICY.tier(n) for n in ("Gold", "Silver", "Bronze"))


def up(downtime_s: int, service: str = "email", target: str = "99.9") -> UptimeResult:
    return UptimeResult(service, Decimal(target), AUGUST, downtime_s)


def missed(metric: str, priority: str) -> ObjectiveResult:
    return ObjectiveResult(metric, priority, Decimal(95), met=1, breached=1)


def test_uptime_credit_takes_only_the_highest_matching_step():
    # 8 hours down in August: 99.0 % > (2,678,400 - 28,800) / 2,678,400 = 98.9247 %
    # -> both Gold steps match (< 99.9 and < 99.0): only the highest, 25 %, applies
    c = compute_credit(GOLD, (), [up(8 * 3600)], Money(Decimal(4000), "EUR"))
    assert [ln.percent for ln in c.lines] == [Decimal(25)]
    assert c.percent == 25 and c.amount == Money(Decimal("1000.00"), "EUR")
    assert c.lines[0].reason == "email uptime 98.925% < 99%"


def test_uptime_at_exactly_the_threshold_pays_nothing():
    # 99.9 % of August is 2,678.4 s of allowed downtime; 2,678 s -> above, 2,679 s -> below
    assert compute_credit(GOLD, (), [up(2678)], None).percent == 0
    assert compute_credit(GOLD, (), [up(2679)], None).percent == 10


def test_worst_service_decides_the_uptime_clause():
    c = compute_credit(GOLD, (), [up(0, "email"), up(3000, "vpn")], None)
    assert [ln.reason for ln in c.lines] == ["vpn uptime 99.888% < 99.9%"]


def test_objective_credits_add_up_with_the_uptime_credit():
    # Gold: 10 % uptime + 5 % response P1 + 10 % resolution P1 = 25 % (cap 30 %)
    c = compute_credit(GOLD, [missed("response", "P1"), missed("resolution", "P1")],
                       [up(3000)], Money(Decimal(4000), "EUR"))
    assert [(ln.clause, ln.percent) for ln in c.lines] == [
        ("uptime", 10), ("objective", 5), ("objective", 10)]
    assert c.percent == 25 and not c.capped and c.amount.amount == Decimal("1000.00")


def test_the_sum_is_capped():
    # Gold: 25 % uptime + 5 % + 10 % = 40 % -> capped at 30 %
    c = compute_credit(GOLD, [missed("response", "P1"), missed("resolution", "P1")],
                       [up(8 * 3600)], Money(Decimal(4000), "EUR"))
    assert c.uncapped == 40 and c.percent == 30 and c.capped
    assert c.amount.amount == Decimal("1200.00")


def test_not_applicable_objectives_pay_nothing():
    na = ObjectiveResult("response", "P1", Decimal(95), met=0, breached=0, open=2)
    assert compute_credit(SILVER, [na], [], None).percent == 0


def test_objectives_without_a_credit_clause_pay_nothing():
    # Silver has no clause for resolution P1
    assert compute_credit(SILVER, [missed("resolution", "P1")], [], None).percent == 0


def test_negotiated_fee_wins_over_the_list_fee():
    beta, gamma = ROSTER.get("Beta SpA"), ROSTER.get("Gamma Snc")
    assert fee_of(beta, SILVER) == Money(Decimal(2500), "EUR")     # list fee is 2,000
    assert fee_of(None, SILVER) == Money(Decimal(2000), "EUR")
    assert fee_of(gamma, BRONZE) == Money(Decimal(1000), "EUR")
    # 5 % of Beta's 2,500 = 125.00, not 100.00
    c = compute_credit(SILVER, [missed("response", "P1")], [], fee_of(beta, SILVER))
    assert c.amount == Money(Decimal("125.00"), "EUR")


def test_quarter_credit_is_the_sum_of_capped_months():
    # Alfa: July 40 % capped to 30 %; August 10 % (uptime); September nothing
    rome = dt.timezone(dt.timedelta(hours=2))
    down = [DowntimeRecord("Alfa Srl", "email",
                           int(dt.datetime(2026, 7, 8, 8, tzinfo=rome).timestamp()),
                           int(dt.datetime(2026, 7, 8, 16, tzinfo=rome).timestamp()),
                           "unplanned"),
            DowntimeRecord("Alfa Srl", "email",
                           int(dt.datetime(2026, 8, 5, 10, tzinfo=rome).timestamp()),
                           int(dt.datetime(2026, 8, 5, 10, 50, tzinfo=rome).timestamp()),
                           "unplanned")]
    tickets = HandTickets.of([("T1", "Alfa Srl", "2026-07-06T03:00:00+02:00")])
    outcomes = hand_outcomes(POLICY, [("Gold", "P1", "breached", "breached")])
    ev = evaluate(HandPlan(POLICY), tickets, down, ROSTER, period="2026-Q3",
                  outcomes=outcomes)
    alfa = next(c for c in ev.customers if c.customer == "Alfa Srl")
    assert [m.credit.percent for m in alfa.months] == [30, 10, 0]
    assert alfa.credit_percent == 40
    assert alfa.credit_amount == Money(Decimal("1600.00"), "EUR")
