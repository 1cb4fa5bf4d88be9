"""Issue 9: every verb writes its outputs to special paths as a shell user expects, and one
failed output leaves none of the run's files behind."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "reference.sla")
EVALUATE = [POLICY, "--tickets", str(ROOT / "examples" / "reference" / "tickets.jsonl"),
            "--period", "2026-Q3"]
SLALANG = [sys.executable, "-m", "slalang"]


def test_json_to_dev_stdout_redirected_to_a_file(tmp_path):
    # /dev/stdout resolves to the file the shell opened: replacing it lost the output
    out = tmp_path / "out.json"
    with out.open("wb") as fh:
        done = subprocess.run([*SLALANG, "evaluate", *EVALUATE, "--json", "/dev/stdout",
                               "--format", "json"], stdout=fh, stderr=subprocess.PIPE,
                              timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text().splitlines()[0])["schema_version"] == 1


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash for >(cmd)")
def test_json_to_a_process_substitution(tmp_path):
    cmd = " ".join(shlex.quote(a) for a in [*SLALANG, "evaluate", *EVALUATE])
    sink = tmp_path / "sink.json"
    script = f"{cmd} --json >(cat > {shlex.quote(str(sink))}) > /dev/null; wait; sleep 1"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(sink.read_text())["schema_version"] == 1


def test_one_failed_output_leaves_none_of_the_run(tmp_path):
    (tmp_path / "v.csv").write_text("previous\n")
    result = CliRunner().invoke(main, ["evaluate", *EVALUATE, "--json", str(tmp_path / "a.json"),
                                       "--csv", str(tmp_path / "v.csv"), "--junit", "/dev/full"])
    assert result.exit_code == 2
    assert "No space left on device: '/dev/full'" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.csv"]
    assert (tmp_path / "v.csv").read_text() == "previous\n"


def test_all_outputs_of_a_run_appear_together(tmp_path):
    result = CliRunner().invoke(main, ["evaluate", *EVALUATE, "--json", str(tmp_path / "a.json"),
                                       "--csv", str(tmp_path / "v.csv"),
                                       "--junit", str(tmp_path / "j.xml")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "j.xml", "v.csv"]


@pytest.mark.parametrize("verb", [["export", POLICY, "-o"], ["contract", POLICY, "--tier",
                                                              "Gold", "-o"]])
def test_other_verbs_write_devices_in_place(verb):
    result = CliRunner().invoke(main, [*verb, "/dev/null"])
    assert result.exit_code == 0, result.output
    assert Path("/dev/null").is_char_device()


def test_report_per_customer_files_all_or_none(tmp_path):
    saved = tmp_path / "ev.json"
    assert CliRunner().invoke(main, ["evaluate", *EVALUATE, "--json", str(saved)]).exit_code == 0
    folder = tmp_path / "reports"
    (folder / "gamma-snc-2026-Q3.md").mkdir(parents=True)  # the third file cannot be written
    result = CliRunner().invoke(main, ["report", "--from-json", str(saved), "-o",
                                       f"{folder}/", "--format", "md"])
    assert result.exit_code == 2
    assert sorted(p.name for p in folder.iterdir()) == ["gamma-snc-2026-Q3.md"]
    (folder / "gamma-snc-2026-Q3.md").rmdir()
    result = CliRunner().invoke(main, ["report", "--from-json", str(saved), "-o",
                                       f"{folder}/", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert len(list(folder.iterdir())) == 3


@pytest.mark.parametrize("extra, says", [
    (["--csv", "{d}/v.csv", "--stamp", "{d}/./v.csv"], "--csv and --stamp both name"),
    (["--json", "-", "--junit", "-"], "--json and --junit would both write to standard output"),
    (["--json", "{d}/tickets.jsonl"], "is an input of this run"),
])
def test_outputs_that_would_overwrite_each_other_or_an_input_are_refused(tmp_path, extra,
                                                                         says):
    """Regression: `--csv v.csv --stamp v.csv` exited 0 having replaced the CSV with the
    stamp, `--json tickets.jsonl` replaced the data read, and two `-` mixed two documents."""
    data = tmp_path / "tickets.jsonl"
    shutil.copy(ROOT / "examples" / "reference" / "tickets.jsonl", data)
    before = data.read_bytes()
    argv = [POLICY, "--tickets", str(data), "--period", "2026-Q3",
            *(a.format(d=tmp_path) for a in extra)]
    r = CliRunner().invoke(main, ["evaluate", *argv])
    assert r.exit_code == 2, r.output
    assert says in r.output
    assert data.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tickets.jsonl"]
