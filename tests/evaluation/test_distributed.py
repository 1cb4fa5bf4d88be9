"""Distributed evaluation: a converted dataset evaluated on a Dask LocalCluster of two worker
processes gives, byte for byte, the JSON and verdict CSV of the export evaluated in memory,
on messy inputs (refused rows, invalid tickets, downtime, a mapped tool export) and on the
100k bench set."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from evaluation_bytes import bundled_plan, output_bytes
from shared_folder import needs, shared_path

from slalang.cli import main
from slalang.data import read_downtime, read_tickets
from slalang.data.dataset import convert, is_dataset, read_manifest
from slalang.errors import DataError
from slalang.evaluation.drivers import evaluate_input
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.periods import parse_instant
from slalang.language import load_policy
from slalang.plan import compile_plan
from slalang.roster import roster_for

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "evaluation" / "fixtures" / "explain"
INPUT = ROOT / "tests" / "evaluation" / "fixtures" / "input"
DATA = ROOT / "tests" / "data" / "fixtures"
AS_OF = parse_instant("2030-01-01T00:00:00+00:00")


@pytest.fixture(scope="module")
def scheduler():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def assert_distributed_same(plan, tickets, events, out, scheduler, *, mapping=None,
                            downtime=None, roster=None, period=None, partition_rows=2):
    down = read_downtime(downtime) if downtime else None
    want = output_bytes(evaluate(plan, read_tickets(tickets, events=events, mapping=mapping), down,
                           roster, as_of=AS_OF, period=period))
    convert(tickets, out, events, mapping=mapping, partition_rows=partition_rows)
    assert is_dataset(out)
    buf = io.BytesIO()
    run = evaluate_input(plan, out, None, down, roster, as_of=AS_OF, period=period,
                         engine="dask", scheduler=scheduler, verdicts=buf)
    assert run.engine == "dask"
    assert output_bytes(run.evaluation, buf.getvalue()) == want
    # the dataset read whole (the memory engine) gives the same bytes too
    whole = evaluate_input(plan, out, None, down, roster, as_of=AS_OF, period=period,
                           engine="memory")
    assert output_bytes(whole.evaluation) == want
    return run.evaluation


def test_refused_rows_invalid_tickets_and_downtime(tmp_path, scheduler):
    plan = bundled_plan("reference.sla")
    ev = assert_distributed_same(plan, BROKEN / "broken.csv", BROKEN / "broken-events.csv",
                                 tmp_path / "ds", scheduler, downtime=INPUT / "downtime.csv",
                                 roster=roster_for(plan.policy), period="2026-07")
    assert ev.rejected and len(ev.invalid) == 2


def test_broken_exports_without_a_period(tmp_path, scheduler):
    assert_distributed_same(bundled_plan("bench.sla"), DATA / "broken-tickets.csv",
                            DATA / "broken-events.csv", tmp_path / "ds", scheduler,
                            partition_rows=3)


def test_a_mapped_tool_export(tmp_path, scheduler):
    plan = bundled_plan("servicenow-demo.sla")
    assert_distributed_same(plan, DATA / "uci-sample.csv.gz", None, tmp_path / "ds", scheduler,
                            mapping=ROOT / "mappings" / "servicenow-uci.yaml",
                            roster=roster_for(plan.policy), partition_rows=7)


def test_convert_replaces_nothing(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="nothing replaced"):
        convert(BROKEN / "broken.csv", out, BROKEN / "broken-events.csv")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ds.")]


def test_cli_convert_then_evaluate_with_dask(tmp_path, scheduler):
    out = tmp_path / "ds"
    r = CliRunner().invoke(main, ["convert", "--tickets", str(BROKEN / "broken.csv"),
                                  "--events", str(BROKEN / "broken-events.csv"),
                                  "--out", str(out), "--partition-rows", "3"])
    assert r.exit_code == 0, r.output
    assert "partition(s)" in r.stdout and len(read_manifest(out).partitions) > 1
    policy = str(ROOT / "policies" / "reference.sla")
    base = [policy, "--period", "2026-07", "--format", "json"]
    a = CliRunner().invoke(main, ["evaluate", *base, "--tickets", str(BROKEN / "broken.csv"),
                                  "--events", str(BROKEN / "broken-events.csv")])
    b = CliRunner().invoke(main, ["evaluate", *base, "--tickets", str(out), "--engine", "dask",
                                  "--scheduler", scheduler])
    assert a.exit_code == b.exit_code == 0, b.output
    assert a.stdout == b.stdout


def test_cli_refuses_a_plain_directory(tmp_path):
    r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                  "--tickets", str(tmp_path), "--engine", "memory"])
    assert r.exit_code == 2
    assert "not a dataset written by `slalang convert`" in r.output


@pytest.mark.slow
@pytest.mark.skipif(shared_path("bench", "gen_tickets.py") is None,
                    reason=needs("bench", "gen_tickets.py"))
def test_bench_100k_on_two_workers(tmp_path, scheduler):
    gen = shared_path("bench", "gen_tickets.py")
    subprocess.run([sys.executable, str(gen), "--sizes", "100k"], check=True, cwd=tmp_path,
                   capture_output=True, env={**os.environ, "BENCH_DATA": str(tmp_path)})
    ev = assert_distributed_same(bundled_plan("bench.sla"), tmp_path / "tickets_100k.csv",
                                 tmp_path / "events_100k.csv", tmp_path / "ds", scheduler,
                                 partition_rows=25_000)
    assert int(ev.agg.g_counts[:, 0].sum()) == 100_000


def _asks_for_huge_pages() -> bool:
    from numpy._core import multiarray

    previous = multiarray._set_madvise_hugepage(True)
    multiarray._set_madvise_hugepage(previous)
    return bool(previous)


def test_a_local_cluster_keeps_freed_memory_in_its_workers(monkeypatch):
    """The workers slalang starts itself run one job: they get the command line's allocator
    settings instead of Dask's trimming for long-lived workers (which fixes glibc's mmap
    threshold at 128 KiB: 17.8 GB of fresh pages at 10m instead of 1.4 GB). A variable set in
    the environment is kept, as Dask keeps it."""
    import dask

    from slalang.allocator import one_job_environ
    from slalang.evaluation.distributed import _client

    key = "distributed.nanny.pre-spawn-environ"
    before = dask.config.get(key)
    for name in one_job_environ():  # an earlier cluster of this session may have set them
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    saved = dict(os.environ)
    client, cluster = _client("local", 1)
    try:
        got = client.run(lambda: {k: os.environ.get(k) for k in one_job_environ()})
        huge = client.run(_asks_for_huge_pages)
        # each nanny wrote its pre-spawn variables into this process as it spawned its
        # worker: they are taken back once the workers are up (a notebook's later
        # subprocesses, or the tests', ran with Arrow's system pool)
        after = dict(os.environ)
    finally:
        client.close()
        cluster.close()
        os.environ.clear()
        os.environ.update(saved)
    assert after == saved
    assert list(got.values()) == [{**one_job_environ(), "MALLOC_ARENA_MAX": "4"}]
    assert one_job_environ()["MALLOC_TRIM_THRESHOLD_"] != "65536"
    if sys.platform.startswith("linux"):  # numpy asks for huge pages there by default
        assert list(huge.values()) == [False]
    assert dask.config.get(key) == before  # the setting was for that cluster only


def test_versions_in_other_zones_replay_on_the_cluster(tmp_path, scheduler, monkeypatch):
    """A `diff` of a dataset whose versions count months in different zones runs on the
    cluster named (it was read whole in this process, the scheduler left unused), the new
    version in its own months; the impact is the whole read's."""
    from slalang.evaluation import distributed
    from slalang.review.impact import replay, replay_input

    text = (ROOT / "policies" / "bench.sla").read_text(encoding="utf-8")
    assert 'period month in "Europe/Rome"' in text
    (tmp_path / "london.sla").write_text(text.replace(
        'period month in "Europe/Rome"', 'period month in "Europe/London"').replace(
        "response on office: P1 30m,", "response on office: P1 1h,"), encoding="utf-8")
    old = bundled_plan("bench.sla")
    new = compile_plan(load_policy(tmp_path / "london.sla"))
    tickets, events = (ROOT / "tests" / "evaluation" / "fixtures" / "bench300" / name
                       for name in ("tickets.csv", "events.csv"))
    whole = replay(old, new, read_tickets(tickets, events), None, None, None)
    convert(tickets, tmp_path / "ds", events, partition_rows=64)
    used = []
    real = distributed.evaluate_distributed
    monkeypatch.setattr(distributed, "evaluate_distributed",
                        lambda *a, **kw: used.append(kw["scheduler"]) or real(*a, **kw))
    got = replay_input(old, new, tmp_path / "ds", None, None, None, None,
                       scheduler=scheduler)
    assert used == [scheduler] and got == whole and whole.flips


