"""Outputs: JSON (validated against the published schema), CSV of verdicts, JUnit XML
(validated against a Jenkins-style XSD), the terminal summary (golden files).

Regenerate the golden files with ``SLALANG_UPDATE_GOLDEN=1``.
"""

import csv
import dataclasses
import datetime as dt
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import xmlschema
from hand_built import (
    HandPlan,
    HandTickets,
    hand_outcomes,
    reference_policy,
    reference_roster,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import DowntimeRecord
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.output import junit
from slalang.evaluation.output.csv import COLUMNS, iso_column, write_verdicts
from slalang.evaluation.output.json import evaluation_to_json, load_schema, validate, write_json
from slalang.evaluation.output.summary import evaluation_to_text

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
XSD = HERE / "junit" / "jenkins-junit.xsd"


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SLALANG_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def t(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


class Row:
    def __init__(self, line: int) -> None:
        from slalang.model import Span

        self.span = Span("reference.sla", line, 5, line, 9)


@pytest.fixture(scope="module")
def ev():
    """Q3 2026: Alfa misses resolution P1 in July and has 50 min of downtime in August; Beta
    misses response P1 in August; Gamma has a change request (excluded) and an open ticket."""
    policy = reference_policy()
    tickets = HandTickets.of([
        ("T-1", "Alfa Srl", "2026-07-06T03:00:00+02:00"),
        ("T-2", "Beta SpA", "2026-07-31T23:30:00Z"),
        ("T-3", "Beta SpA", "2026-08-03T10:00:00+02:00"),
        ("T-4", "Gamma Snc", "2026-09-14T09:00:00+02:00"),
        ("T-5", "Gamma Snc", "2026-09-30T17:00:00+02:00"),
    ])
    o = hand_outcomes(policy, [("Gold", "P1", "met", "breached"),
                               ("Silver", "P1", "breached", "met"),
                               ("Silver", "P1", "met", "met"),
                               ("Bronze", "P3", "excluded", "excluded"),
                               ("Bronze", "P4", "met", "open")])
    # give T-1's rows real numbers: response 10 min of 15 (met), resolution 5 h of 4 h
    o.elapsed[:2] = [600, 18000]
    o.target[:2] = [900, 14400]
    o.due_at[:2] = [t("2026-07-06T03:15:00+02:00"), t("2026-07-06T07:00:00+02:00")]
    o.stopped_at[:2] = [t("2026-07-06T03:10:00+02:00"), t("2026-07-06T08:00:00+02:00")]
    o.plan_row[:2] = [0, 1]
    o.exclusion[6:8] = 0
    down = [DowntimeRecord("Alfa Srl", "email", t("2026-08-05T10:00:00+02:00"),
                           t("2026-08-05T10:50:00+02:00"), "unplanned"),
            DowntimeRecord("Beta SpA", "email", t("2026-08-05T10:00:00+02:00"),
                           t("2026-08-05T18:00:00+02:00"), "customer_caused")]
    return evaluate(HandPlan(policy, rows=(Row(74), Row(75))), tickets, down,
                    reference_roster(), period="2026-Q3", outcomes=o)


def test_json_follows_the_published_schema(ev):
    doc = evaluation_to_json(ev)
    validate(doc)
    json.dumps(doc)  # plain JSON types only
    assert doc["policy_hash"] == "0" * 64 and doc["data_hash"] == "f" * 64
    assert doc["slalang_version"] and doc["as_of"] == "2026-10-01T00:00:00+02:00"
    assert doc["counts"] == {"tickets": 5, "excluded": 1, "open": 1, "invalid": 0,
                             "rejected": 0}
    alfa = doc["customers"][0]
    assert alfa["customer"] == "Alfa Srl" and alfa["credit"] == {
        "percent": "20", "amount": {"amount": "800.00", "currency": "EUR"}}
    august = alfa["months"][1]
    assert august["uptime"][0]["uptime"] == "99.888"
    assert august["uptime"][0]["downtime_seconds"] == 3000
    assert august["credit"]["lines"] == [{"clause": "uptime", "percent": "10",
                                          "reason": "email uptime 99.888% < 99.9%",
                                          "source": "reference.sla:61",
                                          "amount": {"amount": "400.00", "currency": "EUR"},
                                          "below": "99.9"}]
    assert doc["policy"]["provider"] == ev.policy.header.provider
    # T-1's resolution took 5 h against 4 h: July's breach, listed with its numbers
    july = alfa["months"][0]
    assert july["breaches"] == {"count": 1, "tickets": [{
        "id": "T-1", "metric": "resolution", "priority": "P1",
        "due_at": "2026-07-06T07:00:00+02:00", "stopped_at": "2026-07-06T08:00:00+02:00",
        "delay_s": 3600}]}
    assert august["breaches"] == {"count": 0, "tickets": []}
    # Beta misses response P1 in August: the line names the objective, as the contract does
    beta_august = doc["customers"][1]["months"][1]["credit"]["lines"]
    assert [(ln["clause"], ln.get("metric"), ln.get("priority")) for ln in beta_august] == [
        ("objective", "response", "P1")]
    golden("evaluation.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def test_the_schema_is_strict():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema_version": 1}, schema)


def test_text_summary(ev):
    text = evaluation_to_text(ev)
    assert "credit 5% = 125.00 EUR" in text  # Beta: 5 % of the negotiated 2,500
    golden("summary.txt", text)


def test_csv_has_one_row_per_ticket_and_metric(ev):
    out = io.BytesIO()
    assert write_verdicts(ev, out) == 10
    text = out.getvalue().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1] == {
        "id": "T-1", "customer": "Alfa Srl", "tier": "Gold", "priority": "P1",
        "metric": "resolution", "status": "breached", "elapsed_s": "18000",
        "target_s": "14400", "due_at": "2026-07-06T07:00:00+02:00",
        "stopped_at": "2026-07-06T08:00:00+02:00", "clause": "reference.sla:75",
        "created_at": "2026-07-06T03:00:00+02:00", "month": "2026-07"}
    assert rows[6]["status"] == "excluded" and rows[6]["clause"] == "reference.sla:35"
    golden("verdicts.csv", text)


