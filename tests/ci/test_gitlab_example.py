"""The GitLab CI example (examples/ci/gitlab-ci.yml): valid YAML whose slalang commands name
real verbs and options (so the example cannot drift from the CLI unnoticed)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples/ci/gitlab-ci.yml"


def commands() -> list[list[str]]:
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    lines = [line for job in doc.values() if isinstance(job, dict)
             for entry in job.get("script", []) for line in entry.splitlines()]
    found = []
    for line in lines:
        for m in re.finditer(r"\bslalang (\w+)([^|>;]*)", line):
            found.append([m.group(1), *shlex.split(m.group(2).replace("$", ""))])
    return found


def test_jobs_check_test_and_diff():
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert {"slalang:check", "slalang:test", "slalang:diff"} <= set(doc)
    assert doc["slalang:test"]["artifacts"]["reports"]["junit"] == "slalang-tests.xml"
    assert doc["slalang:diff"]["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'


def test_every_option_exists():
    found = commands()
    assert {c[0] for c in found} == {"check", "test", "diff"}
    for verb, *args in found:
        help_text = CliRunner().invoke(main, [verb, "--help"]).output
        for arg in args:
            if arg.startswith("--"):
                assert arg in help_text, f"slalang {verb} has no {arg}"
