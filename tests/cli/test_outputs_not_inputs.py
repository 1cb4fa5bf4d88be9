"""No verb writes its output over one of its inputs, nor inside an input directory (a
dataset): `calibrate -o tickets.csv`, `diff -o tickets.csv`, `report -o policy.sla` replaced
the export or the policy, and `evaluate --json DATASET/slalang-dataset.json` the dataset's
manifest. Each is refused with exit 2 before anything is read, the input left as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data.dataset import convert

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


@pytest.fixture()
def inputs(tmp_path) -> dict[str, Path]:
    shutil.copy(BENCH300 / "tickets.csv", tmp_path / "tickets.csv")
    shutil.copy(ROOT / "policies" / "bench.sla", tmp_path / "bench.sla")
    convert(BENCH300 / "tickets.csv", tmp_path / "ds", BENCH300 / "events.csv")
    return {"tickets": tmp_path / "tickets.csv", "policy": tmp_path / "bench.sla",
            "manifest": tmp_path / "ds" / "slalang-dataset.json", "ds": tmp_path / "ds"}


def _verbs(i: dict[str, Path]) -> dict[str, list[str]]:
    p, t = str(i["policy"]), str(i["tickets"])
    other = str(ROOT / "policies" / "reference.sla")
    return {
        "calibrate onto the export": ["calibrate", "--policy", p, "--tickets", t, "-o", t],
        "diff onto the export": ["diff", p, other, "--tickets", t, "-o", t],
        "diff onto a policy": ["diff", p, other, "-o", p],
        "report onto the policy": ["report", p, "--tickets", t, "--customer", "C00769",
                                   "-o", p],
        "report onto the export": ["report", p, "--tickets", t, "--customer", "C00769",
                                   "-o", t],
        "contract onto the policy": ["contract", p, "-o", p],
        "export onto the policy": ["export", p, "-o", p],
        "evaluate into the dataset": ["evaluate", p, "--tickets", str(i["ds"]), "--json",
                                      str(i["manifest"])],
        "calibrate into the dataset": ["calibrate", "--policy", p, "--tickets",
                                       str(i["ds"]), "-o", str(i["ds"] / "cal.json")],
        "report into the dataset": ["report", p, "--tickets", str(i["ds"]), "--customer",
                                    "C00769", "-o", str(i["ds"] / "part-00000.parquet")],
    }


@pytest.mark.parametrize("case", sorted(_verbs({k: Path(k) for k in
                                                 ("tickets", "policy", "manifest", "ds")})))
def test_an_output_never_replaces_an_input(inputs, case):
    before = {k: v.read_bytes() for k, v in inputs.items() if v.is_file()}
    parts = sorted(p.name for p in inputs["ds"].iterdir())
    r = CliRunner().invoke(main, _verbs(inputs)[case])
    assert r.exit_code == 2, r.output
    assert "is an input of this run" in r.output or "is inside" in r.output
    assert {k: v.read_bytes() for k, v in inputs.items() if v.is_file()} == before
    assert sorted(p.name for p in inputs["ds"].iterdir()) == parts


def test_an_output_beside_the_inputs_is_written(inputs, tmp_path):
    """The check refuses only what would replace an input: a new file beside them is fine,
    and a git revision as an input (no file) never matches."""
    out = tmp_path / "cal.json"
    r = CliRunner().invoke(main, ["calibrate", "--policy", str(inputs["policy"]), "--tickets",
                                  str(inputs["tickets"]), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("Benchmark SLA")