def test_iso_instants_carry_the_offset_of_their_date():
    # the clocks go back at 03:00 CEST on 25 October 2026 (01:00 UTC)
    got = iso_column(np.array([t("2026-10-25T00:59:59Z"), t("2026-10-25T01:00:00Z"),
                               t("2026-03-29T01:00:00Z"), np.iinfo(np.int64).min]),
                     "Europe/Rome").to_pylist()
    assert got == ["2026-10-25T02:59:59+02:00", "2026-10-25T02:00:00+01:00",
                   "2026-03-29T03:00:00+02:00", None]


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(["Europe/Rome", "America/New_York", "Australia/Lord_Howe",
                             "Asia/Kolkata", "Pacific/Apia", "America/Sao_Paulo",
                             "Africa/Casablanca", "Europe/Dublin", "UTC"]),
       instants=st.lists(st.integers(-1_262_304_000, 4_102_444_800), min_size=1,
                         max_size=40),
       near=st.lists(st.integers(-90_000, 90_000), max_size=20))
def test_iso_instants_agree_with_the_standard_library(zone, instants, near):
    # the offsets are found once per zone and year and the dates in integer arithmetic:
    # each text must still be what datetime writes, across years, at changes and at new
    # year (Pacific/Apia left a day out at the end of 2011), from 1930 (before, zones had
    # offsets in seconds, which no ISO text of ours carries)
    import datetime as dt
    from zoneinfo import ZoneInfo

    base = [1_325_289_600, 1_774_746_000, 1_792_890_000, 1_798_761_600]  # changes, new year
    values = instants + [b + d for b in base for d in near[:5]]
    got = iso_column(np.array(values + [np.iinfo(np.int64).min]), zone).to_pylist()
    want = [dt.datetime.fromtimestamp(v, ZoneInfo(zone)).isoformat() for v in values]
    assert got == want + [None]


