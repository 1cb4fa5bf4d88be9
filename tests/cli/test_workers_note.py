"""`--workers 64` on two cores ran, slower, with dozens of processes and no word: more
worker processes than the cores this process may use is said (a note on standard error),
not refused; the workers of a remote Dask cluster are not this machine's."""

from __future__ import annotations

from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main
from slalang.evaluation.drivers import more_workers_than_cores
from slalang.workpool import default_workers

BENCH = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def test_more_workers_than_cores_is_said():
    cores = default_workers()
    assert more_workers_than_cores(None, "chunks", None) is None
    assert more_workers_than_cores(cores, "chunks", None) is None
    said = more_workers_than_cores(cores + 6, "chunks", None)
    assert said is not None and said.startswith(f"{cores + 6} worker processes on the {cores} ")
    assert more_workers_than_cores(cores + 6, "dask", "local") is not None
    assert more_workers_than_cores(cores + 6, "dask", "tcp://host:8786") is None
    assert more_workers_than_cores(cores + 6, "memory", None) is None


def test_the_command_line_says_it_and_runs():
    cores = default_workers()
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets",
        str(BENCH / "tickets.csv"), "--events", str(BENCH / "events.csv"), "--as-of",
        "2030-01-01T00:00:00+00:00", "--engine", "chunks", "--workers", str(cores + 2), "-q"])
    assert r.exit_code == 0, r.output
    assert f"note: {cores + 2} worker processes on the {cores} core(s)" in r.output
