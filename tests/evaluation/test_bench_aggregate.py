"""The benchmark's known answer: tickets, verdicts and business-second sums.

The 10k set is generated from ../shared/bench (skipped when it is absent); a committed 300-ticket
sample checks the same computation everywhere.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from shared_folder import needs, shared_path

from slalang.data import read_tickets
from slalang.evaluation.explain import explain_ticket
from slalang.evaluation.outcomes import MET, compute_outcomes
from slalang.language import load_policy
from slalang.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "fixtures" / "bench300"
#: far after every instant of the data, so every clock has stopped
AS_OF = int(dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp())


def shared_dir() -> Path | None:
    found = shared_path("bench", "gen_tickets.py")
    return found.parent.parent if found else None


def summary(tickets) -> tuple[int, int, int, int, int]:
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    out = compute_outcomes(plan, tickets, None, AS_OF)
    resp, reso = out.metric == 0, out.metric == 1
    assert not out.rejected
    return (len(tickets), int((out.status[resp] == MET).sum()),
            int((out.status[reso] == MET).sum()), int(out.elapsed[resp].sum()),
            int(out.elapsed[reso].sum()))


@pytest.fixture(scope="module")
def bench_10k(tmp_path_factory):
    shared = shared_dir()
    if shared is None:
        pytest.skip(needs("bench", "gen_tickets.py"))
    out = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "BENCH_DATA": str(out)}
    subprocess.run([sys.executable, str(shared / "bench" / "gen_tickets.py"), "--sizes", "10k"],
                   check=True, env=env, cwd=out, capture_output=True)
    return read_tickets(out / "tickets_10k.csv", out / "events_10k.csv")


@pytest.mark.slow
def test_bench_10k_known_answer(bench_10k):
    assert summary(bench_10k) == (10_000, 8_870, 7_935, 185_382_855, 1_647_790_222)


@pytest.mark.slow
def test_bench_10k_paths_agree(bench_10k):
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    out = compute_outcomes(plan, bench_10k, None, AS_OF)
    got = np.zeros((3, len(out)), dtype=np.int64)
    for i in range(len(bench_10k)):
        for m, e in enumerate(explain_ticket(plan, bench_10k.row(i), AS_OF).metrics):
            got[:, 2 * i + m] = (e.status, e.elapsed, e.due_at)
    assert np.array_equal(got, np.stack([out.status, out.elapsed, out.due_at]))


@pytest.fixture(scope="module")
def sample():
    return read_tickets(SAMPLE / "tickets.csv", SAMPLE / "events.csv")


def test_sample_aggregate(sample):
    assert summary(sample) == (300, 267, 245, 5_478_661, 41_178_719)


# worked by hand from the events (Bronze, office Mon-Fri 08:30-18:00, 2024-01-01 a holiday):
# T0000002 P2: response 08:30-08:34:18 on Jan 2 = 258 s; resolution Jan 2 08:30-13:37:48
#   (18,468 s) + after the vendor pause Jan 3 12:28:28-18:00 (19,892 s) = 38,360 s.
# T0000013 P2: response 11:14:15-12:05:13 = 3,058 s; resolution 1h3m38 + 3m41 + 42m34 + 2m38
#   + 48s between four short customer pauses = 6,799 s.
# T0000001 P4: response Jan 2 08:30-08:59:38 = 1,778 s; resolution 4h7m34 (Jan 2) + 9h30m
#   (Jan 3) + 1h49m22 (Jan 5) + 11m25 (Jan 8) = 56,301 s (Jan 6 is Epiphany, a Saturday).
HAND = {"T0000002": (258, 38_360), "T0000013": (3_058, 6_799), "T0000001": (1_778, 56_301)}


@pytest.mark.parametrize("ticket_id", sorted(HAND))
def test_sample_hand_checked(sample, ticket_id):
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    ex = explain_ticket(plan, sample.row(sample.index_of(ticket_id)), AS_OF)
    assert tuple(m.elapsed for m in ex.metrics) == HAND[ticket_id]
    out = compute_outcomes(plan, sample, None, AS_OF)
    i = sample.index_of(ticket_id)
    assert tuple(out.elapsed[2 * i: 2 * i + 2].tolist()) == HAND[ticket_id]


def test_sample_paths_agree_on_every_ticket(sample):
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    out = compute_outcomes(plan, sample, None, AS_OF)
    scalar = np.array([[m.elapsed for m in explain_ticket(plan, sample.row(i), AS_OF).metrics]
                       for i in range(len(sample))]).ravel()
    assert np.array_equal(scalar, out.elapsed)