def test_junit_is_valid_for_jenkins(ev):
    xml = junit.dumps(ev)
    xmlschema.XMLSchema(XSD).validate(xml.decode())
    root = xmlschema.XMLSchema(XSD).to_dict(xml.decode())
    suites = {s["@name"]: s for s in root["testsuite"]}
    # 3 customers x 3 months, then the input data
    assert len(suites) == 10 and list(suites)[-1] == "input data"
    data = suites["input data"]
    # nothing rejected; a warning: the hand-built tickets have no status history
    assert (data["@tests"], data["@failures"]) == ("2", "1")
    july = suites["Alfa Srl 2026-07"]
    # 8 objectives + 1 uptime + 1 credit; resolution P1 missed and a credit due
    assert (july["@tests"], july["@failures"], july["@skipped"]) == ("10", "2", "6")
    failures = [c["@name"] for c in july["testcase"] if "failure" in c]
    assert failures == ["resolution P1 >= 95%", "no service credit due"]
    props = {p["@name"]: p["@value"] for p in july["properties"][0]["property"]}
    assert props["policy_hash"] == "0" * 64 and props["data_hash"] == "f" * 64
    assert props["slalang_version"]
    golden("junit.xml", xml.decode())


def test_columnar_json_writer_matches_the_dict_rendering(ev):
    out = io.StringIO()
    write_json(ev, out)
    assert json.loads(out.getvalue()) == evaluation_to_json(ev)


def test_the_document_of_one_customer_is_the_whole_ones_part(ev):
    """A report of one customer built every customer's part of the document first (5,000
    customers of the 1m bench set: 14.0 s, 2.1 s with that customer's part alone)."""
    whole = evaluation_to_json(ev)
    names = [c["customer"] for c in whole["customers"]]
    assert len(set(names)) > 1
    listed = {c["customer"] for c in whole["customers"] for m in c["months"]
              if m["breaches"]["tickets"] or m["excluded"]["tickets"]}
    assert len(listed) > 1  # each customer's listed tickets kept, not the others'
    for name in set(names):
        fresh = dataclasses.replace(ev)  # nothing built yet: that customer's part alone
        one = evaluation_to_json(fresh, name)
        assert "customers" not in fresh.__dict__
        assert one["customers"] == [c for c in whole["customers"] if c["customer"] == name]
        assert evaluation_to_json(ev, name) == one  # the same from the built customers
        assert {k: v for k, v in one.items() if k != "customers"} == {
            k: v for k, v in whole.items() if k != "customers"}
    assert evaluation_to_json(ev, "nobody")["customers"] == []


def test_columnar_json_writer_rounds_compliance_like_decimal():
    # 2/3 = 66.666..% -> 66.67; 1/8 = 12.5 % -> 12.50; 1/200 = 0.5 % -> 0.50;
    # 1/3 = 33.33; 199/200 = 99.50; 0/1 = 0.00
    policy = reference_policy()
    rows, tickets = [], []
    for k, (met, total) in enumerate([(2, 3), (1, 8), (1, 200), (1, 3), (199, 200), (0, 1)]):
        customer = f"C{k}"
        for i in range(total):
            tickets.append((f"{customer}-{i}", customer, "2026-07-06T10:00:00+02:00"))
            rows.append(("Bronze", "P2", "met" if i < met else "breached", "open"))
    ev = evaluate(HandPlan(policy), HandTickets.of(tickets), None, None, period="2026-07",
                  outcomes=hand_outcomes(policy, rows))
    out = io.StringIO()
    write_json(ev, out)
    doc = json.loads(out.getvalue())
    assert doc == evaluation_to_json(ev)
    got = [next(o["compliance"] for o in c["objectives"] if o["metric"] == "response"
                and o["priority"] == "P2") for c in doc["customers"]]
    assert got == ["66.67", "12.50", "0.50", "33.33", "99.50", "0.00"]


def test_an_evaluation_with_nobody_in_it():
    policy = reference_policy()
    ev = evaluate(HandPlan(policy), HandTickets.of([]), None, None, period="2026-07",
                  outcomes=hand_outcomes(policy, []))
    out = io.BytesIO()
    write_json(ev, out)
    doc = json.loads(out.getvalue())
    validate(doc)
    assert doc == evaluation_to_json(ev) and doc["customers"] == []
    assert "objectives missed: 0, credits due: 0" in evaluation_to_text(ev)


def test_text_summary_of_many_customers_shows_totals(ev):
    text = evaluation_to_text(ev, detail_limit=1)
    assert "3 customers, 9 customer-months: totals over all customers" in text
    assert "credits due (3; first 3):" in text
    golden("summary-totals.txt", text)


