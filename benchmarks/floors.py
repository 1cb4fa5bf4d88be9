"""The speed and memory floors of issue 10, measured side by side with the numpy-day anchor of
``../shared/bench`` in one run (whole processes, alternated round by round).

Run on demand (not part of pytest); the data come from ``../shared/bench/gen_tickets.py`` in
``--data`` (a folder outside the repository; 10m takes about 2 GiB):

    .venv/bin/python benchmarks/floors.py --data ../bench-data --repeat 3 [--with-10m]

Each round runs: the anchor (``peers.py run --approach numpy-day --size 1m``), ``slalang
evaluate`` on 1m (summary, then ``--json``), ``slalang --version`` and ``slalang check
policies/reference.sla``; with ``--with-10m`` also 10m in chunks on every core and 10m from a
converted Parquet dataset on a two-worker LocalCluster (converted once, before the rounds,
not timed). Peak RSS is the whole process tree's (sampled every 50 ms from /proc), so the
worker processes count. Prints medians and the ratios of each round, then their medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
AS_OF = "2030-01-01T00:00:00+00:00"


#: the command under test, as the project's own environment installs it
SLALANG = str(ROOT / ".venv" / "bin" / "slalang")


def bench_arguments(doc: str | None, size: str) -> argparse.Namespace:
    """The options every per-verb benchmark takes: ``--data`` (resolved), ``--size``
    (default ``size``) and ``--repeat``."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--size", default=size)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    a.data = a.data.resolve()
    return a


def export_files(data: Path, size: str) -> list[str]:
    """``--tickets``/``--events`` of the bench export of ``size`` (1m, 10m) in ``data``."""
    return ["--tickets", str(data / f"tickets_{size}.csv"),
            "--events", str(data / f"events_{size}.csv")]


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run(argv: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak tree RSS (MiB) of one whole process: the wall time taken when
    the process ends (waited for, not polled: a poll every 50 ms added 25 ms on average),
    the RSS sampled every 50 ms by a helper thread."""
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    peak = [0]
    ended = threading.Event()

    def sample() -> None:
        while not ended.wait(0.05):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    ended.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} exited {proc.returncode}: {err.decode()}")
    return wall, peak[0] / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--with-10m", action="store_true")
    a = ap.parse_args()
    data = a.data.resolve()
    sla = SLALANG
    py = sys.executable
    env = {"BENCH_DATA": str(data)}

    def files(size: str) -> list[str]:
        return export_files(data, size)

    ev = [sla, "evaluate", str(ROOT / "policies" / "bench.sla"), "--as-of", AS_OF]
    cmds = {
        "anchor": [py, str(SHARED / "peers.py"), "run", "--approach", "numpy-day", "--size",
                   "1m", "--repeat", "1", "--no-record"],
        "1m": [*ev, *files("1m")],
        "1m --json": [*ev, *files("1m"), "--json", str(data / "floors.json")],
        "version": [sla, "--version"],
        "check": [sla, "check", str(ROOT / "policies" / "reference.sla")],
    }
    if a.with_10m:
        dataset = data / "tickets_10m.dataset"
        if not dataset.exists():
            subprocess.run([sla, "convert", *files("10m"), "--out", str(dataset), "--quiet"],
                           check=True)
        cmds["10m chunks"] = [*ev, *files("10m"), "--engine", "chunks"]
        cmds["10m dask"] = [*ev, "--tickets", str(dataset), "--engine", "dask",
                            "--scheduler", "local", "--workers", "2"]
        # the same dataset on this machine's worker processes (no floor: beside Dask)
        cmds["10m dataset chunks"] = [*ev, "--tickets", str(dataset), "--engine", "chunks"]
    res: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    load = []
    for _ in range(a.repeat):
        load.append(os.getloadavg()[0])
        for k, argv in cmds.items():
            # untimed: the previous run's written files (the 278 MB JSON) reach the disk
            # now, not in the kernel's writeback during the next run (the 10m measured
            # 6.55 s after the JSON run against 6.19 s after the summary, 3 rounds each)
            os.sync()
            res[k].append(run(argv, env))
    print(f"{a.repeat} rounds, whole processes; load average at each round's start: "
          + ", ".join(f"{x:.1f}" for x in load))
    print("| process | wall s, median (min-max) | peak RSS MiB (tree) |\n|---|---|---|")
    for k, v in res.items():
        w = [x[0] for x in v]
        print(f"| {k} | {statistics.median(w):.2f} ({min(w):.2f}-{max(w):.2f}) | "
              f"{max(x[1] for x in v):.0f} |")

    def ratio(top: str, base: str) -> str:
        r = [x[0] / y[0] for x, y in zip(res[top], res[base], strict=True)]
        return f"{statistics.median(r):.2f}x (rounds: {', '.join(f'{x:.2f}' for x in r)})"

    print(f"1m summary / anchor: {ratio('1m', 'anchor')}  (floor 0.8x)")
    print(f"1m --json / anchor: {ratio('1m --json', 'anchor')}  (floor 1.3x)")
    gap = [x[0] - y[0] for x, y in zip(res["check"], res["version"], strict=True)]
    print(f"check - version: {statistics.median(gap):.2f} s  (floor 0.2 s)")
    if a.with_10m:
        print(f"10m chunks / 1m summary: {ratio('10m chunks', '1m')}  (floor 7x, RSS 1 GiB)")
        print(f"10m dask / 1m summary: {ratio('10m dask', '1m')}  (floor 8x)")
        print(f"10m dataset chunks / 1m summary: {ratio('10m dataset chunks', '1m')}")


if __name__ == "__main__":
    main()
