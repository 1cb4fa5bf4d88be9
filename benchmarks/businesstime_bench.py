"""Benchmark of the business-time engine (run on demand; not part of pytest).

Workload: N synthetic tickets (default 1,000,000) created over 2024-2025 on the contract's
office calendar (Europe/Rome, Mon-Fri 08:30-13:00/14:00-18:00, Italian holidays, closed 24 and
31 December), each with a first response, a resolution and 0-4 pauses between them. For every
ticket: response elapsed and due (no pauses), resolution elapsed and due (with pauses), by the
vectorised API. The same workload runs with the PyPI library businesstimedelta on a sample,
in the same process, for the throughput ratio; the two are also compared for agreement.

    .venv/bin/python benchmarks/businesstime_bench.py [--n 1000000] [--sample 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
import tracemalloc

import numpy as np

from slalang.businesstime import Calendar, Pauses

H = 3600
HOURS = [("08:30", "13:00"), ("14:00", "18:00")]
CREATED_LO = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
CREATED_HI = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
TARGETS = np.array([(30 * 60, 4 * H), (H, 8 * H), (4 * H, 24 * H), (8 * H, 40 * H),
                    (16 * H, 80 * H)], dtype=np.int64)


def office() -> Calendar:
    return Calendar("Europe/Rome", {d: HOURS for d in ("mon", "tue", "wed", "thu", "fri")},
                    holiday_sources=[("IT", None)], yearly_closures=[(12, 24), (12, 31)],
                    name="office")


def tickets(n: int, seed: int = 42):
    """Deterministic synthetic tickets: created, first response, resolved, targets, pauses."""
    rng = np.random.default_rng(seed)
    created = rng.integers(CREATED_LO, CREATED_HI, n, dtype=np.int64)
    response = created + rng.lognormal(np.log(3 * H), 1.2, n).astype(np.int64)
    resolved = response + rng.lognormal(np.log(40 * H), 1.0, n).astype(np.int64)
    kind = rng.integers(0, len(TARGETS), n)
    resp_target, reso_target = TARGETS[kind, 0], TARGETS[kind, 1]
    counts = rng.choice(5, n, p=[0.40, 0.28, 0.18, 0.09, 0.05]).astype(np.int64)
    # 2k sorted instants between response and resolution make k disjoint pauses
    owner = np.repeat(np.arange(n), 2 * counts)
    points = response[owner] + (rng.random(len(owner)) * (resolved - response)[owner]).astype(
        np.int64)
    points = points[np.lexsort((points, owner))]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    pauses = Pauses(offsets, points[0::2], points[1::2])
    return created, response, resolved, resp_target, reso_target, pauses


def run_vectorised(cal: Calendar, data) -> tuple[float, tuple]:
    created, response, resolved, resp_target, reso_target, pauses = data
    t0 = time.perf_counter()
    r_el = cal.elapsed_array(created, response)
    r_due = cal.due_array(created, resp_target)
    s_el = cal.elapsed_array(created, resolved, pauses)
    s_due = cal.due_array(created, reso_target, pauses)
    return time.perf_counter() - t0, (r_el, r_due, s_el, s_due)


def run_businesstimedelta(sample: list[int], data) -> tuple[float, list[tuple]]:
    import businesstimedelta as btd
    import holidays
    import pytz

    tz = pytz.timezone("Europe/Rome")
    days = [0, 1, 2, 3, 4]
    closed = set(holidays.country_holidays("IT", years=range(2023, 2029)))
    closed |= {dt.date(y, 12, d) for y in range(2023, 2029) for d in (24, 31)}
    rule = btd.Rules([
        btd.WorkDayRule(start_time=dt.time(8, 30), end_time=dt.time(18), working_days=days,
                        tz=tz),
        btd.LunchTimeRule(start_time=dt.time(13), end_time=dt.time(14), working_days=days,
                          tz=tz),
        btd.HolidayRule(frozenset(closed), tz=tz),
    ])
    created, response, resolved, resp_target, reso_target, pauses = data

    def utc(t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(t), pytz.utc)

    def between(a: dt.datetime, b: dt.datetime) -> int:
        return int(rule.difference(a, b).timedelta.total_seconds()) if b > a else 0

    out = []
    t0 = time.perf_counter()
    for i in sample:
        c = utc(created[i])
        ps = [(utc(a), utc(b)) for a, b in pauses.ticket(i)]
        r_el = between(c, utc(response[i]))
        r_due = c + btd.BusinessTimeDelta(rule, seconds=int(resp_target[i]))
        end = utc(resolved[i])
        s_el = between(c, end) - sum(between(max(a, c), min(b, end)) for a, b in ps)
        # pauses starting before the candidate due instant push it by their business length
        s_due = c + btd.BusinessTimeDelta(rule, seconds=int(reso_target[i]))
        for a, b in ps:
            if a < s_due:
                s_due += btd.BusinessTimeDelta(rule, seconds=between(max(a, c), b))
        out.append((r_el, int(r_due.timestamp()), s_el, int(s_due.timestamp())))
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    data = tickets(args.n)
    n_pauses = len(data[5].starts)
    cal = office()
    t0 = time.perf_counter()
    cal.business_clock(np.array([CREATED_LO, CREATED_HI + 365 * 86400]))
    build = time.perf_counter() - t0

    tracemalloc.start()
    best, result = min((run_vectorised(cal, data) for _ in range(args.repeat)),
                       key=lambda r: r[0])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = args.n / best

    sample = np.random.default_rng(7).choice(args.n, min(args.sample, args.n), replace=False)
    ref_time, ref = run_businesstimedelta(sample.tolist(), data)
    ref_rate = len(sample) / ref_time
    agree = [sum(int(result[k][i]) == ref[j][k] for j, i in enumerate(sample)) for k in range(4)]

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tickets: {args.n:,} with {n_pauses:,} pauses (0-4 per ticket)")
    print(f"calendar build (2024-2026, IT holidays): {build * 1000:.1f} ms")
    print(f"vectorised: response+resolution elapsed+due in {best:.3f} s (best of "
          f"{args.repeat}) = {rate:,.0f} tickets/s")
    print(f"peak traced memory during the computation: {peak / 2**20:.0f} MiB; "
          f"process max RSS {maxrss:.0f} MiB")
    print(f"businesstimedelta: {len(sample):,} tickets in {ref_time:.2f} s = "
          f"{ref_rate:,.0f} tickets/s")
    print(f"ratio: {rate / ref_rate:,.0f}x")
    names = ("response elapsed", "response due", "resolution elapsed", "resolution due")
    print("agreement with businesstimedelta on the sample: " + ", ".join(
        f"{name} {a}/{len(sample)}" for name, a in zip(names, agree, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
