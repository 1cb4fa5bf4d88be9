"""Every verb reads what `slalang evaluate` reads: a dataset written by `slalang convert`
gives `report`, `calibrate`, `diff` and `explain` the same output as the export it was
converted from (they refused a directory before), on Dask or read whole; an events file or
a mapping given beside a dataset is refused, not left unread."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data.dataset import convert

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
POLICY = str(ROOT / "policies" / "bench.sla")
EXPORT = ["--tickets", str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv")]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("converted") / "bench300"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv")
    return ["--tickets", str(out)]


def run(args: list[str]) -> str:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.parametrize("verb", [
    ["calibrate", "--policy", POLICY, "--tier", "Gold", "--by", "customer",
     "--format", "json"],
    ["diff", POLICY, str(ROOT / "policies" / "reference.sla"), "--format", "json"],
    ["explain", POLICY, "--ticket", "T0000063", "--as-of", "2030-01-01T00:00:00+00:00",
     "--format", "json"],
])
@pytest.mark.parametrize("dask", [True, False])
def test_a_dataset_gives_what_its_export_gives(dataset, verb, dask, monkeypatch):
    """`calibrate` and `diff` run a dataset a partition per task, their hook in the worker
    (as `evaluate` runs it): on the worker processes here, or with `--scheduler local` on a
    local Dask cluster (without Dask they read it whole before); `explain` looks the ticket
    up."""
    from slalang.data import dataset as datasets
    from slalang.evaluation import partitions

    cluster = ["--scheduler", "local"] if dask and verb[0] != "explain" else []
    hooks = []
    real = partitions.evaluate_dataset

    def recorded(engine, *a, **kw):
        hooks.append((engine, type(kw["hook"]).__name__))
        return real(engine, *a, **kw)

    def whole(*args):
        raise AssertionError("the dataset was read whole")

    monkeypatch.setattr(partitions, "evaluate_dataset", recorded)
    monkeypatch.setattr(datasets, "read_dataset", whole)
    out = run([*verb, *cluster, *dataset])
    monkeypatch.undo()
    want = {"calibrate": ["_TierHook"], "diff": ["_ReplayHook"]}.get(verb[0], [])
    assert hooks == [("dask" if dask else "chunks", hook) for hook in want]
    assert out == run([*verb, *EXPORT])
    assert "T0000063" in out or verb[0] != "explain"


def test_a_report_from_a_dataset(dataset, tmp_path):
    args = ["report", POLICY, "--customer", "C00769", "--as-of",
            "2030-01-01T00:00:00+00:00", "--quiet"]
    run([*args, *dataset, "-o", str(tmp_path / "from-dataset.html")])
    run([*args, *EXPORT, "-o", str(tmp_path / "from-export.html")])
    page = (tmp_path / "from-dataset.html").read_text(encoding="utf-8")
    assert "C00769" in page
    assert page == (tmp_path / "from-export.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("verb", [
    ["evaluate", POLICY],
    ["evaluate", POLICY, "--engine", "memory"],
    ["calibrate", "--policy", POLICY],
    ["explain", POLICY, "--ticket", "T0000063"],
])
@pytest.mark.parametrize("beside", ["events", "mapping"])
def test_an_events_file_or_a_mapping_beside_a_dataset_is_refused(dataset, verb, beside):
    extra = (["--events", str(BENCH300 / "events.csv")] if beside == "events" else
             ["--mapping", str(ROOT / "mappings" / "servicenow-uci.yaml")])
    r = CliRunner().invoke(main, [*verb, *dataset, *extra])
    assert r.exit_code == 2, r.output
    assert "beside a dataset" in r.output and "Traceback" not in r.output


@pytest.fixture(scope="module")
def scheduler():
    """A running Dask scheduler with two worker processes, reached by its address."""
    pytest.importorskip("distributed")
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize("verb", [
    ["calibrate", "--policy", POLICY, "--tier", "Gold", "--format", "json"],
    ["diff", POLICY, str(ROOT / "policies" / "reference.sla"), "--format", "json"],
])
def test_a_dataset_on_a_running_scheduler(dataset, scheduler, verb):
    assert scheduler.startswith("tcp://")
    assert run([*verb, *dataset, "--scheduler", scheduler]) == run([*verb, *EXPORT])


@pytest.mark.parametrize("verb", [["calibrate", "--policy", POLICY],
                                  ["diff", POLICY, POLICY]])
def test_a_scheduler_for_an_export_is_refused(verb):
    r = CliRunner().invoke(main, [*verb, *EXPORT, "--scheduler", "local"])
    assert r.exit_code == 2
    assert "--scheduler goes with a dataset" in r.output
