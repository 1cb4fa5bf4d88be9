"""The ServiceNow export (UCI 498) through its mapping: `slalang evaluate` with the demo policy.

The fixture-sized run always runs (the ingest tests' 45-incident sample, committed under
tests/data/fixtures); the full data set lives in ../shared and its test skips without it.
The full run's summary is quoted in docs/evaluation/servicenow.md.
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from shared_folder import needs, shared_path

from slalang.cli import main
from slalang.evaluation.output.json import validate

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "servicenow-demo.sla")
MAPPING = str(ROOT / "mappings" / "servicenow-uci.yaml")
SAMPLE = ROOT / "tests" / "data" / "fixtures" / "uci-sample.csv.gz"
UCI_LOG = ("data", "uci-incident-event-log", "incident_event_log.csv.gz")
FULL = shared_path(*UCI_LOG)

pytest.importorskip("slalang.data")


def evaluate(tickets: Path, *args: str) -> dict:
    r = CliRunner().invoke(main, ["evaluate", POLICY, "--tickets", str(tickets), "--mapping",
                                  MAPPING, "--format", "json", *args])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate(doc)
    return doc


@pytest.mark.skipif(not SAMPLE.exists(), reason="the ingest fixture is not there")
def test_the_sample_through_the_mapping():
    doc = evaluate(SAMPLE)
    # 45 incidents: one refused by the reader (an update stamped before the opening gives a
    # first response before creation), 44 evaluated
    assert doc["counts"]["tickets"] + doc["counts"]["rejected"] == 45
    assert doc["period"]["timezone"] == "America/Sao_Paulo"
    (customer,) = doc["customers"]
    assert (customer["customer"], customer["tier"]) == ("UCI ServiceNow", "Standard")
    months = [m["month"] for m in customer["months"]]
    assert months == doc["period"]["months"]
    decided = sum(o["met"] + o["breached"] for o in customer["objectives"])
    assert decided > 0


@pytest.mark.slow
@pytest.mark.skipif(FULL is None, reason=needs(*UCI_LOG))
def test_the_full_export_march_to_may_2016():
    doc = evaluate(FULL, "--period", "2016-03-01..2016-05-31")
    assert doc["data_hash"] == "b7ba39eb61aecd060af14daa4a1a7af2988f58f516086bb319d035cc747df4b2"
    assert doc["counts"]["tickets"] == 24437
    # five incidents have an update stamped before their opening: two give a first response
    # before creation, three a status event before creation (all opened on 29 February)
    assert doc["counts"]["rejected"] == 5
    assert sorted(r["field"] for r in doc["rejected"]) == ["events"] * 3 + [
        "first_response_at"] * 2
    (customer,) = doc["customers"]
    assert [m["counts"]["tickets"] for m in customer["months"]] == [8995, 7934, 7508]
    assert [m["credit"]["percent"] for m in customer["months"]] == ["15", "15", "10"]
    assert customer["credit"]["amount"] == {"amount": "4000.00", "currency": "EUR"}