def test_ticket_lists_are_bounded_worst_first_and_both_writers_agree():
    """12 breaches and 4 open tickets in one customer-month: the 10 longest delays are listed
    (ties in input order) with the count of 12; open tickets at 75 % or more of their target
    are at risk, the largest share first."""
    from slalang.evaluation.output.json import AT_RISK_PERCENT, MAX_TICKETS_LISTED

    policy = reference_policy()
    tickets = [(f"B-{k:02d}", "Alfa Srl", "2026-07-06T10:00:00+02:00") for k in range(12)]
    tickets += [(f"O-{k}", "Alfa Srl", "2026-07-07T10:00:00+02:00") for k in range(4)]
    rows = [("Gold", "P2", "breached", "met")] * 12 + [("Gold", "P2", "open", "met")] * 4
    o = hand_outcomes(policy, rows)
    # response rows are the even ones (ticket-major, response then resolution)
    delays = [60, 600, 60, 3000, 1, 7200, 300, 60, 90, 120, 5, 4000]
    for k, d in enumerate(delays):
        o.target[2 * k], o.elapsed[2 * k] = 3600, 3600 + d
    for k, used in enumerate([2699, 2700, 3600, 1000]):  # of 3600: 74.97 %, 75 %, 100 %, 28 %
        r = 2 * (12 + k)
        o.target[r], o.elapsed[r] = 3600, used
    ev = evaluate(HandPlan(policy), HandTickets.of(tickets), None, reference_roster(),
                  period="2026-07", outcomes=o)
    doc = evaluation_to_json(ev)
    validate(doc)
    assert doc["tickets_listed"] == {"max": MAX_TICKETS_LISTED, "at_risk_percent": AT_RISK_PERCENT}
    (month,) = doc["customers"][0]["months"]
    breaches = month["breaches"]
    assert breaches["count"] == 12 and len(breaches["tickets"]) == MAX_TICKETS_LISTED == 10
    assert [t["id"] for t in breaches["tickets"]] == [
        "B-05", "B-11", "B-03", "B-01", "B-06", "B-09", "B-08", "B-00", "B-02", "B-07"]
    assert [t["delay_s"] for t in breaches["tickets"]][:3] == [7200, 4000, 3000]
    at_risk = month["at_risk"]
    assert at_risk["count"] == 2
    assert [(t["id"], t["elapsed_s"]) for t in at_risk["tickets"]] == [("O-2", 3600),
                                                                        ("O-1", 2700)]
    out = io.StringIO()
    write_json(ev, out)
    assert json.loads(out.getvalue()) == doc


def test_ticket_ids_that_need_escaping_survive_the_columnar_writer():
    policy = reference_policy()
    tickets = [('T "1" \\ é', "Alfa Srl", "2026-07-06T10:00:00+02:00")]
    o = hand_outcomes(policy, [("Gold", "P2", "breached", "met")])
    ev = evaluate(HandPlan(policy), HandTickets.of(tickets), None, None, period="2026-07",
                  outcomes=o)
    out = io.StringIO()
    write_json(ev, out)
    doc = json.loads(out.getvalue())
    assert doc == evaluation_to_json(ev)
    assert doc["customers"][0]["months"][0]["breaches"]["tickets"][0]["id"] == 'T "1" \\ é'


def test_listed_tickets_merge_like_one_evaluation():
    """Lists taken chunk by chunk and merged give the same document as the whole."""
    from slalang.evaluation.output.json import ListedTickets

    policy = reference_policy()

    def run(first: int, last: int):
        tickets = [(f"B-{k:02d}", "Alfa Srl", "2026-07-06T10:00:00+02:00")
                   for k in range(first, last)]
        o = hand_outcomes(policy, [("Gold", "P2", "breached", "met")] * (last - first))
        for i, k in enumerate(range(first, last)):
            o.target[2 * i], o.elapsed[2 * i] = 3600, 3600 + 60 * ((k * 7) % 13)
        return evaluate(HandPlan(policy), HandTickets.of(tickets), None, reference_roster(),
                        period="2026-07", outcomes=o)

    whole = run(0, 15)
    want = evaluation_to_json(whole)
    whole.listed = ListedTickets.merge([ListedTickets.of(run(0, 4).verdicts),
                                        ListedTickets.of(run(4, 9).verdicts),
                                        ListedTickets.of(run(9, 15).verdicts)])
    assert evaluation_to_json(whole) == want
    out = io.StringIO()
    write_json(whole, out)
    assert json.loads(out.getvalue()) == want
    assert want["customers"][0]["months"][0]["breaches"]["count"] == 15


