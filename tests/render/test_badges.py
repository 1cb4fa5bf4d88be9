"""`report --public` writes the public page and an SVG badge per metric and priority: no
customer names, no money, the same rates as the page, and nothing when printing to stdout."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ["policies/reference.sla", "--tickets", "examples/reference/tickets.jsonl",
        "--downtime", "examples/reference/downtime.csv", "--period", "2026-Q3", "--public"]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_a_folder_gets_the_page_and_a_badge_per_promise(tmp_path):
    out = tmp_path / "public"
    r = CliRunner().invoke(main, ["report", *DATA, "-o", f"{out}/"])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["badge-resolution-p1.svg", "badge-resolution-p2.svg",
                     "badge-resolution-p3.svg", "badge-resolution-p4.svg",
                     "badge-response-p1.svg", "badge-response-p2.svg",
                     "badge-response-p3.svg", "badge-response-p4.svg", "index.html"]
    page = (out / "index.html").read_text(encoding="utf-8")
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        for secret in ("Alfa", "Beta", "Gamma", "EUR", "€", "<script"):
            assert secret not in text, (path.name, secret)
    badge = ET.parse(out / "badge-response-p1.svg").getroot()
    title = badge.find(f"{SVG}title").text
    # the badge's rate is the page's (17 P1 responses over the quarter, 16 on time)
    assert title == "P1 response time: 94.12% on time · Q3 2026"
    assert "94.12%" in page


def test_a_file_gets_badges_beside_it_in_the_language_asked(tmp_path):
    page = tmp_path / "site.html"
    r = CliRunner().invoke(main, ["report", *DATA, "--lang", "it", "-o", str(page)])
    assert r.exit_code == 0, r.output
    badge = ET.parse(tmp_path / "site-badge-resolution-p1.svg").getroot()
    assert badge.find(f"{SVG}title").text.startswith("Tempo di risoluzione P1: ")
    assert "3º trimestre 2026" in badge.find(f"{SVG}title").text


def test_standard_output_gets_the_page_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["report", *[str(ROOT / a) if a.startswith(("policies",
                                  "examples")) else a for a in DATA], "--format", "html"])
    assert r.exit_code == 0, r.output
    assert "<html" in r.output and list(tmp_path.iterdir()) == []
