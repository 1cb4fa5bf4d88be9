"""Versions in force: several versions of a contract, each month measured under the version
in force at its start (evaluate and report), and the errors for overlapping or missing
effective dates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import read_downtime, read_tickets
from slalang.evaluation import evaluate
from slalang.evaluation.output.json import evaluation_to_json
from slalang.versions import VersionsError, evaluate_versions, load_versions, split_period

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
TICKETS = str(ROOT / "examples/reference/tickets.jsonl")
DOWNTIME = str(ROOT / "examples/reference/downtime.csv")
DATA = ["--tickets", TICKETS, "--downtime", DOWNTIME, "--period", "2026-Q3"]


def amended(text: str, version: str, effective: str) -> str:
    """The reference policy as another version: Gold's P1 resolution target 4h -> 2h."""
    for old, new in (('version "2026.1"', f'version "{version}"'),
                     ("effective 2026-01-01", f"effective {effective}"),
                     ("resolution: P1 4h on always", "resolution: P1 2h on always")):
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture
def work(tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "reference.sla", tmp_path / "v1.sla")
    shutil.copy(FIXTURES / "customers.yaml", tmp_path / "customers.yaml")
    (tmp_path / "v2.sla").write_text(
        amended((tmp_path / "v1.sla").read_text(), "2026.2", "2026-08-01"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_each_month_under_the_version_in_force(work):
    versions = load_versions(["v2.sla", "v1.sla"])  # any order: sorted by effective date
    assert [v.label for v in versions] == ["2026.1", "2026.2"]
    tickets, down = read_tickets(TICKETS), read_downtime(DOWNTIME)
    parts = evaluate_versions(versions, tickets, down, "2026-Q3")
    assert [(p.version.label, p.months) for p in parts] == [
        ("2026.1", ["2026-07"]), ("2026.2", ["2026-08", "2026-09"])]
    # each part is exactly the single-version evaluation of its months
    from slalang.plan import compile_plan
    from slalang.review.revision import roster_of

    for p in parts:
        alone = evaluate(compile_plan(p.version.policy), tickets, down,
                         roster_of(p.version.source, p.version.policy), as_of=p.evaluation.as_of,
                         period=p.period)
        assert evaluation_to_json(alone) == evaluation_to_json(p.evaluation)


def test_one_version_for_the_whole_period_is_not_split(work):
    from slalang.evaluation.periods import parse_period

    versions = load_versions(["v1.sla", "v2.sla"])
    period = parse_period("2026-Q4", "Europe/Rome")
    assert [(v.label, p) for v, p in split_period(versions, period)] == [("2026.2", period)]


def test_overlapping_effective_dates_name_file_and_line(work):
    (work / "v3.sla").write_text(amended((work / "v1.sla").read_text(), "2026.3", "2026-08-01"))
    with pytest.raises(VersionsError, match=r"overlapping effective dates: v2\.sla:6: version "
                       r"2026\.2 and v3\.sla:6: version 2026\.3 both take effect on 2026-08-01"):
        load_versions(["v1.sla", "v2.sla", "v3.sla"])
    result = run("evaluate", "v1.sla", "--amendment", "v2.sla", "--amendment", "v3.sla", *DATA)
    assert result.exit_code == 2 and "v3.sla:6" in result.output


def test_missing_effective_date_names_the_earliest_version(work):
    result = run("evaluate", "v1.sla", "--amendment", "v2.sla", *DATA[:4], "--period", "2025-12")
    assert result.exit_code == 2
    assert ("missing effective date: no version is in force on 2025-12-01 (month 2025-12); "
            "the earliest, v1.sla:6: version 2026.1, takes effect on 2026-01-01") in result.output


def test_same_version_name_twice_is_an_error(work):
    (work / "v3.sla").write_text(amended((work / "v1.sla").read_text(), "2026.2", "2026-09-01"))
    with pytest.raises(VersionsError, match="both version 2026.2"):
        load_versions(["v1.sla", "v2.sla", "v3.sla"])


def test_evaluate_text_names_version_and_hash_per_month(work):
    result = run("evaluate", "v1.sla", "--amendment", "v2.sla", *DATA)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    v1, v2 = (load_versions([f]) [0].policy_hash[:12] for f in ("v1.sla", "v2.sla"))
    assert lines[1:4] == [f"  2026-07: version 2026.1 (v1.sla, sha256 {v1})",
                          f"  2026-08: version 2026.2 (v2.sla, sha256 {v2})",
                          f"  2026-09: version 2026.2 (v2.sla, sha256 {v2})"]
    assert "== 2026-07-01..2026-07-31: version 2026.1 (effective 2026-01-01) ==" in lines
    assert "== 2026-08-01..2026-09-30: version 2026.2 (effective 2026-08-01) ==" in lines
    # July at 0 EUR under 2026.1; August 800 and September 400 for Alfa under 2026.2
    assert lines[-1] == "credits owed over 2026-Q3, every version: 1375.00 EUR"


def test_evaluate_json_and_fail_on(work, tmp_path):
    out = tmp_path / "ev.json"
    result = run("evaluate", "v1.sla", "--amendment", "v2.sla", *DATA, "--json", str(out),
                 "--fail-on", "credit")
    assert result.exit_code == 1  # credits are due in the 2026.2 months
    doc = json.loads(out.read_text())
    assert doc["amended"] is True
    assert [(m["month"], m["version"], m["source"]) for m in doc["months"]] == [
        ("2026-07", "2026.1", "v1.sla"), ("2026-08", "2026.2", "v2.sla"),
        ("2026-09", "2026.2", "v2.sla")]
    assert doc["months"][0]["policy_hash"] == doc["versions"][0]["policy_hash"]
    assert [(v["version"], v["months"], v["source"]) for v in doc["versions"]] == [
        ("2026.1", ["2026-07"], "v1.sla"), ("2026.2", ["2026-08", "2026-09"], "v2.sla")]
    for v in doc["versions"]:
        assert v["evaluation"]["policy_hash"] == v["policy_hash"]
        assert v["evaluation"]["policy"]["version"] == v["version"]


def test_outputs_of_one_version_are_refused(work):
    result = run("evaluate", "v1.sla", "--amendment", "v2.sla", *DATA, "--csv", "x.csv")
    assert result.exit_code == 2 and "--csv takes one version of the contract" in result.output
    assert not Path("x.csv").exists()


def test_report_notes_the_change(work):
    result = run("report", "v1.sla", "--amendment", "v2.sla", *DATA, "--customer", "Alfa Srl",
                 "-o", "alfa.md")
    assert result.exit_code == 0, result.output
    text = Path("alfa.md").read_text(encoding="utf-8")
    assert text.startswith("> **Contract amended.** The contract was amended during this "
                           "period; each month is measured under the version in force at its "
                           "start: version 2026.1 (effective 2026-01-01) for 2026-07; ")
    assert "sha256" not in text and ".sla" not in text  # the customer's document
    assert "for 2026-08–2026-09." in text.splitlines()[0]
    assert text.count("# Service level report · Alfa Srl") == 2
    result = run("report", "v1.sla", "--amendment", "v2.sla", *DATA, "--customer", "Alfa Srl",
                 "-o", "alfa.html")
    html = Path("alfa.html").read_text(encoding="utf-8")
    assert html.count("<body") == html.count("</body>") == 1
    assert html.index('<aside class="amendment"') < html.index('<hr class="amendment">')


def test_an_italian_report_notes_the_change_in_italian(work):
    """Regression: `report --amendment … --lang it` opened the Italian report with an English
    note carrying each version's sha256."""
    result = run("report", "v1.sla", "--amendment", "v2.sla", *DATA, "--customer", "Alfa Srl",
                 "--lang", "it", "-o", "alfa.html")
    assert result.exit_code == 0, result.output
    html = Path("alfa.html").read_text(encoding="utf-8")
    note = html[html.index('<aside class="amendment"'):html.index("</aside>")]
    assert "<strong>Contratto modificato.</strong> Il contratto è stato modificato nel " \
        "periodo" in note
    assert "versione 2026.1 (in vigore dal 2026-01-01) per 2026-07" in note
    assert "Contract" not in note and "sha256" not in note


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_revisions_of_one_file(work):
    shutil.copy("v1.sla", "contract.sla")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "contract.sla", "customers.yaml")
    git(work, "commit", "-q", "-m", "2026.1")
    shutil.copy("v2.sla", "contract.sla")
    git(work, "commit", "-q", "-am", "amendment 2026.2")
    result = run("evaluate", "HEAD:contract.sla", "--amendment", "HEAD~1:contract.sla", *DATA,
                 "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [(v["source"], v["months"]) for v in doc["versions"]] == [
        ("HEAD~1:contract.sla", ["2026-07"]), ("HEAD:contract.sla", ["2026-08", "2026-09"])]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_plan_diff_between_revisions(work):
    shutil.copy("v1.sla", "contract.sla")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "contract.sla", "customers.yaml")
    git(work, "commit", "-q", "-m", "2026.1")
    shutil.copy("v2.sla", "contract.sla")
    result = run("plan", "contract.sla", "--diff", "main:contract.sla")
    assert result.exit_code == 0, result.output
    assert result.output == "~ Gold resolution P1: target 4h -> 2h\n"