def test_tickets_under_a_roster_id_and_under_the_name_are_listed_together():
    """An export that names a customer by its roster id in some rows and by its name in
    others: one customer-month, its worst breaches chosen among both."""
    from slalang.model import Customer, Money, Roster

    policy = reference_policy()
    roster = Roster((Customer("Alfa Srl", "Gold", Money(Decimal(4000), "EUR"), ("email",),
                              id="C-1"),), "customers.yaml")
    tickets = [(f"N-{k:02d}", "Alfa Srl", "2026-07-06T10:00:00+02:00") for k in range(8)]
    tickets += [(f"I-{k:02d}", "C-1", "2026-07-07T10:00:00+02:00") for k in range(8)]
    o = hand_outcomes(policy, [("Gold", "P2", "breached", "met")] * 16)
    for k in range(16):  # delays 1..16 minutes; the id rows are the later, longer ones
        o.target[2 * k], o.elapsed[2 * k] = 3600, 3600 + 60 * (k + 1)
    ev = evaluate(HandPlan(policy), HandTickets.of(tickets), None, roster, period="2026-07",
                  outcomes=o)
    doc = evaluation_to_json(ev)
    (customer,) = doc["customers"]
    breaches = customer["months"][0]["breaches"]
    assert breaches["count"] == 16
    assert [t["delay_s"] for t in breaches["tickets"]] == [60 * d for d in range(16, 6, -1)]
    out = io.StringIO()
    write_json(ev, out)
    assert json.loads(out.getvalue()) == doc


def test_the_document_of_a_customer_in_two_tiers_keeps_both_entries(tmp_path):
    import slalang
    from slalang.data import read_tickets

    path = tmp_path / "t.csv"
    path.write_text(
        "id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
        "T1,C1,Gold,P1,2024-01-02T09:00:00+01:00,2024-01-02T09:20:00+01:00,"
        "2024-01-02T15:00:00+01:00\n"
        "T2,C1,Silver,P2,2024-01-03T09:00:00+01:00,2024-01-03T09:20:00+01:00,"
        "2024-01-05T15:00:00+01:00\n"
        "T3,C2,Bronze,P3,2024-01-03T09:00:00+01:00,2024-01-04T09:20:00+01:00,\n"
        "T4,C1,Gold,P1,2024-02-02T09:00:00+01:00,2024-02-02T11:20:00+01:00,"
        "2024-02-02T15:00:00+01:00\n", encoding="utf-8")
    plan = slalang.compile_plan(slalang.load_policy(
        str(Path(__file__).resolve().parents[2] / "policies" / "bench.sla")))
    ev = evaluate(plan, read_tickets(path), None, None, as_of=t("2030-01-01T00:00:00+00:00"))
    whole = evaluation_to_json(ev)
    assert [(c["customer"], c["tier"]) for c in whole["customers"]] == [
        ("C1", "Gold"), ("C1", "Silver"), ("C2", "Bronze")]
    for name in ("C1", "C2"):
        one = evaluation_to_json(dataclasses.replace(ev), name)
        assert one["customers"] == [c for c in whole["customers"] if c["customer"] == name]


def test_a_failure_choosing_the_listed_tickets_reaches_the_caller(ev, monkeypatch):
    """The listed tickets are chosen on a thread while the document starts: what fails
    there fails the write, as it did on the caller's thread, and nothing is written."""
    import slalang.evaluation.output.json as writer

    def broken(_ev):
        raise MemoryError("no room to list tickets")

    monkeypatch.setattr(writer, "ticket_lists", broken)
    out = io.BytesIO()
    with pytest.raises(MemoryError, match="no room to list tickets"):
        writer.write_json(ev, out)
    assert out.getvalue() == b""
