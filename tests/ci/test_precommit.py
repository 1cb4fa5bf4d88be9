"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real ``pre-commit`` on a
throw-away git repository.

Offline: the hooks are installed as ``repo: local`` hooks built from our hook file (same id,
entry, files and pass_filenames), with ``language: system`` and the entry pointing at this
interpreter's slalang, so pre-commit needs no network to build an environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
    "pre-commit")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(PRE_COMMIT is None or shutil.which("git") is None,
                                 reason="needs pre-commit (test extra) and git")]


def test_hook_file_declares_check_fmt_and_test():
    assert [h["id"] for h in HOOKS] == ["slalang-check", "slalang-fmt", "slalang-test"]
    for hook in HOOKS:
        assert hook["language"] == "python" and hook["entry"].startswith("slalang ")


def local_config() -> str:
    """A .pre-commit-config.yaml running our hooks as local ones with this slalang."""
    hooks = []
    for hook in HOOKS:
        local = {k: v for k, v in hook.items() if k != "description"}
        local["language"] = "system"
        local["entry"] = f"{sys.executable} -m slalang " + hook["entry"].removeprefix("slalang ")
        hooks.append(local)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "policies-repo"
    (repo / "policies").mkdir(parents=True)
    for name in ("reference.sla", "customers.yaml", "reference.test.yaml"):
        shutil.copy(ROOT / "policies" / name, repo / "policies" / name)
    (repo / ".pre-commit-config.yaml").write_text(local_config(), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    git(repo, "add", "-A")
    return repo


def pre_commit(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    return subprocess.run([PRE_COMMIT, "run", "--all-files", "--color", "never"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=600)


def test_clean_repository_passes(repo, tmp_path):
    done = pre_commit(repo, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("slalang check", "slalang fmt", "slalang test"):
        assert name in done.stdout
    assert "Failed" not in done.stdout


def test_each_hook_catches_its_problem(repo, tmp_path):
    policy = repo / "policies" / "reference.sla"
    text = policy.read_text(encoding="utf-8")
    # badly laid out: fmt rewrites the file and fails; check and test still pass
    policy.write_text(text.replace("    fee 1000 EUR monthly", "  fee    1000 EUR monthly"),
                      encoding="utf-8")
    git(repo, "add", "-A")
    done = pre_commit(repo, tmp_path)
    assert done.returncode == 1
    assert "slalang fmt" in done.stdout and "files were modified by this hook" in done.stdout
    assert policy.read_text(encoding="utf-8") == text  # put back in canonical form

    # an undefined calendar: check fails with the diagnostic
    policy.write_text(text.replace("response on office: P1 2h", "response on ofice: P1 2h"),
                      encoding="utf-8")
    done = pre_commit(repo, tmp_path)
    assert done.returncode == 1
    assert "undefined calendar 'ofice'" in done.stdout

    # a promise changed that the tests pin down: test fails with expected vs actual
    policy.write_text(text.replace("response on office: P1 2h", "response on office: P1 3h"),
                      encoding="utf-8")
    done = pre_commit(repo, tmp_path)
    assert done.returncode == 1
    assert "ticket B1 response: due: expected 2026-07-06 11:00, got 2026-07-06 12:00" \
        in done.stdout
