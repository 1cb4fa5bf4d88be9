"""`slalang check --format sarif|github`: SARIF 2.1.0 validated against the OASIS schema
(fixtures/sarif/, source noted there) and GitHub workflow-command annotations (goldens)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "fixtures/sarif/sarif-schema-2.1.0.json").read_text("utf-8"))
# a reference to an undefined calendar (an error with a hint), and a syntax error
BAD = ["tests/language/fixtures/sarif/undefined_calendar.sla",
       "tests/language/fixtures/sarif/syntax_error.sla"]


def golden(name: str, actual: str) -> None:
    path = HERE / "golden" / name
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with SLALANG_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args])


def test_fixtures_exist():
    for f in BAD:
        assert (ROOT / f).exists(), f


def test_sarif_is_valid_and_golden():
    result = check(*BAD, "--format", "sarif")
    assert result.exit_code == 2  # the syntax error: same exit codes as the text form
    log = json.loads(result.output)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    golden("check.sarif.json", result.output)
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {r["ruleId"] for r in run["results"]} <= set(rules)
    first = run["results"][0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": BAD[0], "uriBaseId": "%SRCROOT%"}
    assert first["region"]["startLine"] >= 1


def test_sarif_of_clean_policies_has_no_results():
    result = check("policies/reference.sla", "--format", "sarif")
    assert result.exit_code == 0
    log = json.loads(result.output)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_of_an_unreadable_file_is_valid():
    result = check("no/such.sla", "--format", "sarif")
    assert result.exit_code == 2
    log = json.loads(result.output)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"][0]["ruleId"] == "SLA002"


def test_github_annotations_golden():
    result = check(*BAD, "--format", "github")
    assert result.exit_code == 2
    golden("check.github.txt", result.output)
    for line in result.output.splitlines():
        assert line.startswith(("::error file=", "::warning file=")), line
        assert "\n" not in line.split("::", 2)[2]


def test_github_is_silent_when_clean():
    result = check("policies/reference.sla", "--format", "github")
    assert (result.exit_code, result.output) == (0, "")


def test_github_escapes_what_would_break_a_command():
    from slalang.codescan import to_github
    from slalang.diagnostics import Diagnostic
    from slalang.model import Span

    d = Diagnostic("SLA1", "warning", "50% off\nnext", Span("a,b:c.sla", 2, 1, 2, 4))
    assert to_github([d]) == ("::warning file=a%2Cb%3Ac.sla,line=2,col=1,endLine=2,endColumn=4,"
                              "title=SLA1::50%25 off%0Anext")


def test_sarif_uri_of_an_odd_file_name_is_a_valid_uri_reference(tmp_path, monkeypatch):
    """Regression: `we ird%.sla` went into artifactLocation.uri as is (a space and a bare
    `%` are not allowed in a URI); code scanning then cannot place the result."""
    from urllib.parse import unquote

    monkeypatch.chdir(tmp_path)
    Path("we ird,50%.sla").write_text('policy "x" {\n', encoding="utf-8")
    result = check("we ird,50%.sla", "--format", "sarif")
    assert result.exit_code == 2
    uri = json.loads(result.output)["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "we%20ird%2C50%25.sla"
    assert unquote(uri) == "we ird,50%.sla"
