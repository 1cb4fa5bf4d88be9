"""A converted dataset end to end: `slalang convert`, then the verbs on the dataset, on this
machine's worker processes and on a local Dask cluster, beside the CSV export.

Run on demand (not part of pytest); the data come from ``../shared/bench/gen_tickets.py`` in
``--data`` (10m takes about 2 GiB):

    .venv/bin/python benchmarks/dataset_bench.py --data ../bench-data [--size 10m] [--repeat 3]

Each round converts the export into a fresh folder (timed), then runs ``evaluate`` (summary
and ``--format json``), ``calibrate --tier Gold --format json``, ``diff`` (one Gold target
changed, ``--format json``) and ``explain`` of one ticket on the dataset, the first three
also with ``--scheduler local`` (a worker per core), and ``evaluate`` on the export. Prints the
median wall time and the peak RSS of the process tree of each, and checks that each verb
printed the same document from the dataset, on either engine, as from the export.
"""

from __future__ import annotations

import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floors import AS_OF, ROOT, SLALANG, bench_arguments, export_files, run  # noqa: E402
from roster_bench import CHANGE  # noqa: E402


def _digest(argv: list[str]) -> str:
    """The sha256 of what a command prints (the policy's path aside, the same everywhere)."""
    out = subprocess.run(argv, capture_output=True, check=False).stdout
    return hashlib.sha256(out).hexdigest()


def main() -> None:
    a = bench_arguments(__doc__, "10m")
    data = a.data
    sla = SLALANG
    policy = str(ROOT / "policies" / "bench.sla")
    files = export_files(data, a.size)
    with tempfile.TemporaryDirectory(prefix="slalang-dataset-bench-") as tmp:
        new = Path(tmp) / "new.sla"
        new.write_text(Path(policy).read_text(encoding="utf-8").replace(*CHANGE),
                       encoding="utf-8")
        dataset = Path(tmp) / "tickets.dataset"
        ticket = subprocess.run(["sed", "-n", "2p", str(data / f"tickets_{a.size}.csv")],
                                capture_output=True, text=True, check=True).stdout
        ticket = ticket.split(",")[0]
        on = {"here": [], "dask": ["--scheduler", "local"]}  # its workers: one per core
        verbs = {
            "evaluate": [sla, "evaluate", policy, "--as-of", AS_OF, "-q"],
            "evaluate --format json": [sla, "evaluate", policy, "--as-of", AS_OF, "-q",
                                       "--format", "json"],
            "calibrate --tier Gold": [sla, "calibrate", "--policy", policy, "--tier", "Gold",
                                      "--format", "json", "-q"],
            "diff": [sla, "diff", policy, str(new), "--format", "json", "-q"],
        }
        res: dict[str, list[tuple[float, float]]] = {}
        same: dict[str, set[str]] = {}
        for _ in range(a.repeat):
            shutil.rmtree(dataset, ignore_errors=True)
            res.setdefault("convert", []).append(
                run([sla, "convert", *files, "--out", str(dataset), "-q"]))
            for verb, argv in verbs.items():
                for where, extra in on.items():
                    key = f"{verb} (dataset, {where})"
                    res.setdefault(key, []).append(run([*argv, "--tickets", str(dataset),
                                                        *extra]))
                    same.setdefault(verb, set()).add(
                        _digest([*argv, "--tickets", str(dataset), *extra]))
            res.setdefault("evaluate (export)", []).append(run([*verbs["evaluate"], *files]))
            res.setdefault("explain (dataset)", []).append(
                run([sla, "explain", policy, "--tickets", str(dataset), "--ticket", ticket,
                     "--as-of", AS_OF, "--format", "json"]))
        for verb, argv in verbs.items():
            same[verb].add(_digest([*argv, *files]))
    print(f"{a.size}, {a.repeat} rounds, whole processes")
    print("| run | wall s, median (min-max) | peak RSS MiB (tree) |\n|---|---|---|")
    for k, v in res.items():
        w = [x[0] for x in v]
        print(f"| {k} | {statistics.median(w):.2f} ({min(w):.2f}-{max(w):.2f}) | "
              f"{max(x[1] for x in v):.0f} |")
    for verb, digests in same.items():
        print(f"{verb}: {'the same output' if len(digests) == 1 else 'OUTPUTS DIFFER'} from "
              "the dataset on either engine and from the export")


if __name__ == "__main__":
    main()
