"""Issue 9: ``report --from-json`` validates the saved evaluation against the published schema
and names the first violation by its JSON path (it used to fail with an internal error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("ev") / "ev.json"
    result = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"), "--tickets",
        str(ROOT / "examples" / "reference" / "tickets.jsonl"), "--period", "2026-Q3",
        "--json", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def _damage(doc: dict, how: str) -> dict:
    doc = json.loads(json.dumps(doc))
    month = doc["customers"][0]["months"][0]
    if how == "no customers":
        del doc["customers"]
    elif how == "credit is text":
        month["credit"] = "x"
    elif how == "counts is a list":
        month["counts"] = [1]
    elif how == "month is a number":
        month["month"] = 7
    elif how == "customers is an object":
        doc["customers"] = {}
    return doc


@pytest.mark.parametrize(("how", "where"), [
    ("no customers", "$"),
    ("credit is text", "$.customers[0].months[0].credit"),
    ("counts is a list", "$.customers[0].months[0].counts"),
    ("month is a number", "$.customers[0].months[0].month"),
    ("customers is an object", "$.customers"),
])
def test_a_damaged_evaluation_names_the_first_violation(tmp_path, saved, how, where):
    path = tmp_path / "ev.json"
    path.write_text(json.dumps(_damage(saved, how)))
    result = CliRunner().invoke(main, ["report", "--from-json", str(path), "--combined",
                                       "-o", str(tmp_path / "r.md")])
    assert result.exit_code == 2
    assert f"not a valid evaluation at {where}: " in result.output
    assert "internal error" not in result.output
    assert not (tmp_path / "r.md").exists()


def test_a_saved_evaluation_still_renders(tmp_path, saved):
    path = tmp_path / "ev.json"
    path.write_text(json.dumps(saved))
    result = CliRunner().invoke(main, ["report", "--from-json", str(path), "--combined",
                                       "-o", str(tmp_path / "r.md")])
    assert result.exit_code == 0, result.output
