"""The composite GitHub Action (action.yml) and its pull-request script (ci/github-diff.sh),
run on throw-away git repositories (an "origin" on disk, no network)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
SCRIPT = ROOT / "ci" / "github-diff.sh"
TIGHTER = ("resolution: P1 4h on always objective 95%", "resolution: P1 2h on always objective 95%")


def test_action_is_composite_and_uses_only_its_inputs():
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", text))
    used |= set(re.findall(r"inputs\.([\w-]+) ==", text))
    assert used <= set(ACTION["inputs"]), used - set(ACTION["inputs"])
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs reach scripts through the environment, never spliced into the code
            assert "${{" not in step["run"], step["run"]
    runs = " ".join(s.get("run", "") for s in steps)
    for verb in ("slalang check --format github", "slalang test", "github-diff.sh"):
        assert verb in runs


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"})
    return done.stdout


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone whose branch tightens the reference policy against origin/main."""
    origin = tmp_path / "origin"
    seed = tmp_path / "seed"
    (seed / "policies").mkdir(parents=True)
    for name in ("reference.sla", "customers.yaml"):
        shutil.copy(ROOT / "tests/review/fixtures" / name, seed / "policies" / name)
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "policy")
    git(seed, "push", "-q", str(origin), "main")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "tighter")
    policy = work / "policies" / "reference.sla"
    policy.write_text(policy.read_text(encoding="utf-8").replace(*TIGHTER), encoding="utf-8")
    git(work, "commit", "-q", "-am", "tighter Gold resolution P1")
    return work


def run_script(work: Path, tmp_path: Path, **env: str) -> tuple[int, str]:
    summary = tmp_path / "summary.md"
    summary.write_text("", encoding="utf-8")
    full = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "BASE_REF": "main", "POLICIES": "policies", "GITHUB_STEP_SUMMARY": str(summary),
            **env}
    done = subprocess.run(["bash", str(SCRIPT)], cwd=work, env=full, capture_output=True,
                          text=True, timeout=300)
    return done.returncode, summary.read_text(encoding="utf-8") + done.stderr


DATA = {"TICKETS": str(ROOT / "examples/reference/tickets.jsonl"),
        "DOWNTIME": str(ROOT / "examples/reference/downtime.csv"), "PERIOD": "2026-Q3"}

needs = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None
                           or shutil.which("slalang", path=str(Path(sys.executable).parent))
                           is None, reason="needs bash, git and an installed slalang")


@needs
@pytest.mark.slow
def test_pull_request_summary_has_the_replayed_diff(pull_request, tmp_path):
    code, summary = run_script(pull_request, tmp_path, **DATA)
    assert code == 0, summary
    assert "### slalang diff: `origin/main:policies/reference.sla` → `policies/reference.sla`" \
        in summary
    assert "credits 975.00 EUR -> 1775.00 EUR (+800.00 EUR)" in summary
    assert "<details><summary>Ticket verdicts that flip (4)</summary>" in summary


@needs
@pytest.mark.slow
def test_fail_on_credit_increase_fails_the_step(pull_request, tmp_path):
    code, summary = run_script(pull_request, tmp_path, **DATA, FAIL_ON="credit-increase")
    assert code == 1 and "### slalang diff" in summary


@needs
@pytest.mark.slow
def test_without_data_the_plan_diff_only(pull_request, tmp_path):
    code, summary = run_script(pull_request, tmp_path)
    assert code == 0
    assert "~ Gold resolution P1: target 4h -> 2h" in summary and "replayed" not in summary


@needs
@pytest.mark.slow
def test_no_policy_changed(pull_request, tmp_path):
    git(pull_request, "reset", "-q", "--hard", "origin/main")
    code, summary = run_script(pull_request, tmp_path, **DATA)
    assert code == 0 and "No policy changed against main." in summary
