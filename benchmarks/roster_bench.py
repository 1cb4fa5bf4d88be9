"""The verbs beside a large roster: every customer of the bench set listed (5,000, each with
a covered service), against the same runs without a roster.

Run on demand (not part of pytest); the data come from ``../shared/bench/gen_tickets.py`` in
``--data``:

    .venv/bin/python benchmarks/roster_bench.py --data ../bench-data [--size 1m] [--repeat 3]

A roster is the contract's list of customers: a large MSP's, or a help-desk vendor's list of
tenants, runs to thousands. Each lookup of a customer in it scanned the whole list (5,000
lookups a batch: 25 million comparisons), and a chunked ``diff`` finished every chunk under
both versions, making every listed customer's months anew each time; both are measured here.
Runs ``evaluate`` (summary, and ``--json`` to a temporary file), ``diff`` (one target
changed, ``--format json``) and ``calibrate --tier Gold``, each with and without
``--roster``, whole processes, and prints the median wall time and the peak RSS of each.
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floors import AS_OF, ROOT, SLALANG, bench_arguments, export_files, run  # noqa: E402

CHANGE = ("response on office: P1 30m, P2 1h, P3 4h, P4 8h objective 95%",
          "response on office: P1 1h, P2 1h, P3 4h, P4 8h objective 95%")


def write_roster(tickets: Path, out: Path) -> int:
    """A roster of every customer of ``tickets`` on its tier, each covering one service."""
    tiers: dict[str, str] = {}
    with tickets.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            tiers.setdefault(row["customer"], row["tier"])
    lines = ["customers:"]
    for name in sorted(tiers):
        lines += [f"  - name: {name}", f"    tier: {tiers[name]}", "    services: [helpdesk]"]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(tiers)


def main() -> None:
    a = bench_arguments(__doc__, "1m")
    data = a.data
    sla = SLALANG
    policy = ROOT / "policies" / "bench.sla"
    files = export_files(data, a.size)
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "customers.yaml"
        n = write_roster(data / f"tickets_{a.size}.csv", roster)
        changed = Path(tmp) / "changed.sla"
        text = policy.read_text(encoding="utf-8")
        if CHANGE[0] not in text:
            sys.exit("the bench policy's Gold response line changed: update CHANGE")
        changed.write_text(text.replace(*CHANGE), encoding="utf-8")
        runs = {
            "evaluate": [sla, "evaluate", str(policy), *files, "--as-of", AS_OF],
            "evaluate --json": [sla, "evaluate", str(policy), *files, "--as-of", AS_OF,
                                "--json", str(Path(tmp) / "e.json")],
            "diff": [sla, "diff", str(policy), str(changed), *files, "--format", "json",
                     "-o", str(Path(tmp) / "d.json")],
            "calibrate --tier Gold": [sla, "calibrate", "--policy", str(policy), *files,
                                      "--tier", "Gold", "--format", "json",
                                      "-o", str(Path(tmp) / "c.json")],
        }
        print(f"{a.size}, {a.repeat} rounds, roster of {n:,} customers\n")
        print("| run | without roster | with roster |\n|---|---|---|")
        for name, argv in runs.items():
            cells = []
            for extra in ([], ["--roster", str(roster)]):
                got = [run([*argv, *extra]) for _ in range(a.repeat)]
                wall = statistics.median(w for w, _ in got)
                cells.append(f"{wall:.2f} s, {max(m for _, m in got):,.0f} MiB")
            print(f"| {name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
