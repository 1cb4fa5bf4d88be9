"""The reference contract, rule by rule, through the whole pipeline.

``policies/reference.sla`` + ``policies/customers.yaml`` are evaluated on hand-built tickets and
downtime (written as canonical JSONL/CSV and read by the ingest stage). Every case is named for
the contract rule it checks; the expected numbers are worked out by hand in the comments.

Office calendar: Mon-Fri 08:30-13:00 and 14:00-18:00 Europe/Rome (8.5 h = 30,600 s a day),
Italian public holidays, closed every 24 and 31 December. Targets used below:
Silver (Beta SpA): response P1 1h, P2 2h, P3 8h, P4 16h; resolution P1 4h, P2 8h, P3 40h, P4 80h
(office); objectives 95 % / 90 %. Gold (Alfa Srl): response P1 15m and resolution P1 4h on
``always`` (24x7).
"""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from slalang.model import Money

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "reference.sla"
H = 3600

pytest.importorskip("slalang.data")
pytest.importorskip("slalang.roster")


def at(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def ticket(id, customer, priority, created, response=None, resolved=None, events=(),
           category="incident"):
    return {"id": id, "customer": customer, "priority": priority, "category": category,
            "service": "email", "created_at": created, "first_response_at": response,
            "resolved_at": resolved, "closed_at": None, "tier": None,
            "events": [{"at": a, "status": s} for a, s in events]}


TICKETS = [
    # office hours + lunch break: Mon 6 Jul 12:00 -> response 14:30 = 12:00-13:00 + 14:00-14:30
    # = 5,400 s; resolved Tue 10:00 = 3,600 + 14,400 + 5,400 (08:30-10:00) = 23,400 s.
    # Response P3 (8 h = 28,800 s) is due Tue 11:30: 18,000 s on Monday, 10,800 s from 08:30
    # (08:30-11:30, before the lunch break).
    ticket("LUNCH", "Beta SpA", "P3", "2026-07-06T12:00:00+02:00",
           "2026-07-06T14:30:00+02:00", "2026-07-07T10:00:00+02:00"),
    # Italian holiday: Mon 1 Jun 17:00 -> Wed 3 Jun 09:00; 2 June (Festa della Repubblica)
    # counts nothing: 3,600 + 1,800 = 5,400 s; response P2 (2 h) due Wed 09:30.
    ticket("HOLIDAY", "Beta SpA", "P2", "2026-06-01T17:00:00+02:00",
           "2026-06-03T09:00:00+02:00", "2026-06-03T10:00:00+02:00"),
    # 24 December closure: Wed 23 Dec 17:00 -> Mon 28 Dec 09:00; the 24th (closure), 25th
    # (Christmas) and the weekend count nothing: 3,600 + 1,800 = 5,400 s; due Mon 09:30 (+01:00).
    ticket("CLOSURE", "Beta SpA", "P2", "2026-12-23T17:00:00+01:00",
           "2026-12-28T09:00:00+01:00", "2026-12-28T10:00:00+01:00"),
    # Gold P1 on `always` at night: Sat 11 Jul 02:00 -> response 02:20 = 1,200 s > 900 s
    # (breached, due 02:15); resolved 05:00 = 10,800 s <= 14,400 s (met, due 06:00).
    ticket("NIGHT", "Alfa Srl", "P1", "2026-07-11T02:00:00+02:00",
           "2026-07-11T02:20:00+02:00", "2026-07-11T05:00:00+02:00"),
    # exactly on target is met: Mon 6 Jul 09:00 -> 10:00 = 3,600 s = response P1 target.
    ticket("EXACT", "Beta SpA", "P1", "2026-07-06T09:00:00+02:00",
           "2026-07-06T10:00:00+02:00", "2026-07-06T11:00:00+02:00"),
    # due at 18:00: Mon 6 Jul 16:00, response P2 (2 h) reaches its target at 18:00 exactly,
    # so it is due at 18:00, not at Tuesday 08:30; responded Tue 09:00 = 7,200 + 1,800 =
    # 9,000 s > 7,200 s: breached.
    ticket("DUE1800", "Beta SpA", "P2", "2026-07-06T16:00:00+02:00",
           "2026-07-07T09:00:00+02:00", "2026-07-07T10:00:00+02:00"),
    # pauses waiting_on_customer / waiting_on_vendor: Mon 13 Jul 09:00, resolved Tue 12:00.
    # Counted 09:00-10:00 (3,600), paused 10:00-12:00 (customer), 12:00-13:00 (3,600),
    # 14:00-15:00 (3,600), paused 15:00-Tue 10:00 (vendor), Tue 10:00-12:00 (7,200)
    # = 18,000 s <= 28,800 s (P2 resolution 8 h): met. Due: 10,800 s more after Tue 12:00:
    # 12:00-13:00 + 14:00-16:00 -> Tue 16:00.
    ticket("PAUSES", "Beta SpA", "P2", "2026-07-13T09:00:00+02:00",
           "2026-07-13T09:10:00+02:00", "2026-07-14T12:00:00+02:00",
           [("2026-07-13T09:10:00+02:00", "in_progress"),
            ("2026-07-13T10:00:00+02:00", "waiting_on_customer"),
            ("2026-07-13T12:00:00+02:00", "in_progress"),
            ("2026-07-13T15:00:00+02:00", "waiting_on_vendor"),
            ("2026-07-14T10:00:00+02:00", "in_progress"),
            ("2026-07-14T12:00:00+02:00", "resolved")]),
    # reopen resumes: Mon 20 Jul 09:00, resolved 11:00, reopened 14:00, resolved 16:00 (the
    # last resolution stops the clock): 7,200 + 7,200 = 14,400 s (the resolved time is paused).
    ticket("REOPEN", "Beta SpA", "P3", "2026-07-20T09:00:00+02:00",
           "2026-07-20T09:30:00+02:00", "2026-07-20T16:00:00+02:00",
           [("2026-07-20T09:30:00+02:00", "in_progress"),
            ("2026-07-20T11:00:00+02:00", "resolved"),
            ("2026-07-20T14:00:00+02:00", "in_progress"),
            ("2026-07-20T16:00:00+02:00", "resolved")]),
    # change_request excluded: whatever its times, it is excluded for both metrics.
    ticket("CHANGE", "Beta SpA", "P2", "2026-07-08T10:00:00+02:00",
           "2026-07-10T10:00:00+02:00", "2026-07-20T10:00:00+02:00",
           category="change_request"),
    # open vs breached at as_of (end of Q3 = Thu 1 Oct 00:00): OPEN created Wed 30 Sep 17:00
    # has run 3,600 s < 16 h (P4): open for both metrics. LATE (Gamma, Bronze) created Wed 30
    # Sep 09:00 has run 28,800 s: > 7,200 s (response P1 2 h): breached while running; = 28,800
    # s (resolution P1 8 h): not yet exceeded, so still open.
    ticket("OPEN", "Beta SpA", "P4", "2026-09-30T17:00:00+02:00"),
    ticket("LATE", "Gamma Snc", "P1", "2026-09-30T09:00:00+02:00"),
    # month by Rome creation time: 2026-07-31T23:30Z is Sat 1 Aug 01:30 in Rome -> August.
    # Response Mon 3 Aug 09:00 = 1,800 s (08:30-09:00) <= 3,600: met.
    ticket("MIDNIGHT", "Beta SpA", "P1", "2026-07-31T23:30:00Z",
           "2026-08-03T09:00:00+02:00", "2026-08-03T10:00:00+02:00"),
    # Beta's August response P1: MIDNIGHT met, MISS breached (Mon 3 Aug 09:00 -> 11:00 =
    # 7,200 s > 3,600) -> 1/2 = 50 % < 95 % -> 5 % of Beta's negotiated 2,500 EUR = 125.00.
    ticket("MISS", "Beta SpA", "P1", "2026-08-03T09:00:00+02:00",
           "2026-08-03T11:00:00+02:00", "2026-08-03T12:00:00+02:00"),
    # Alfa's July P1s: NIGHT (response breached, resolution met) and SLOWFIX (Sat 18 Jul 10:00,
    # response 10:05 met, resolved 15:00 = 5 h > 4 h breached): response P1 1/2, resolution P1
    # 1/2, both 50 % < 95 % -> 5 % + 10 % objective credits.
    ticket("SLOWFIX", "Alfa Srl", "P1", "2026-07-18T10:00:00+02:00",
           "2026-07-18T10:05:00+02:00", "2026-07-18T15:00:00+02:00"),
    # Alfa in August: AUGP1 Mon 3 Aug 10:00, response 10:30 (1,800 s > 900): response P1 0/1.
    ticket("AUGP1", "Alfa Srl", "P1", "2026-08-03T10:00:00+02:00",
           "2026-08-03T10:30:00+02:00", "2026-08-03T12:00:00+02:00"),
]

DOWNTIME = [
    # Alfa, July: 8 h unplanned on Wed 22 Jul -> (44,640 - 480) / 44,640 = 98.925 % < 99.0:
    # both Gold steps match, only the highest (25 %) applies; with 5 % + 10 % objective
    # credits the sum is 40 % -> capped at 30 % of 4,000 = 1,200.00 EUR.
    ("Alfa Srl", "2026-07-22T09:00:00+02:00", "2026-07-22T17:00:00+02:00", "unplanned"),
    # Alfa, August: 50 min unplanned (counted); planned Sun 2 Aug 02:30-05:30 inside the
    # window (excluded); planned Tue 4 Aug 22:00-22:10 outside it (counted, 10 min);
    # customer_caused 1 h (excluded); planned Sun 9 Aug 05:30-06:20 half in the window
    # (06:00-06:20 counted, 20 min). Total 80 min: (44,640 - 80) / 44,640 = 99.8208 % < 99.9
    # -> 10 %; + 5 % response P1 (AUGP1) = 15 % = 600.00 EUR (objective credits add up).
    ("Alfa Srl", "2026-08-05T10:00:00+02:00", "2026-08-05T10:50:00+02:00", "unplanned"),
    ("Alfa Srl", "2026-08-02T02:30:00+02:00", "2026-08-02T05:30:00+02:00", "planned"),
    ("Alfa Srl", "2026-08-04T22:00:00+02:00", "2026-08-04T22:10:00+02:00", "planned"),
    ("Alfa Srl", "2026-08-06T10:00:00+02:00", "2026-08-06T11:00:00+02:00", "customer_caused"),
    ("Alfa Srl", "2026-08-09T05:30:00+02:00", "2026-08-09T06:20:00+02:00", "planned"),
    # Beta, September: 8 h -> (43,200 - 480) / 43,200 = 98.889 % < 99.0 -> 10 % (not 5 + 10)
    # of 2,500 = 250.00 EUR.
    ("Beta SpA", "2026-09-10T09:00:00+02:00", "2026-09-10T17:00:00+02:00", "unplanned"),
    # Gamma: 31 Jul 23:00 -> 1 Aug 01:00 Rome is split, 3,600 s in each month.
    ("Gamma Snc", "2026-07-31T23:00:00+02:00", "2026-08-01T01:00:00+02:00", "unplanned"),
    # Gamma, October: 26,800 s. October lasts 31 days + 1 hour = 2,682,000 s: uptime
    # (2,682,000 - 26,800) / 2,682,000 = 99.00075 % >= 99.0: no credit. Over 31 x 24 h it
    # would be 98.99940 % and cost 5 %.
    ("Gamma Snc", "2026-10-14T09:00:00+02:00", "2026-10-14T16:26:40+02:00", "unplanned"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("reference")
    (d / "tickets.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TICKETS))
    (d / "downtime.csv").write_text("customer,service,start,end,kind\n" + "".join(
        f"{c},email,{s},{e},{k}\n" for c, s, e, k in DOWNTIME))
    return d


def run(files, period: str):
    from slalang.data import read_downtime, read_tickets
    from slalang.evaluation.evaluate import evaluate
    from slalang.language import load_policy
    from slalang.plan import compile_plan
    from slalang.roster import roster_for

    policy = load_policy(POLICY)
    tickets = read_tickets(files / "tickets.jsonl")
    assert not tickets.rejected
    downtime = read_downtime(files / "downtime.csv")
    return evaluate(compile_plan(policy), tickets, downtime, roster_for(policy), period=period)


@pytest.fixture(scope="module")
def q3(files):
    return run(files, "2026-Q3")


def verdict(ev, tid: str, metric: str) -> dict:
    i = list(ev.tickets.id).index(tid)
    m = ev.policy.metrics.index(metric)
    o = ev.outcomes
    r = i * len(ev.policy.metrics) + m
    assert o.ticket[r] == i and o.metric[r] == m
    due = int(o.due_at[r])
    tz = dt.timezone(dt.timedelta(hours=2))
    return {"status": o.status_names[o.status[r]], "elapsed": int(o.elapsed[r]),
            "due": dt.datetime.fromtimestamp(due, tz).isoformat()
            if due != np.iinfo(np.int64).min else None}


def month(ev, customer: str, label: str):
    return next(m for m in ev.months if m.customer == customer and m.bucket.label == label)


def objective(m, metric: str, priority: str):
    return next(o for o in m.objectives if (o.metric, o.priority) == (metric, priority))


def test_office_hours_and_lunch_break(q3):
    assert verdict(q3, "LUNCH", "response") == {
        "status": "met", "elapsed": 5400, "due": "2026-07-07T11:30:00+02:00"}
    assert verdict(q3, "LUNCH", "resolution")["elapsed"] == 23400


def test_italian_public_holiday(files):
    ev = run(files, "2026-06")
    assert verdict(ev, "HOLIDAY", "response") == {
        "status": "met", "elapsed": 5400, "due": "2026-06-03T09:30:00+02:00"}


def test_24_december_closure(files):
    ev = run(files, "2026-12")
    v = verdict(ev, "CLOSURE", "response")
    assert (v["status"], v["elapsed"]) == ("met", 5400)
    i = list(ev.tickets.id).index("CLOSURE")
    assert int(ev.outcomes.due_at[i * 2]) == at("2026-12-28T09:30:00+01:00")


def test_gold_p1_on_always_at_night(q3):
    assert verdict(q3, "NIGHT", "response") == {
        "status": "breached", "elapsed": 1200, "due": "2026-07-11T02:15:00+02:00"}
    assert verdict(q3, "NIGHT", "resolution") == {
        "status": "met", "elapsed": 10800, "due": "2026-07-11T06:00:00+02:00"}


def test_exactly_on_target_is_met(q3):
    assert verdict(q3, "EXACT", "response") == {
        "status": "met", "elapsed": 3600, "due": "2026-07-06T10:00:00+02:00"}


def test_target_at_the_end_of_the_day_is_due_at_18_00(q3):
    assert verdict(q3, "DUE1800", "response") == {
        "status": "breached", "elapsed": 9000, "due": "2026-07-06T18:00:00+02:00"}


def test_pauses_waiting_on_customer_and_vendor(q3):
    assert verdict(q3, "PAUSES", "resolution") == {
        "status": "met", "elapsed": 18000, "due": "2026-07-14T16:00:00+02:00"}


def test_reopened_ticket_resumes_its_clock(q3):
    v = verdict(q3, "REOPEN", "resolution")
    assert (v["status"], v["elapsed"]) == ("met", 14400)


def test_change_requests_are_excluded(q3):
    assert verdict(q3, "CHANGE", "response")["status"] == "excluded"
    assert verdict(q3, "CHANGE", "resolution")["status"] == "excluded"
    july = month(q3, "Beta SpA", "2026-07")
    assert july.counts.excluded == 1
    # response P2 in July: PAUSES met (600 s), DUE1800 breached; CHANGE not counted
    o = objective(july, "response", "P2")
    assert (o.met, o.breached, o.excluded) == (1, 1, 1)


def test_open_versus_breached_at_as_of(q3):
    assert q3.as_of == at("2026-10-01T00:00:00+02:00")
    # response P4 (16 h = 57,600 s): Wed 3,600 + Thu 30,600 + Fri 08:30-13:00 16,200
    # + 14:00-16:00 7,200 -> due Fri 2 Oct 16:00
    assert verdict(q3, "OPEN", "response") == {
        "status": "open", "elapsed": 3600, "due": "2026-10-02T16:00:00+02:00"}
    assert verdict(q3, "OPEN", "resolution")["status"] == "open"
    assert verdict(q3, "LATE", "response") == {
        "status": "breached", "elapsed": 28800, "due": "2026-09-30T11:00:00+02:00"}
    assert verdict(q3, "LATE", "resolution") == {
        "status": "open", "elapsed": 28800, "due": "2026-09-30T18:00:00+02:00"}
    assert objective(month(q3, "Beta SpA", "2026-09"), "response", "P4").open == 1
    gamma = month(q3, "Gamma Snc", "2026-09")
    assert (gamma.counts.tickets, gamma.counts.open) == (1, 1)
    p1 = objective(gamma, "response", "P1")
    assert (p1.breached, p1.open, p1.compliance) == (1, 0, Decimal(0))
    assert objective(gamma, "resolution", "P1").open == 1


def test_month_assignment_by_rome_creation_time(q3):
    july, august = month(q3, "Beta SpA", "2026-07"), month(q3, "Beta SpA", "2026-08")
    assert q3.ticket_bucket[list(q3.tickets.id).index("MIDNIGHT")] == 1  # August
    # July's P1 response: EXACT only; August's: MIDNIGHT (met) and MISS (breached)
    assert (objective(july, "response", "P1").met, objective(july, "response", "P1").breached
            ) == (1, 0)
    a = objective(august, "response", "P1")
    assert (a.met, a.breached, a.compliance, a.achieved) == (1, 1, Decimal(50), False)


def test_uptime_with_planned_downtime_inside_and_outside_the_sunday_window(q3):
    (u,) = month(q3, "Alfa Srl", "2026-08").uptime
    # 50 min unplanned + 10 min planned on a Tuesday + 20 min planned after 06:00 on Sunday
    assert u.downtime == 80 * 60
    assert u.seconds == 31 * 24 * H
    assert f"{u.uptime:.4f}" == "99.8208" and u.met is False


def test_customer_caused_downtime_is_excluded(q3):
    # the customer_caused hour on 6 August is not among the 80 minutes above
    assert month(q3, "Alfa Srl", "2026-08").uptime[0].downtime == 4800


def test_downtime_across_two_months_is_split(q3):
    assert month(q3, "Gamma Snc", "2026-07").uptime[0].downtime == H
    assert month(q3, "Gamma Snc", "2026-08").uptime[0].downtime == H


def test_october_has_31_days_and_one_hour(files):
    ev = run(files, "2026-10")
    m = month(ev, "Gamma Snc", "2026-10")
    (u,) = m.uptime
    assert (u.seconds, u.downtime) == (2_682_000, 26_800)
    assert u.met is True and m.credit.percent == 0
    assert f"{u.uptime:.5f}" == "99.00075"


def test_uptime_credit_is_the_highest_step_only(q3):
    c = month(q3, "Beta SpA", "2026-09").credit
    assert [(ln.clause, ln.percent) for ln in c.lines] == [("uptime", Decimal(10))]
    assert c.amount == Money(Decimal("250.00"), "EUR")
    assert c.lines[0].span.line == 67  # `credit 5% when uptime < 99.5%, 10% when ...`


def test_objective_credits_add_up(q3):
    c = month(q3, "Alfa Srl", "2026-08").credit
    assert [(ln.clause, ln.percent, ln.span.line) for ln in c.lines] == [
        ("uptime", Decimal(10), 77), ("objective", Decimal(5), 68)]
    assert c.percent == 15 and c.amount == Money(Decimal("600.00"), "EUR")


def test_the_monthly_credit_is_capped(q3):
    c = month(q3, "Alfa Srl", "2026-07").credit
    assert [(ln.clause, ln.percent) for ln in c.lines] == [
        ("uptime", Decimal(25)), ("objective", Decimal(5)), ("objective", Decimal(10))]
    assert (c.uncapped, c.cap, c.percent) == (40, 30, 30)
    assert c.amount == Money(Decimal("1200.00"), "EUR")


def test_betas_negotiated_fee(q3):
    c = month(q3, "Beta SpA", "2026-08").credit
    assert c.fee == Money(Decimal(2500), "EUR")
    assert [(ln.clause, ln.percent) for ln in c.lines] == [("objective", Decimal(5))]
    assert c.amount == Money(Decimal("125.00"), "EUR")  # not 100.00 (the list fee)


def test_quarter_sums_the_capped_months(q3):
    by = {c.customer: c for c in q3.customers}
    # Alfa: 1,200 + 600 + 0; Beta: 0 + 125 + 250; Gamma: nothing
    assert by["Alfa Srl"].credit_amount == Money(Decimal("1800.00"), "EUR")
    assert by["Beta SpA"].credit_amount == Money(Decimal("375.00"), "EUR")
    assert by["Gamma Snc"].credit_amount == Money(Decimal("0.00"), "EUR")
    assert by["Alfa Srl"].credit_percent == 45


def test_json_renderings_agree(q3):
    import io

    from slalang.evaluation.output.json import evaluation_to_json, validate, write_json

    out = io.StringIO()
    write_json(q3, out)
    doc = json.loads(out.getvalue())
    validate(doc)
    assert doc == evaluation_to_json(q3)
