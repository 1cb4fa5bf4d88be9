"""Invalid tickets (evaluated, but customer, tier or priority unresolved) are named in the JSON,
apart from rejected rows (never evaluated): each counted once, none silently dropped."""

import json
from pathlib import Path

from click.testing import CliRunner

from slalang.cli import main
from slalang.evaluation.output.json import validate

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "evaluation" / "fixtures" / "explain"


def test_invalid_tickets_are_listed_with_row_and_field():
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"),
        "--tickets", str(FIX / "broken.csv"), "--events", str(FIX / "broken-events.csv"),
        "--period", "2026-07", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    validate(doc)
    assert doc["counts"]["invalid"] == len(doc["invalid"]) == 2
    assert doc["counts"]["rejected"] == len(doc["rejected"]) == 5
    assert [(Path(p["file"]).name, p["row"], p["field"]) for p in doc["invalid"]] == [
        ("broken.csv", 5, "priority"), ("broken.csv", 6, "customer")]
    assert "unknown priority 'P9'" in doc["invalid"][0]["reason"]
    # no row is both: invalid tickets were evaluated, rejected rows were not
    invalid_rows = {(p["file"], p["row"]) for p in doc["invalid"]}
    assert not invalid_rows & {(p["file"], p["row"]) for p in doc["rejected"]}
