"""Clock semantics on hand-built tickets, with the numbers worked out by hand.

The office calendar is Europe/Rome, Monday to Friday 08:30-13:00 and 14:00-18:00 (4h30m + 4h
= 8h30m a day), closed on 2026-03-04 (a one-off closure). Monday 2026-03-02 is
a Monday; Rome is at +01:00 in March (before the DST change on the 29th).

Every case runs both paths: the vectorised one (compute_outcomes) and the per-ticket one
(explain_ticket), and checks them against the hand-worked numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from slalang.data.table import CATEGORICAL_COLUMNS, INSTANT_COLUMNS, Categorical, TicketTable
from slalang.evaluation.explain import explain_ticket
from slalang.evaluation.outcomes import (
    BREACHED,
    EXCLUDED,
    INVALID,
    MET,
    OPEN,
    compute_outcomes,
)
from slalang.model import (
    CalendarDef,
    ClockDef,
    ClockEvent,
    Condition,
    Customer,
    Exclusion,
    Header,
    Policy,
    Priority,
    PriorityDerivation,
    PriorityRule,
    Roster,
    Span,
    Target,
    Tier,
    TimeRange,
)
from slalang.plan import compile_plan

NAT = np.iinfo(np.int64).min
H, M = 3600, 60
PAUSES = ("waiting_on_customer", "waiting_on_vendor", "resolved", "closed")


def span(line: int) -> Span:
    return Span("t.sla", line, 1, line, 2)


CREATED, RESOLVED = ClockEvent("created"), ClockEvent("resolved")


CHANGES = (Exclusion("tickets", (Condition("category", "=", ("change_request",)),),
                     span=span(30)),)


def policy(*, on_reopen="resume", on_priority_change="carry", derivation=None,
           start=CREATED, stop=RESOLVED, exclusions=CHANGES) -> Policy:
    office = CalendarDef("office", "Europe/Rome", False,
                         tuple([(TimeRange(510, 780), TimeRange(840, 1080))] * 5 + [(), ()]),
                         closures=(dt.date(2026, 3, 4),), span=span(2))
    always = CalendarDef("always", "Europe/Rome", True, tuple([(TimeRange(0, 1440),)] * 7),
                         span=span(3))
    targets = []
    for metric, secs in (("response", (15 * M, 1 * H, 4 * H, 8 * H)),
                         ("resolution", (4 * H, 8 * H, 16 * H, 40 * H))):
        for i, s in enumerate(secs):
            cal = "always" if (metric, i) == ("response", 0) else "office"
            targets.append(Target(metric, f"P{i + 1}", s, cal, Decimal(90), "Gold",
                                  span(20 + i)))
    clocks = (
        ClockDef("response", ClockEvent("created"), ClockEvent("first_response"), span=span(10)),
        ClockDef("resolution", start, stop, PAUSES,
                 on_reopen, on_priority_change, span=span(11)),
    )
    return Policy(
        header=Header("t", "1", dt.date(2026, 1, 1), "EUR", "month", "Europe/Rome", span=span(1)),
        calendars=(office, always),
        priorities=tuple(Priority(f"P{i}", f"p{i}", i, span(5)) for i in range(1, 5)),
        clocks=clocks,
        tiers=(Tier("Gold", None, None, tuple(targets), span=span(19)),),
        exclusions=exclusions,
        priority_derivation=derivation,
        source_path="t.sla")


ROSTER = Roster((Customer("Alfa", "Gold", None, ("email",)),))


def ep(text: str | None) -> int:
    """Epoch seconds of a Rome wall time 'YYYY-MM-DD HH:MM' (March 2026: +01:00)."""
    if text is None:
        return NAT
    return int(dt.datetime.fromisoformat(text + "+01:00").timestamp())


def table(rows: list[dict]) -> TicketTable:
    """A TicketTable from dicts; events are (time, status, priority) triples."""
    evs = [r.get("events", []) for r in rows]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in evs], out=offsets[1:])
    flat = [e for es in evs for e in es]
    return TicketTable(
        id=np.array([r["id"] for r in rows], dtype=object),
        **{c: Categorical.from_values([r.get(c, "Alfa" if c == "customer" else None)
                                       for r in rows]) for c in CATEGORICAL_COLUMNS},
        **{c: np.array([ep(r.get(c)) for r in rows], dtype=np.int64) for c in INSTANT_COLUMNS},
        event_offsets=offsets,
        event_at=np.array([ep(e[0]) for e in flat], dtype=np.int64),
        event_status=Categorical.from_values([e[1] for e in flat]),
        event_priority=Categorical.from_values([e[2] if len(e) > 2 else None for e in flat]),
        extra={k: np.array([r.get(k) for r in rows], dtype=object)
               for k in ("impact", "urgency", "source") if any(k in r for r in rows)},
        source_row=np.arange(2, len(rows) + 2, dtype=np.int64),
        source="t.csv",
    )


def run(rows, as_of="2026-03-20 00:00", **kw):
    """Both paths; returns {(id, metric): (status, elapsed, due_at, stopped_at)}."""
    plan = compile_plan(policy(**kw))
    t = table(rows)
    out = compute_outcomes(plan, t, ROSTER, ep(as_of))
    vec = {}
    for k in range(len(out)):
        key = (t.id[out.ticket[k]], plan.metrics[out.metric[k]])
        vec[key] = (int(out.status[k]), int(out.elapsed[k]), int(out.due_at[k]),
                    int(out.stopped_at[k]))
    for i in range(len(t)):
        ex = explain_ticket(plan, t.row(i), ep(as_of), ROSTER)
        for m in ex.metrics:
            got = vec[(t.id[i], m.metric)]
            assert (m.status, m.elapsed) == got[:2], (t.id[i], m.metric)
            assert (m.due_at if m.due_at is not None else NAT) == got[2], (t.id[i], m.metric)
            if m.segments:  # the counted segments add up to the elapsed time
                assert sum(s.seconds for s in m.segments) == m.elapsed
    return vec, out


def test_exactly_on_target_is_met():
    vec, _ = run([{"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00",
                   "first_response_at": "2026-03-02 10:00"}])
    assert vec["a", "response"][:2] == (MET, H)
    assert vec["a", "response"][2] == ep("2026-03-02 10:00")


def test_due_at_end_of_day_not_next_morning():
    # 4h from Monday 14:00 is Monday 18:00 exactly; resolved Tuesday 09:00 = 4h30m
    vec, _ = run([{"id": "a", "priority": "P3", "created_at": "2026-03-02 14:00",
                   "first_response_at": "2026-03-02 18:00",
                   "resolved_at": "2026-03-03 09:00"}])
    status, elapsed, due, stopped = vec["a", "response"]
    assert (status, elapsed, due) == (MET, 4 * H, ep("2026-03-02 18:00"))
    assert vec["a", "resolution"][:2] == (MET, 4 * H + 30 * M)
    assert stopped == ep("2026-03-02 18:00")


def test_pause_across_the_night_and_due_pushed():
    # 09:00-12:00 counts 3h; paused Mon 12:00 -> Tue 10:00; Tue 10:00-11:00 counts 1h
    # P2 resolution (8h): 3h before the pause, 5h from Tue 10:00 -> 13:00 (3h) + 14:00-16:00
    vec, _ = run([{"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00",
                   "first_response_at": "2026-03-02 09:10",
                   "resolved_at": "2026-03-03 11:00",
                   "events": [("2026-03-02 12:00", "waiting_on_customer"),
                              ("2026-03-03 10:00", "in_progress"),
                              ("2026-03-03 11:00", "resolved")]}])
    assert vec["a", "resolution"][:3] == (MET, 4 * H, ep("2026-03-03 16:00"))


def test_pause_outside_hours_changes_nothing_and_closure_does_not_count():
    # paused Saturday -> Sunday: no effect; Wednesday 2026-03-04 is a closure
    # Tue 17:00 -> 18:00 (1h), Wed closed, Thu 08:30 -> 10:00 (1h30m)
    vec, _ = run([{"id": "a", "priority": "P2", "created_at": "2026-03-03 17:00",
                   "first_response_at": "2026-03-05 10:00",
                   "resolved_at": "2026-03-09 09:00",
                   "events": [("2026-03-07 10:00", "waiting_on_vendor"),
                              ("2026-03-08 10:00", "in_progress")]}])
    assert vec["a", "response"][:2] == (BREACHED, 2 * H + 30 * M)
    # resolution: Tue 1h + Thu 8h30m + Fri 8h30m + Mon 30m = 18h30m (the weekend pause is void)
    assert vec["a", "resolution"][:2] == (BREACHED, 18 * H + 30 * M)
    # due: 8h = Tue 1h, then Thu 7h: 08:30-13:00 (4h30m) + 14:00-16:30
    assert vec["a", "resolution"][2] == ep("2026-03-05 16:30")


REOPENED = {"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00",
            "first_response_at": "2026-03-02 09:30", "resolved_at": "2026-03-02 16:00",
            "events": [("2026-03-02 11:00", "resolved"), ("2026-03-02 15:00", "in_progress"),
                       ("2026-03-02 16:00", "resolved")]}


def test_reopen_resume_pauses_the_resolved_time():
    # 09:00-11:00 (2h) + 15:00-16:00 (1h); resolved 11:00-15:00 is a pause
    vec, _ = run([REOPENED], on_reopen="resume")
    assert vec["a", "resolution"][:2] == (MET, 3 * H)
    assert vec["a", "resolution"][3] == ep("2026-03-02 16:00")


def test_reopen_restart_counts_from_the_reopening():
    vec, _ = run([REOPENED], on_reopen="restart")
    assert vec["a", "resolution"][:2] == (MET, 1 * H)
    # 8h from Mon 15:00: 15:00-18:00 (3h) + Tue 08:30-13:00 (4h30m) + 14:00-14:30
    assert vec["a", "resolution"][2] == ep("2026-03-03 14:30")


CONTAINED_TWICE = {"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00",
                   "events": [("2026-03-02 10:00", "contained"), ("2026-03-02 11:00", "resolved"),
                              ("2026-03-02 15:00", "in_progress"),
                              ("2026-03-02 16:30", "contained"), ("2026-03-02 17:00", "resolved")]}
CONTAINED = ClockEvent("status", "contained")


def test_reopen_restart_with_a_status_stop_measures_the_new_episode():
    # the threat came back: the clock restarts at the 15:00 reopening and stops at the
    # containment after it (16:30), not at the first containment (10:00)
    vec, _ = run([CONTAINED_TWICE], on_reopen="restart", stop=CONTAINED)
    assert vec["a", "resolution"] == (MET, 1 * H + 30 * M, ep("2026-03-03 14:30"),
                                      ep("2026-03-02 16:30"))
    # reopened, not contained again yet: running since the reopening
    vec, _ = run([CONTAINED_TWICE], as_of="2026-03-02 16:00", on_reopen="restart",
                 stop=CONTAINED)
    assert vec["a", "resolution"][:2] == (OPEN, 1 * H)
    # with resume, the first containment stops the clock
    vec, _ = run([CONTAINED_TWICE], on_reopen="resume", stop=CONTAINED)
    assert vec["a", "resolution"][:2] == (MET, 1 * H)


PRIORITY_CHANGE = {"id": "a", "priority": "P3", "created_at": "2026-03-02 09:00",
                   "first_response_at": "2026-03-02 09:05", "resolved_at": "2026-03-02 12:00",
                   "events": [("2026-03-02 10:00", None, "P1")]}


def test_priority_change_carry_keeps_elapsed_against_the_new_target():
    vec, out = run([PRIORITY_CHANGE], on_priority_change="carry")
    # P1 resolution target 4h (office), counted from creation: 3h, due 09:00 + 4h = 13:00
    assert vec["a", "resolution"][:3] == (MET, 3 * H, ep("2026-03-02 13:00"))
    assert out.priority.labels[out.priority.codes[0]] == "P1"


def test_priority_change_restart_counts_from_the_change():
    vec, _ = run([PRIORITY_CHANGE], on_priority_change="restart")
    # from 10:00: 2h; due 10:00 + 4h = 10:00-13:00 (3h) + 14:00-15:00
    assert vec["a", "resolution"][:3] == (MET, 2 * H, ep("2026-03-02 15:00"))


def test_open_and_breached_while_open_at_as_of():
    rows = [{"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00"}]
    vec, out = run(rows, as_of="2026-03-02 10:00")
    assert vec["a", "resolution"] == (OPEN, H, ep("2026-03-02 18:00"), NAT)
    # two days on (Wednesday is closed): Mon from 09:00 8h + Tue 8h30m = 16h30m > 8h:
    # breached although still running
    vec, _ = run(rows, as_of="2026-03-04 09:00")
    assert vec["a", "resolution"][:2] == (BREACHED, 16 * H + 30 * M)
    assert vec["a", "resolution"][3] == NAT


def test_a_stop_after_as_of_is_not_known_yet():
    rows = [{"id": "a", "priority": "P1", "created_at": "2026-03-02 09:00",
             "first_response_at": "2026-03-02 09:10"}]
    vec, _ = run(rows, as_of="2026-03-02 09:05")
    # P1 response is 15 minutes on the 24x7 calendar
    assert vec["a", "response"] == (OPEN, 5 * M, ep("2026-03-02 09:15"), NAT)


def test_exclusion_and_invalid_tickets():
    rows = [{"id": "x", "priority": "P2", "category": "change_request",
             "created_at": "2026-03-02 09:00"},
            {"id": "u", "customer": "Nobody", "priority": "P2", "created_at": "2026-03-02 09:00"},
            {"id": "p", "priority": "P9", "created_at": "2026-03-02 09:00"}]
    vec, out = run(rows)
    assert vec["x", "response"][0] == vec["x", "resolution"][0] == EXCLUDED
    assert vec["u", "response"][0] == vec["u", "resolution"][0] == INVALID
    assert vec["p", "resolution"][0] == INVALID
    assert [(r.row, r.field) for r in out.rejected] == [(3, "customer"), (4, "priority")]
    assert "Nobody" in out.rejected[0].reason
    assert out.exclusion.tolist() == [0, 0, -1, -1, -1, -1]


def test_tier_column_serves_a_customer_not_in_the_roster():
    rows = [{"id": "a", "customer": "Nobody", "tier": "Gold", "priority": "P2",
             "created_at": "2026-03-02 09:00", "first_response_at": "2026-03-02 09:30"}]
    vec, _ = run(rows)
    assert vec["a", "response"][:2] == (MET, 30 * M)


def test_a_tier_column_contradicting_the_roster_is_invalid():
    # Alfa is Gold in the roster; a ticket labelled otherwise would be measured against the
    # wrong targets: it is invalid, and the rejection names both tiers
    rows = [{"id": "a", "customer": "Alfa", "tier": "Silver", "priority": "P2",
             "created_at": "2026-03-02 09:00", "first_response_at": "2026-03-02 09:30"},
            {"id": "b", "customer": "Alfa", "tier": "Gold", "priority": "P2",
             "created_at": "2026-03-02 09:00", "first_response_at": "2026-03-02 09:30"}]
    policy_with_silver = policy()
    silver = Tier("Silver", None, None, policy_with_silver.tiers[0].targets, span=span(40))
    plan = compile_plan(dataclasses.replace(policy_with_silver,
                                            tiers=(*policy_with_silver.tiers, silver)))
    t = table(rows)
    out = compute_outcomes(plan, t, ROSTER, ep("2026-03-20 00:00"))
    status = {(t.id[out.ticket[k]], plan.metrics[out.metric[k]]): int(out.status[k])
              for k in range(len(out))}
    assert status["a", "response"] == INVALID and status["b", "response"] == MET
    assert [(r.field, r.reason) for r in out.rejected] == [
        ("tier", "ticket a: tier 'Silver' in the ticket, but the roster puts 'Alfa' on 'Gold'")]
    # an exclusion on the tier does not see the contradicted tier, in either path
    excluding = dataclasses.replace(plan.policy, exclusions=(Exclusion(
        "tickets", (Condition("tier", "=", ("Silver",)),), span=span(31)),))
    out2 = compute_outcomes(compile_plan(excluding), t, ROSTER, ep("2026-03-20 00:00"))
    assert int(out2.status[0]) == INVALID
    assert explain_ticket(compile_plan(excluding), t.row(0), ep("2026-03-20 00:00"),
                          ROSTER).metrics[0].status == INVALID
    explained = explain_ticket(plan, t.row(0), ep("2026-03-20 00:00"), ROSTER)
    assert explained.metrics[0].status == INVALID
    assert explained.problems == ("tier: 'Silver' in the ticket, but the roster puts 'Alfa' "
                                  "on 'Gold'",)


def test_priority_from_the_matrix():
    deriv = PriorityDerivation(("impact", "urgency"), (
        PriorityRule(("high", "high"), "P1", span(40)),
        PriorityRule(("low", "low"), "P4", span(41))), span(39))
    rows = [{"id": "a", "impact": "high", "urgency": "high", "created_at": "2026-03-02 09:00",
             "first_response_at": "2026-03-02 09:20"},
            {"id": "b", "impact": "low", "urgency": "high", "created_at": "2026-03-02 09:00"}]
    vec, out = run(rows, derivation=deriv)
    assert vec["a", "response"][:2] == (BREACHED, 20 * M)
    assert vec["b", "response"][0] == INVALID
    assert [r.field for r in out.rejected] == ["priority"]


@pytest.mark.parametrize("as_of", ["2026-03-02 08:00"])
def test_not_started_yet(as_of):
    vec, _ = run([{"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00"}], as_of=as_of)
    assert vec["a", "response"] == (OPEN, 0, NAT, NAT)


# -- differential: the vectorised and the per-ticket paths agree on generated tickets --------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WINDOW = (ep("2026-03-20 00:00"), ep("2026-04-06 00:00"))  # spans the DST change of Mar 29
STATUSES = ("in_progress", "waiting_on_customer", "waiting_on_vendor", "resolved", "closed")


def fmt(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=1))).strftime(
        "%Y-%m-%d %H:%M")


@st.composite
def tickets(draw, i: int = 0) -> dict:
    minute = st.integers(0, (WINDOW[1] - WINDOW[0]) // 60)
    created = WINDOW[0] + 60 * draw(minute)
    later = st.integers(0, 5 * 24 * 60).map(lambda m: created + 60 * m)
    times = sorted(draw(st.lists(later, max_size=6)))
    events = [(fmt(t), draw(st.sampled_from(STATUSES + (None,))),
               draw(st.sampled_from((None, None, "P1", "P2", "P3", "P4")))) for t in times]
    events = [e for e in events if e[1] or e[2]]
    row = {"priority": draw(st.sampled_from(("P1", "P2", "P3", "P4", None))),
           "category": draw(st.sampled_from((None, "incident", "change_request"))),
           "created_at": fmt(created), "events": events}
    for field in ("first_response_at", "resolved_at", "closed_at"):
        if draw(st.booleans()):
            row[field] = fmt(draw(later))
    return row


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(tickets(), min_size=1, max_size=12),
       on_reopen=st.sampled_from(("resume", "restart")),
       on_priority_change=st.sampled_from(("carry", "restart")),
       as_of=st.integers(0, (WINDOW[1] - WINDOW[0]) // 60 + 7 * 24 * 60),
       start=st.sampled_from((ClockEvent("created"), ClockEvent("status", "in_progress"))),
       stop=st.sampled_from((ClockEvent("resolved"), ClockEvent("closed"),
                             ClockEvent("status", "waiting_on_vendor"),
                             ClockEvent("status", "in_progress"))))
def test_vectorised_and_per_ticket_paths_agree(rows, on_reopen, on_priority_change, as_of,
                                               start, stop):
    rows = [{**r, "id": f"T{i}"} for i, r in enumerate(rows)]
    # run() asserts that both paths give the same status, elapsed and due instant
    run(rows, as_of=fmt(WINDOW[0] + 60 * as_of), on_reopen=on_reopen,
        on_priority_change=on_priority_change, start=start, stop=stop)


def test_empty_table_and_no_events():
    vec, out = run([])
    assert vec == {} and len(out) == 0 and out.rejected == []
    vec, _ = run([{"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00",
                   "first_response_at": "2026-03-02 09:45"}])
    assert vec["a", "response"][:2] == (MET, 45 * M)


def test_roster_tier_unknown_to_the_policy_is_invalid():
    plan = compile_plan(policy())
    roster = Roster((Customer("Alfa", "Platinum", None, ("email",)),))
    t = table([{"id": "a", "priority": "P2", "created_at": "2026-03-02 09:00"}])
    out = compute_outcomes(plan, t, roster, ep("2026-03-03 09:00"))
    assert out.status.tolist() == [INVALID, INVALID]
    assert [(r.row, r.field) for r in out.rejected] == [(2, "tier")]
    ex = explain_ticket(plan, t.row(0), ep("2026-03-03 09:00"), roster)
    assert [m.status for m in ex.metrics] == [INVALID, INVALID]
    assert ex.problems == ("tier: unknown tier 'Platinum'",)


def test_exclusions_on_extra_fields_tier_and_priority():
    exclusions = (
        Exclusion("tickets", (Condition("source", "in", ("monitoring", "test")),
                              Condition("priority", "!=", ("P1",))), span=span(31)),
        Exclusion("tickets", (Condition("tier", "=", ("Gold",)),
                              Condition("category", "not in", ("incident",))), span=span(32)),
    )
    rows = [{"id": "m", "priority": "P2", "source": "monitoring", "category": "incident",
             "created_at": "2026-03-02 09:00"},
            {"id": "p1", "priority": "P1", "source": "monitoring", "category": "incident",
             "created_at": "2026-03-02 09:00"},
            {"id": "g", "priority": "P2", "category": "question",
             "created_at": "2026-03-02 09:00"},
            {"id": "n", "priority": "P2", "category": None, "created_at": "2026-03-02 09:00"}]
    vec, out = run(rows, exclusions=exclusions)
    assert [vec[i, "response"][0] for i in ("m", "p1", "g", "n")] == [
        EXCLUDED, BREACHED, EXCLUDED, EXCLUDED]
    assert out.exclusion[::2].tolist() == [0, -1, 1, 1]