def test_a_damaged_partition_on_the_cluster_is_a_data_error(tmp_path, scheduler):
    """The worker's DataError comes back to the client as it was raised: the file, and what
    to do (an internal error with Arrow's exception before)."""
    out = tmp_path / "ds"
    convert(BROKEN / "broken.csv", out, BROKEN / "broken-events.csv", partition_rows=2)
    part = out / read_manifest(out).partitions[1]
    part.write_bytes(b"x" * part.stat().st_size)  # the size written: Parquet's error
    with pytest.raises(DataError, match="a partition cannot be read .* convert the export"):
        evaluate_input(bundled_plan("reference.sla"), out, engine="dask", scheduler=scheduler,
                       period="2026-07")


BENCH300_DIR = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def test_calibrate_by_tier_on_partitions_of_other_customers(tmp_path, scheduler):
    """``calibrate --tier`` gives each partition the roster of its own customers: merged on
    Dask, those partials were refused as of "different contexts" (an internal error), where
    the worker processes here gave the export's document."""
    out = tmp_path / "ds"
    convert(BENCH300_DIR / "tickets.csv", out, BENCH300_DIR / "events.csv", partition_rows=50)
    base = ["calibrate", "--policy", str(ROOT / "policies" / "bench.sla"), "--tickets",
            str(out), "--as-of", "2030-01-01T00:00:00+00:00", "--tier", "Gold", "--format",
            "json", "-q"]
    here = CliRunner().invoke(main, base)
    there = CliRunner().invoke(main, [*base, "--scheduler", scheduler])
    assert here.exit_code == there.exit_code == 0, there.output
    assert there.stdout == here.stdout


