"""The bundled example data: reproducible, valid against the published schemas, and read
without a single rejection."""

from __future__ import annotations

import collections
import json
import runpy
from importlib import resources
from pathlib import Path

import jsonschema

from slalang.data import NAT, read_downtime, read_tickets

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "reference"


def schema(name: str) -> dict:
    return json.loads(resources.files("slalang").joinpath(f"schemas/{name}").read_text())


def test_generator_reproduces_the_committed_files(tmp_path):
    generator = runpy.run_path(str(ROOT / "examples" / "generate_reference.py"),
                               run_name="generate_reference")
    generator["generate"](tmp_path)
    for name in ("tickets.jsonl", "downtime.csv"):
        assert (tmp_path / name).read_bytes() == (REFERENCE / name).read_bytes(), name


def test_example_tickets_match_the_schema():
    validator = jsonschema.Draft202012Validator(schema("tickets.schema.json"))
    lines = (REFERENCE / "tickets.jsonl").read_text().splitlines()
    for line in lines:
        validator.validate(json.loads(line))
    down = jsonschema.Draft202012Validator(schema("downtime.schema.json"))
    t = read_downtime(REFERENCE / "downtime.csv")
    for r in t:
        record = r.as_dict()
        record["start"] = record["start"].isoformat()
        record["end"] = record["end"].isoformat()
        down.validate(record)


def test_example_loads_with_zero_rejections():
    t = read_tickets(REFERENCE / "tickets.jsonl", max_errors=0)
    assert t.n == 277
    assert t.customer.labels == ("Gamma Snc", "Alfa Srl", "Beta SpA")
    assert set(t.tier.labels) == {"Gold", "Silver", "Bronze"}
    assert collections.Counter(t.category.values().tolist())["change_request"] == 4
    still_open = t.id[t.resolved_at == NAT].tolist()
    assert still_open == ["T-1265", "T-1272", "T-1274", "T-1275", "T-1276", "T-1277"]
    assert t.id[t.first_response_at == NAT].tolist() == ["T-1277"]
    changed = t.id[t.current_priority().codes != t.priority.codes].tolist()
    assert changed == ["T-1067", "T-1164"]
    d = read_downtime(REFERENCE / "downtime.csv", max_errors=0)
    assert len(d) == 8
    assert sorted({r.kind for r in d}) == ["customer_caused", "planned", "unplanned"]
    alfa_august = [r for r in d if r.customer == "Alfa Srl" and r.kind == "unplanned"]
    assert [r.seconds for r in alfa_august] == [50 * 60]
