"""Compliance: verdicts counted per customer, month, metric and priority on hand-built outcomes."""

from decimal import Decimal

import numpy as np
from hand_built import (
    HandPlan,
    HandTickets,
    hand_outcomes,
    reference_policy,
    reference_roster,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.evaluation.compliance import GroupKey, ObjectiveResult, count_outcomes
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.periods import bucket_of, parse_period

POLICY = reference_policy()
METRICS = POLICY.metrics
PRIORITIES = ("P1", "P2", "P3", "P4")


def month_of(ev, customer, label):
    return next(m for m in ev.months if m.customer == customer and m.bucket.label == label)


def objective(m, metric, priority):
    return next(o for o in m.objectives if (o.metric, o.priority) == (metric, priority))


def test_ticket_created_late_on_31_july_utc_is_in_august():
    # 2026-07-31T23:30Z is 01:30 on 1 August in Rome: the ticket belongs to August
    tickets = HandTickets.of([("T1", "Beta SpA", "2026-07-31T23:30:00Z"),
                              ("T2", "Beta SpA", "2026-07-31T21:59:59Z")])  # 23:59:59 Rome
    outcomes = hand_outcomes(POLICY, [("Silver", "P2", "met", "met"),
                                      ("Silver", "P2", "breached", "met")])
    ev = evaluate(HandPlan(POLICY), tickets, None, reference_roster(), period="2026-Q3",
                  outcomes=outcomes)
    aug = objective(month_of(ev, "Beta SpA", "2026-08"), "response", "P2")
    jul = objective(month_of(ev, "Beta SpA", "2026-07"), "response", "P2")
    assert (aug.met, aug.breached) == (1, 0)
    assert (jul.met, jul.breached) == (0, 1)


def test_open_and_excluded_do_not_enter_compliance():
    tickets = HandTickets.of([(f"T{i}", "Alfa Srl", "2026-07-06T10:00:00+02:00")
                              for i in range(4)])
    outcomes = hand_outcomes(POLICY, [("Gold", "P3", "met", "met"),
                                      ("Gold", "P3", "breached", "open"),
                                      ("Gold", "P3", "excluded", "excluded"),
                                      ("Gold", "P3", "met", "open")])
    ev = evaluate(HandPlan(POLICY), tickets, None, reference_roster(), period="2026-07",
                  outcomes=outcomes)
    m = month_of(ev, "Alfa Srl", "2026-07")
    r = objective(m, "resolution", "P3")
    assert (r.met, r.breached, r.open, r.excluded) == (1, 0, 2, 1)
    assert r.compliance == Decimal(100) and r.achieved is True
    s = objective(m, "response", "P3")
    # 2 met of 3 decided: 66.67 % < 95 %
    assert (s.met, s.breached, s.excluded) == (2, 1, 1) and s.achieved is False
    assert (m.counts.tickets, m.counts.excluded, m.counts.open) == (4, 1, 2)


def test_no_decided_ticket_is_not_applicable():
    o = ObjectiveResult("response", "P1", Decimal(95), met=0, breached=0, open=3)
    assert o.compliance is None and o.achieved is None


def test_exactly_on_the_objective_is_achieved():
    # 19 of 20 = 95 % exactly: achieved; 18 of 19 = 94.74 %: missed
    assert ObjectiveResult("response", "P1", Decimal(95), met=19, breached=1).achieved is True
    assert ObjectiveResult("response", "P1", Decimal(95), met=18, breached=1).achieved is False
    # 99.5 % of 200 = 199 met
    assert ObjectiveResult("r", "P1", Decimal("99.5"), met=199, breached=1).achieved is True


def test_every_target_of_the_tier_is_listed_even_without_tickets():
    ev = evaluate(HandPlan(POLICY), HandTickets.of([]), None, reference_roster(),
                  period="2026-07", outcomes=hand_outcomes(POLICY, []))
    m = month_of(ev, "Gamma Snc", "2026-07")
    assert len(m.objectives) == 8  # 2 metrics x 4 priorities
    assert all(o.compliance is None for o in m.objectives)
    assert m.credit.percent == 0


def test_invalid_tickets_are_counted_not_aggregated():
    tickets = HandTickets.of([("T1", "Nobody", "2026-07-06T10:00:00+02:00")])
    outcomes = hand_outcomes(POLICY, [("", "P1", "invalid", "invalid")])
    ev = evaluate(HandPlan(POLICY), tickets, None, reference_roster(), period="2026-07",
                  outcomes=outcomes)
    nobody = [m for m in ev.months if m.customer == "Nobody"]
    assert len(nobody) == 1 and nobody[0].counts.invalid == 1
    assert nobody[0].objectives == () and nobody[0].credit.percent == 0


def test_quarter_compliance_is_over_the_quarters_tickets():
    # July: 1 met of 1; August: 0 met of 1 -> quarter 1 of 2 = 50 %
    tickets = HandTickets.of([("T1", "Gamma Snc", "2026-07-06T10:00:00+02:00"),
                              ("T2", "Gamma Snc", "2026-08-06T10:00:00+02:00")])
    outcomes = hand_outcomes(POLICY, [("Bronze", "P4", "met", "met"),
                                      ("Bronze", "P4", "breached", "met")])
    ev = evaluate(HandPlan(POLICY), tickets, None, reference_roster(), period="2026-Q3",
                  outcomes=outcomes)
    gamma = next(c for c in ev.customers if c.customer == "Gamma Snc")
    q = next(o for o in gamma.objectives if (o.metric, o.priority) == ("response", "P4"))
    assert (q.met, q.breached, q.compliance) == (1, 1, Decimal(50))
    assert gamma.counts.tickets == 2


def test_tickets_outside_the_period_are_left_out():
    tickets = HandTickets.of([("T1", "Gamma Snc", "2026-06-30T21:59:59Z"),   # 23:59:59 June
                              ("T2", "Gamma Snc", "2026-07-01T00:00:00+02:00")])
    outcomes = hand_outcomes(POLICY, [("Bronze", "P4", "met", "met")] * 2)
    ev = evaluate(HandPlan(POLICY), tickets, None, reference_roster(), period="2026-07",
                  outcomes=outcomes)
    assert month_of(ev, "Gamma Snc", "2026-07").counts.tickets == 1


def test_default_period_spans_the_tickets_months_and_as_of_is_its_end():
    tickets = HandTickets.of([("T1", "Gamma Snc", "2026-07-06T10:00:00+02:00"),
                              ("T2", "Gamma Snc", "2026-09-06T10:00:00+02:00")])
    outcomes = hand_outcomes(POLICY, [("Bronze", "P4", "met", "met")] * 2)
    ev = evaluate(HandPlan(POLICY), tickets, None, None, outcomes=outcomes)
    assert [b.label for b in ev.period.buckets] == ["2026-07", "2026-08", "2026-09"]
    assert ev.as_of == ev.period.end


statuses = st.sampled_from(["met", "breached", "open", "excluded"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Alfa Srl", "Beta SpA", "Gamma Snc"]),
                          st.integers(0, 2), st.sampled_from(["P1", "P2", "P3", "P4"]),
                          statuses, statuses), max_size=40))
