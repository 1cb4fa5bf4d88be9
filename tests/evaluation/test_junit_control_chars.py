"""Issue 9: control characters in customers or priorities no longer break the JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.cli import main
from slalang.evaluation.output.common import xml_text

ROOT = Path(__file__).resolve().parents[2]


@settings(max_examples=200, derandomize=True)
@given(st.text())
def test_any_text_becomes_legal_xml(text):
    element = ET.Element("case", name=xml_text(text))
    element.text = xml_text(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="utf-8"))
    assert parsed.get("name") == xml_text(text)


def test_junit_with_nul_and_escape_in_a_customer_parses(tmp_path):
    lines = (ROOT / "examples" / "reference" / "tickets.jsonl").read_text().splitlines()[:20]
    records = [json.loads(line) for line in lines]
    for record in records[1::2]:
        record["customer"] = "Alfa\x00Srl\x1b[0m"
        record["priority"] = "P1\x07"
    tickets = tmp_path / "t.jsonl"
    tickets.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "j.xml"
    result = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "reference.sla"),
                                       "--tickets", str(tickets), "--period", "2026-Q3",
                                       "--junit", str(out)])
    assert result.exit_code == 0, result.output
    ET.parse(out)  # raised "not well-formed (invalid token)" before
    assert "Alfa\\x00Srl\\x1b[0m" in out.read_text(encoding="utf-8")
