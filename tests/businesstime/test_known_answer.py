"""End to end against the shared benchmark's known answer (10k tickets).

The shared folder (``../shared/bench`` beside the clone) holds a deterministic generator of
synthetic tickets and the totals a correct evaluation reproduces. We run the generator (we do
not copy it) and recompute the totals with the engine. Skipped when the folder is absent.
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from shared_folder import needs, shared_path

from slalang.businesstime import Calendar, Pauses

REPO = Path(__file__).resolve().parents[2]
BENCH = (p.parent if (p := shared_path("bench", "gen_tickets.py")) else None)

H = 3600
# the benchmark policy's targets (its README): (tier, priority) -> (response, resolution)
TARGETS = {
    ("Gold", "P1"): (30 * 60, 4 * H), ("Gold", "P2"): (H, 8 * H),
    ("Gold", "P3"): (4 * H, 24 * H), ("Gold", "P4"): (8 * H, 40 * H),
    ("Silver", "P1"): (H, 8 * H), ("Silver", "P2"): (2 * H, 16 * H),
    ("Silver", "P3"): (8 * H, 40 * H), ("Silver", "P4"): (16 * H, 80 * H),
    ("Bronze", "P1"): (2 * H, 16 * H), ("Bronze", "P2"): (4 * H, 24 * H),
    ("Bronze", "P3"): (16 * H, 80 * H), ("Bronze", "P4"): (24 * H, 120 * H),
}
# the README's row for 10k: tickets, responses met, resolutions met, sums of business seconds
KNOWN_10K = (10_000, 8_870, 7_935, 185_382_855, 1_647_790_222)
PAUSING = {"waiting_on_customer", "waiting_on_vendor"}


def epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


@pytest.mark.skipif(BENCH is None, reason=needs("bench", "gen_tickets.py"))
def test_reproduces_the_10k_known_answer(tmp_path):
    subprocess.run(
        [sys.executable, str(BENCH / "gen_tickets.py"), "--sizes", "10k"],
        check=True, capture_output=True, env={"BENCH_DATA": str(tmp_path)},
    )
    with open(tmp_path / "tickets_10k.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    index = {r["id"]: i for i, r in enumerate(rows)}
    per_ticket: list[list[tuple[int, int]]] = [[] for _ in rows]
    open_pause: dict[str, int] = {}
    with open(tmp_path / "events_10k.csv", newline="") as f:
        for ev in csv.DictReader(f):
            tid, at = ev["ticket_id"], epoch(ev["at"])
            if ev["status"] in PAUSING:
                open_pause.setdefault(tid, at)
            elif tid in open_pause:
                per_ticket[index[tid]].append((open_pause.pop(tid), at))
    assert not open_pause

    cal = Calendar("Europe/Rome", {d: [("08:30", "18:00")] for d in
                                   ("mon", "tue", "wed", "thu", "fri")},
                   holiday_sources=[("IT", None)])
    created = np.array([epoch(r["created_at"]) for r in rows])
    response = np.array([epoch(r["first_response_at"]) for r in rows])
    resolved = np.array([epoch(r["resolved_at"]) for r in rows])
    targets = np.array([TARGETS[r["tier"], r["priority"]] for r in rows])
    pauses = Pauses.from_lists(per_ticket)
    # both clocks pause while waiting (the response clock's pauses simply clip away)
    r_el = cal.elapsed_array(created, response, pauses)
    s_el = cal.elapsed_array(created, resolved, pauses)
    got = (len(rows), int((r_el <= targets[:, 0]).sum()), int((s_el <= targets[:, 1]).sum()),
           int(r_el.sum()), int(s_el.sum()))
    assert got == KNOWN_10K
    # a stop no later than the due instant is met; a later stop is met only when no business
    # time passed after the due instant (e.g. resolved at 18:30 with due at 18:00)
    due = cal.due_array(created, targets[:, 1], pauses)
    met = s_el <= targets[:, 1]
    early = resolved <= due
    assert not (early & ~met).any()
    assert (s_el[met & ~early] == targets[met & ~early, 1]).all()