def test_a_relative_dataset_path_reaches_workers_in_another_folder(tmp_path, scheduler,
                                                                  monkeypatch):
    """The cluster's workers run in the folder they were started from: a dataset named
    relative to the client's folder was read there, and said "missing" as if damaged."""
    convert(BENCH300_DIR / "tickets.csv", tmp_path / "ds", BENCH300_DIR / "events.csv",
            partition_rows=100)
    monkeypatch.chdir(tmp_path)  # the client's folder, not the workers'
    base = ["evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets", "ds", "--as-of",
            "2030-01-01T00:00:00+00:00", "--format", "json"]
    there = CliRunner().invoke(main, [*base, "--scheduler", scheduler])
    assert there.exit_code in (0, 1), there.output
    assert there.stdout == CliRunner().invoke(main, base).stdout


@pytest.mark.parametrize("lost", ["connection", "cancelled"])
def test_a_cluster_lost_mid_run_is_said_in_words(tmp_path, monkeypatch, lost):
    """The scheduler killed, or every worker gone: "internal error: FutureCancelledError
    ... a bug in slalang" (or a file error naming the CSV) before."""
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    from slalang.evaluation import distributed

    class Gone:
        def scatter(self, *a, **k):
            if lost == "connection":
                raise CommClosedError("in <TCP (closed)>: Stream is closed")
            raise CancelledError("_merge-0 cancelled for reason: scheduler-connection-lost."
                                 "\nClient lost the connection to the scheduler.")

        def close(self):
            pass

    monkeypatch.setattr(distributed, "_client", lambda scheduler, workers: (Gone(), None))
    out = tmp_path / "ds"
    convert(BENCH300_DIR / "tickets.csv", out, BENCH300_DIR / "events.csv")
    r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                  "--tickets", str(out), "--scheduler", "local"])
    assert r.exit_code == 2
    said = "scheduler-connection-lost" if lost == "cancelled" else "CommClosedError"
    assert r.output == (f"error: the Dask cluster went away before the run was done ({said}); "
                        "nothing was finished. Check that its scheduler and workers run (`dask "
                        "scheduler`, `dask worker`), then run again, or use --scheduler local\n")


def test_the_cluster_step_is_shown_before_the_partitions(tmp_path, scheduler):
    """Nothing was shown on a terminal while a local cluster started (seconds)."""
    out = tmp_path / "ds"
    convert(BENCH300_DIR / "tickets.csv", out, BENCH300_DIR / "events.csv", partition_rows=100)
    steps = []
    evaluate_input(bundled_plan("bench.sla"), out, engine="dask", scheduler=scheduler,
                   as_of=AS_OF, progress=lambda *step: steps.append(step))
    assert steps[0] == ("cluster", 0, 0)
    assert steps[-1] == ("evaluate", 3, 3)
