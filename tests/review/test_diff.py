"""`slalang diff`: the plan diff and the replayed impact of a policy change, from files and
git revisions; goldens for text, Markdown and JSON on the bundled example quarter.

Regenerate the goldens with ``SLALANG_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
#: the reference policy and roster, frozen (fixtures/README.md)
FIXTURES = Path(__file__).parent / "fixtures"
DATA = ["--tickets", str(ROOT / "examples/reference/tickets.jsonl"),
        "--downtime", str(ROOT / "examples/reference/downtime.csv"), "--period", "2026-Q3"]


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with SLALANG_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def edited(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder with old.sla (the reference policy) and its roster; paths print relative."""
    shutil.copy(FIXTURES / "reference.sla", tmp_path / "old.sla")
    shutil.copy(FIXTURES / "customers.yaml", tmp_path / "customers.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


TIGHTER = (("resolution: P1 4h on always objective 95%",
            "resolution: P1 2h on always objective 95%"),
           ("response on office: P1 1h, P2 2h objective 95%",
            "response on office: P1 30m, P2 1h objective 95%"))


def run(*args: str):
    return CliRunner().invoke(main, ["diff", *args], catch_exceptions=False)


def write_new(work: Path, *pairs) -> None:
    (work / "new.sla").write_text(edited((work / "old.sla").read_text(), *pairs))


def test_text_golden(work):
    write_new(work, *TIGHTER)
    result = run("old.sla", "new.sla", *DATA)
    assert result.exit_code == 0, result.output
    golden("diff-tighter.txt", result.output)
    assert "credits 975.00 EUR -> 1775.00 EUR (+800.00 EUR)" in result.output


def test_markdown_golden(work):
    write_new(work, *TIGHTER)
    result = run("old.sla", "new.sla", *DATA, "--format", "markdown")
    assert result.exit_code == 0, result.output
    golden("diff-tighter.md", result.output)
    # the summary comes before anything folded
    assert result.output.index("**3 promises changed") < result.output.index("<details>")


def test_json(work):
    write_new(work, *TIGHTER)
    result = run("old.sla", "new.sla", *DATA, "--format", "json")
    doc = json.loads(result.output)
    golden("diff-tighter.json", result.output)
    imp = doc["impact"]
    assert imp["totals"] == {"EUR": {"before": "975.00", "after": "1775.00"}}
    assert imp["ticket_flips"] == len(imp["flips"]) == 4
    assert {f["reasons"][0] for f in imp["flips"]} == {"target"}
    assert imp["credit_increase"] is True


def test_without_data_prints_the_plan_diff_only(work):
    write_new(work, *TIGHTER)
    result = run("old.sla", "new.sla")
    assert result.exit_code == 0
    assert "~ Gold resolution P1: target 4h -> 2h" in result.output
    assert "replayed" not in result.output


def test_fail_on(work):
    write_new(work, *TIGHTER)
    assert run("old.sla", "new.sla", *DATA, "--fail-on", "credit-increase").exit_code == 1
    assert run("old.sla", "new.sla", *DATA, "--fail-on", "any-flip").exit_code == 1
    # the same policy: nothing flips, nothing grows
    same = run("old.sla", "old.sla", *DATA, "--fail-on", "any-flip")
    assert same.exit_code == 0 and "0 objectives flip, 0 ticket verdicts flip" in same.output
    # looser targets lower credits: no increase
    write_new(work, ("P1 15m on always", "P1 30m on always"))
    assert run("old.sla", "new.sla", *DATA, "--fail-on", "credit-increase").exit_code == 0


def test_fail_on_needs_data(work):
    result = run("old.sla", "old.sla", "--fail-on", "any-flip")
    assert result.exit_code == 2 and "needs --tickets" in result.output


def flips(work, *pairs, roster: str | None = None) -> list[dict]:
    write_new(work, *pairs)
    if roster is not None:
        (work / "new").mkdir()
        (work / "new" / "new.sla").write_text((work / "new.sla").read_text())
        (work / "new" / "customers.yaml").write_text(roster)
        new = "new/new.sla"
    else:
        new = "new.sla"
    result = run("old.sla", new, *DATA, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["impact"]["flips"]


def test_reason_calendar(work):
    found = flips(work, ("mon-fri 08:30-13:00, 14:00-18:00", "mon-fri 09:30-13:00, 14:00-17:00"))
    assert found and all("calendar" in f["reasons"] for f in found)


def test_reason_pause(work):
    found = flips(work, ("pauses while status in (waiting_on_customer, waiting_on_vendor, "
                         "resolved, closed)", "pauses while status in (resolved, closed)"))
    assert found and all(f["reasons"] == ["pause"] for f in found)
    assert all(f["metric"] == "resolution" and f["after"] == "breached" for f in found)


def test_reason_exclusion(work):
    found = flips(work, ('exclude tickets where category = "change_request"',
                         'exclude tickets where category in ("change_request", "incident")'))
    assert found and all(f["reasons"] == ["exclusion"] and f["after"] == "excluded"
                         for f in found)


def test_reason_tier(work):
    roster = (work / "customers.yaml").read_text()
    found = flips(work, roster=edited(roster, ("name: Beta SpA\n    tier: Silver",
                                               "name: Beta SpA\n    tier: Bronze")))
    assert found and all("tier" in f["reasons"] and f["customer"] == "Beta SpA"
                         for f in found)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_revisions(work):
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "old.sla", "customers.yaml")
    git(work, "commit", "-q", "-m", "reference")
    write_new(work, *TIGHTER)
    (work / "old.sla").write_text((work / "new.sla").read_text())
    git(work, "commit", "-q", "-am", "tighter")
    result = run("HEAD~1:old.sla", "main:old.sla", *DATA)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("old: HEAD~1:old.sla (version 2026.1")
    assert "credits 975.00 EUR -> 1775.00 EUR" in result.output
    # the roster is read from the revision too: a roster changed later does not leak back
    (work / "customers.yaml").write_text("not: [valid")
    assert run("HEAD~1:old.sla", "main:old.sla", *DATA).exit_code == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_errors_are_clean(work):
    result = run("main:old.sla", "old.sla")
    assert result.exit_code == 2
    assert "cannot read main:old.sla: not a git repository" in result.output
    git(work, "init", "-q", "-b", "main")
    result = run("nope:old.sla", "old.sla")
    assert result.exit_code == 2 and "cannot read nope:old.sla:" in result.output
    assert "Traceback" not in result.output


def test_git_missing(work, monkeypatch):
    monkeypatch.setenv("PATH", str(work / "no-bin"))
    result = run("main:old.sla", "old.sla")
    assert result.exit_code == 2
    assert "git is not installed" in result.output


def test_broken_policy_shows_diagnostics(work):
    (work / "new.sla").write_text((work / "old.sla").read_text().replace("cap 30%", "cap 30"))
    result = run("old.sla", "new.sla")
    assert result.exit_code == 2 and "new.sla:" in result.output and "^" in result.output


def test_no_ticket_in_period_is_an_error(work):
    result = run("old.sla", "old.sla", *DATA[:4], "--period", "2025-01")
    assert result.exit_code == 2 and "nothing was replayed" in result.output


def test_review_docs_quote_the_real_output():
    """docs/workflow/review.md shows this very replay: its lines must stay true."""
    import re

    doc = (ROOT / "docs/workflow/review.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", doc, flags=re.S)
    replay = next(b for b in blocks if "--period 2026-Q3" in b)
    shown = replay.split("--period 2026-Q3\n", 1)[1].splitlines()[2:]
    assert shown == (GOLDEN / "diff-tighter.txt").read_text(encoding="utf-8").splitlines()[2:]
