"""Unusable policy files through every verb that reads one: a diagnostic, never a traceback.

A directory, a file that is not UTF-8, an empty file, a missing file and a syntax error go
through ``check``, ``fmt``, ``export``, ``plan`` and ``explain``; each must print
``file:line:col: error[CODE]`` (with the caret when there is a line to show) and exit 2. The
exact output is kept in ``golden/cli-unusable-inputs.txt`` (``SLALANG_UPDATE_GOLDEN=1``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main

HERE = Path(__file__).parent
INPUTS = HERE / "inputs"
GOLDEN = HERE / "golden" / "cli-unusable-inputs.txt"
FILES = ("folder.sla", "latin1.sla", "empty.sla", "missing.sla", "misspelt.sla")
TICKETS = HERE.parents[1] / "examples" / "reference" / "tickets.jsonl"


def verbs(name: str) -> list[list[str]]:
    return [["check", name], ["fmt", name], ["export", name], ["plan", name],
            ["explain", name, "--tickets", str(TICKETS), "--ticket", "T-1001"]]


@pytest.fixture(autouse=True)
def in_inputs(monkeypatch):
    # relative names, so the golden text does not depend on where the clone is
    monkeypatch.chdir(INPUTS)
    (INPUTS / "folder.sla").mkdir(exist_ok=True)  # git keeps no empty folder


def run(args: list[str]):
    return CliRunner().invoke(main, args)


@pytest.mark.skipif(not TICKETS.exists(), reason="the bundled example is not there")
def test_every_verb_refuses_unusable_policies_with_a_diagnostic():
    parts = []
    for name in FILES:
        for args in verbs(name):
            result = run(args)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                args, result.output)
            assert result.exit_code == 2, (args, result.output)
            assert "Traceback" not in result.output and "Usage:" not in result.output, args
            assert f"{name}:" in result.output and "error[SLA00" in result.output, args
            shown = " ".join(args).replace(str(TICKETS), "tickets.jsonl")
            parts.append(f"$ slalang {shown}\n{result.output}(exit {result.exit_code})\n")
    actual = "\n".join(parts)
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(actual, encoding="utf-8")
    assert actual == GOLDEN.read_text(encoding="utf-8")


def test_not_utf8_points_at_the_byte():
    result = run(["check", "--format", "json", "latin1.sla"])
    assert result.exit_code == 2
    (found,) = json.loads(result.output)["diagnostics"]
    assert (found["code"], found["line"], found["column"]) == ("SLA002", 1, 9)
    assert "0xe9" in found["message"] and "UTF-8" in found["hint"]


def test_a_directory_is_a_diagnostic_in_json_too():
    result = run(["check", "--format", "json", "folder.sla", "latin1.sla"])
    assert result.exit_code == 2
    doc = json.loads(result.output)  # still one JSON document, no usage banner
    assert [d["file"] for d in doc["diagnostics"]] == ["folder.sla", "latin1.sla"]
    assert "directory" in doc["diagnostics"][0]["message"]


def test_plan_of_a_policy_with_findings_exits_2_with_carets(tmp_path):
    source = (HERE.parents[1] / "policies" / "reference.sla").read_text(encoding="utf-8")
    bad = tmp_path / "bad.sla"
    bad.write_text(source.replace("P1 8h, P2 16h", "P1 2d, P2 16h"), encoding="utf-8")
    result = run(["plan", str(bad)])
    assert result.exit_code == 2
    assert "error[SLA305]: ambiguous duration '2d'" in result.output
    assert "^^" in result.output and "hint: write 24h" in result.output


def test_fmt_of_standard_input_that_is_not_utf8():
    result = CliRunner().invoke(main, ["fmt", "-"], input=b'policy "\xe9" {\n}\n')
    assert result.exit_code == 2
    assert "-:1:9: error[SLA002]: cannot read the file: byte 0xe9 is not UTF-8 text" in \
        result.output


def test_a_tab_indented_line_keeps_the_caret_under_the_word(tmp_path):
    source = (HERE.parents[1] / "policies" / "reference.sla").read_text(encoding="utf-8")
    policy = tmp_path / "tabs.sla"
    policy.write_text(source.replace("    response on office: P1 2h", "\tresponse on ofice: P1 2h"),
                      encoding="utf-8")
    (tmp_path / "customers.yaml").write_text(
        (HERE.parents[1] / "policies" / "customers.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    lines = run(["check", str(policy)]).output.splitlines()
    shown, caret = lines[1], lines[2]
    assert "\t" not in shown  # a tab is shown as spaces, whatever the terminal's tab width
    assert shown.index("ofice") == caret.index("^") and caret.endswith("^^^^^")
