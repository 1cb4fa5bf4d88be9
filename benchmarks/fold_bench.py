"""The event-log fold on a million update rows (issue 8: <= 5 s on the development machine).

Run on demand (not part of pytest):

    .venv/bin/python benchmarks/fold_bench.py [--rows 1000000] [--repeat 3]

Writes a synthetic ServiceNow-like audit log (deterministic, seed 8: about 7 updates per
ticket, day-first local times, a status and a priority column, one placeholder status the
mapping ignores) to a temporary folder, then times ``read_tickets(..., mapping=...)`` end to
end (CSV read, timestamp parse, fold, validation) and the fold alone
(:func:`slalang.data.fold.fold_updates` on the same codes).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

MAPPING = """\
mapping: 1
shape: event_log
timestamps: {format: "%d/%m/%Y %H:%M", timezone: Europe/Rome}
fields: {id: number, customer: company, priority: priority, category: category}
event_log:
  at: sys_updated_at
  status: incident_state
  first_response: {statuses: [in_progress, waiting_on_customer, resolved, closed]}
values:
  status: {New: new, Active: in_progress, Awaiting User Info: waiting_on_customer,
           Resolved: resolved, Closed: closed, "-100": null}
  priority: {1 - Critical: P1, 2 - High: P2, 3 - Moderate: P3, 4 - Low: P4}
"""

STATES = np.array(["New", "Active", "Awaiting User Info", "Active", "Resolved", "Closed"])


def write_log(path: Path, rows: int, seed: int = 8) -> int:
    """A synthetic audit log of about ``rows`` update rows; returns the rows written."""
    rng = np.random.default_rng(seed)
    per = rng.integers(3, 12, size=rows // 6)
    per = per[np.cumsum(per) <= rows]
    n = len(per)
    ticket = np.repeat(np.arange(n), per)
    rank = np.arange(len(ticket)) - np.repeat(np.cumsum(per) - per, per)
    state = STATES[np.minimum(rank, len(STATES) - 1)]
    state[rng.random(len(ticket)) < 0.002] = "-100"
    opened = rng.integers(0, 365 * 86400, size=n)
    at = opened[ticket] + rank * rng.integers(60, 7200, size=len(ticket))
    base = np.datetime64("2025-01-01T00:00")
    stamps = (base + at.astype("timedelta64[s]")).astype("datetime64[m]").astype(str)
    # 2025-03-04T05:06 -> 04/03/2025 05:06
    text = [f"{s[8:10]}/{s[5:7]}/{s[0:4]} {s[11:16]}" for s in stamps.tolist()]
    prio = np.array(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"])[
        rng.integers(0, 4, size=n)][ticket]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("number,incident_state,sys_updated_at,priority,company,category\n")
        for t, s, when, p in zip(ticket.tolist(), state.tolist(), text, prio.tolist(),
                                 strict=True):
            fh.write(f"INC{t:08d},{s},{when},{p},Company {t % 97},Category {t % 13}\n")
    return len(ticket)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from slalang.data import load_mapping, read_tickets
    from slalang.data.fold import fold_updates

    with tempfile.TemporaryDirectory() as tmp:
        log, mapping_file = Path(tmp) / "log.csv", Path(tmp) / "m.yaml"
        mapping_file.write_text(MAPPING)
        rows = write_log(log, args.rows)
        mapping = load_mapping(mapping_file)
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            table = read_tickets(log, mapping=mapping)
            best = min(best, time.perf_counter() - t0)
        print(f"{rows:,} update rows -> {table.n:,} tickets, {len(table.event_at):,} events, "
              f"{sum(i.rows for i in table.ignored):,} ignored, {len(table.rejected)} rejected")
        print(f"read_tickets through the mapping (CSV read, parse, fold, checks): {best:.2f} s "
              f"(best of {args.repeat})")

        rng = np.random.default_rng(1)
        ticket = np.repeat(np.arange(rows // 7 + 1), 7)[:rows]
        at = np.arange(rows, dtype=np.int64)
        status = rng.integers(0, 6, size=rows).astype(np.int32)
        prio = rng.integers(-1, 4, size=rows).astype(np.int32)
        usable = np.ones(rows, dtype=bool)
        codes = np.array([False, True, True, True, True, True])
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fold_updates(ticket, at, status, prio, usable, response_codes=codes,
                         done_codes=codes & (np.arange(6) >= 4),
                         closed_codes=np.arange(6) == 5)
            best = min(best, time.perf_counter() - t0)
        print(f"fold_updates alone on {rows:,} rows: {best:.2f} s (best of {args.repeat})")


if __name__ == "__main__":
    main()