def test_vectorised_counts_match_a_plain_loop(rows):
    tier = {"Alfa Srl": "Gold", "Beta SpA": "Silver", "Gamma Snc": "Bronze"}
    created = ["2026-07-10T10:00:00+02:00", "2026-08-10T10:00:00+02:00",
               "2026-09-10T10:00:00+02:00"]
    tickets = HandTickets.of([(f"T{i}", c, created[b]) for i, (c, b, *_r) in enumerate(rows)])
    outcomes = hand_outcomes(POLICY, [(tier[c], p, s1, s2) for c, _b, p, s1, s2 in rows])
    period = parse_period("2026-Q3", "Europe/Rome")
    agg = count_outcomes(outcomes, tickets, bucket_of(tickets.created_at, period), METRICS,
                         PRIORITIES, len(period.buckets))
    expected: dict = {}
    for c, b, p, s1, s2 in rows:
        for metric, s in zip(METRICS, (s1, s2), strict=True):
            key = (GroupKey(b, c, tier[c]), metric, p)
            cell = expected.setdefault(key, np.zeros(5, dtype=np.int64))
            cell[["met", "breached", "open", "excluded"].index(s)] += 1
    got = {(agg.key(g), m, p): cell for g in range(len(agg))
           for (m, p), cell in agg.cell_dict(agg.cells[g]).items()}
    assert got.keys() == expected.keys()
    for key, cell in expected.items():
        assert got[key].tolist() == cell.tolist()
    assert int(agg.g_counts[:, 0].sum()) == len(rows)
    keys = [agg.key(g) for g in range(len(agg))]
    assert keys == sorted(keys, key=lambda k: (k.customer, k.tier, k.bucket))


@settings(max_examples=100, deadline=None)
@given(groups=st.integers(0, 30), density=st.floats(0, 1), big=st.booleans(),
       seed=st.integers(0, 2**16))
def test_an_aggregate_pickles_exactly(groups, density, big, seed):
    """An aggregate travels between processes with only its non-zero cells, each array in the
    narrowest type that holds it: it arrives equal, in every value and type (counts beyond
    32 bits included)."""
    import pickle

    from slalang.evaluation.compliance import Aggregate

    rng = np.random.default_rng(seed)
    top = 1 << 40 if big else 300
    cells = rng.integers(0, top, (groups, 2, 4, 5)) * (rng.random((groups, 2, 4, 5)) < density)
    agg = Aggregate(("", "C1"), ("Gold", "Silver"), ("response", "resolution"),
                    ("P1", "P2", "P3", "P4"), rng.integers(0, 2, groups),
                    rng.integers(0, 2, groups).astype(np.int32), np.arange(groups) * (top // 7),
                    rng.integers(0, top, (groups, 4)), cells)
    back = pickle.loads(pickle.dumps(agg, protocol=5))
    for name in ("g_customer", "g_tier", "g_bucket", "g_counts", "cells"):
        want, got = getattr(agg, name), getattr(back, name)
        assert got.dtype == want.dtype and got.shape == want.shape, name
        assert np.array_equal(got, want), name
    assert (back.customers, back.tiers, back.metrics, back.priorities) == (
        agg.customers, agg.tiers, agg.metrics, agg.priorities)
