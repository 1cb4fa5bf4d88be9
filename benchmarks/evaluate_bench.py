#!/usr/bin/env python3
"""Time ``slalang evaluate`` on the benchmark tickets: wall clock and peak memory.

Runs the whole command as a child process (as a user would), on the bench policy
(``policies/bench.sla``) and the exports of ``../shared/bench/gen_tickets.py``; generates
them into ``--data`` (default ``/tmp/bench-data``; never commit them) when they are missing.

    .venv/bin/python benchmarks/evaluate_bench.py --size 1m [--repeat 3] [--check]
    .venv/bin/python benchmarks/evaluate_bench.py --size 10m --repeat 1 --data /tmp/my-bench

``--size 10m`` (10 million tickets, about 2 GiB of CSV; generating it takes several minutes)
exercises the chunked path, which ``slalang evaluate`` picks by itself for inputs that large;
``--chunk-rows N`` or ``--in-memory`` force one path.

Prints one line per run (wall seconds, peak RSS of the child) and, with ``--check``, verifies
the benchmark's known answer from the per-verdict CSV (a separate, untimed run: writing two
million CSV rows is not what is being measured).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the benchmark's known answer (../shared/bench/README.md): tickets, responses met,
#: resolutions met, sum of response and of resolution business seconds
KNOWN = {
    "10k": (10_000, 8_870, 7_935, 185_382_855, 1_647_790_222),
    "100k": (100_000, 88_298, 79_880, 1_860_445_626, 16_474_089_473),
    "1m": (1_000_000, 882_982, 797_245, 18_645_235_967, 164_192_883_716),
}
#: after every instant of the data, so every clock has stopped (a few tickets resolve in 2027)
AS_OF = "2030-01-01T00:00:00+00:00"


def shared_bench() -> Path:
    for candidate in (ROOT.parent / "shared" / "bench", Path("/work/shared/bench")):
        if (candidate / "gen_tickets.py").exists():
            return candidate
    sys.exit("error: ../shared/bench/gen_tickets.py not found")


def ensure_data(data: Path, size: str) -> tuple[Path, Path]:
    tickets, events = data / f"tickets_{size}.csv", data / f"events_{size}.csv"
    if not (tickets.exists() and events.exists()):
        data.mkdir(parents=True, exist_ok=True)
        print(f"generating the {size} set into {data} ...", flush=True)
        subprocess.run([sys.executable, str(shared_bench() / "gen_tickets.py"), "--sizes", size],
                       check=True, env={**os.environ, "BENCH_DATA": str(data)}, cwd=data)
    return tickets, events


def slalang() -> list[str]:
    exe = Path(sys.executable).with_name("slalang")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "slalang"]


def timed_run(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process.

    The child's peak is read from ``wait4``'s rusage, so each run is measured on its own.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"error: slalang evaluate exited {proc.returncode}\n{stderr}")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def check(args: list[str], size: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "verdicts.csv"
        subprocess.run([*args, "--csv", str(out)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        ids, met, total = set(), {"response": 0, "resolution": 0}, {"response": 0,
                                                                     "resolution": 0}
        with out.open(newline="") as fh:
            for row in csv.DictReader(fh):
                ids.add(row["id"])
                met[row["metric"]] += row["status"] == "met"
                total[row["metric"]] += int(row["elapsed_s"])
    got = (len(ids), met["response"], met["resolution"], total["response"],
           total["resolution"])
    want = KNOWN.get(size)
    verdict = ("no known answer for this size" if want is None else "ok" if got == want
               else f"MISMATCH (expected {want})")
    print(f"known answer: tickets {got[0]:,}, responses met {got[1]:,}, resolutions met "
          f"{got[2]:,}, sum response {got[3]:,} s, sum resolution {got[4]:,} s: {verdict}")
    if want is not None and got != want:
        sys.exit(1)


STAGES = """
import datetime as dt, resource, sys, time
t0 = time.perf_counter()
from slalang.language import load_policy
from slalang.plan import compile_plan
from slalang.data import read_tickets
from slalang.evaluation.outcomes import compute_outcomes
marks = [("imports", time.perf_counter())]
plan = compile_plan(load_policy("policies/bench.sla"))
marks.append(("load + compile policy", time.perf_counter()))
tickets = read_tickets(sys.argv[1], sys.argv[2])
marks.append(("read tickets + events", time.perf_counter()))
as_of = int(dt.datetime.fromisoformat(sys.argv[3]).timestamp())
out = compute_outcomes(plan, tickets, None, as_of)
marks.append(("compute_outcomes", time.perf_counter()))
prev = t0
for name, t in marks:
    print(f"  {name:<24} {t - prev:6.2f} s")
    prev = t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"  {'total':<24} {prev - t0:6.2f} s, peak RSS {rss:.0f} MiB")
"""


def stages(tickets: Path, events: Path) -> None:
    """Time the stages up to the per-ticket outcomes in one child process."""
    print("stages (one process):", flush=True)
    subprocess.run([sys.executable, "-c", STAGES, str(tickets), str(events), AS_OF],
                   check=True, cwd=ROOT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1m", choices=[*sorted(KNOWN), "10m"])
    ap.add_argument("--data", type=Path, default=Path("/tmp/bench-data"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check", action="store_true", help="verify the known answer too")
    ap.add_argument("--stages", action="store_true",
                    help="also time the stages up to the outcomes, in process")
    ap.add_argument("--json", action="store_true",
                    help="also write the JSON evaluation (default: the text summary only)")
    ap.add_argument("--chunk-rows", type=int,
                    help="evaluate in chunks of this many tickets (slalang's --chunk-rows)")
    ap.add_argument("--in-memory", action="store_true",
                    help="force the in-memory path (slalang's --in-memory)")
    a = ap.parse_args()
    tickets, events = ensure_data(a.data, a.size)
    if a.stages:
        stages(tickets, events)
    with tempfile.TemporaryDirectory() as tmp:
        args = [*slalang(), "evaluate", "policies/bench.sla", "--tickets", str(tickets),
                "--events", str(events), "--as-of", AS_OF]
        if a.chunk_rows:
            args += ["--chunk-rows", str(a.chunk_rows)]
        if a.in_memory:
            args += ["--in-memory"]
        if a.json:
            args += ["--json", str(Path(tmp) / "ev.json")]
        runs = []
        for i in range(a.repeat):
            wall, rss = timed_run(args)
            runs.append((wall, rss))
            print(f"run {i + 1}: {wall:.2f} s wall, {rss:.0f} MiB peak RSS", flush=True)
        if runs:
            print(json.dumps({"size": a.size, "best_wall_s": round(min(r[0] for r in runs), 2),
                              "peak_rss_mib": round(max(r[1] for r in runs))}))
        if a.check:
            check(args[:-2] if a.json else args, a.size)


if __name__ == "__main__":
    main()