def test_amend_docs_quote_the_real_output(monkeypatch):
    """docs/workflow/amend.md shows the bundled amendment: its lines must stay true."""
    import re

    monkeypatch.chdir(ROOT)
    doc = (ROOT / "docs/workflow/amend.md").read_text(encoding="utf-8")
    block = re.findall(r"```console\n(.*?)```", doc, flags=re.S)[0]
    shown = [line for line in block.split("--period 2026-Q3\n", 1)[1].splitlines()
             if line != "…"]
    result = run("evaluate", "policies/reference.sla", "--amendment",
                 "examples/amendment/reference-2026.2.sla", "--tickets",
                 "examples/reference/tickets.jsonl", "--downtime",
                 "examples/reference/downtime.csv", "--period", "2026-Q3")
    lines = result.output.splitlines()
    for line in shown:
        assert line in lines, line
    note = " ".join(line.removeprefix("> ") for line in doc.splitlines()
                    if line.startswith("> "))
    # the report's note, as the docs quote it
    from slalang.versions import amendment_note

    versions = load_versions(["policies/reference.sla",
                              "examples/amendment/reference-2026.2.sla"])
    parts = evaluate_versions(versions, read_tickets("examples/reference/tickets.jsonl"),
                              None, "2026-Q3")
    assert note == "**Contract amended.** " + amendment_note(parts)
