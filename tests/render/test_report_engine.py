"""Reports made by the real engine: the same report from a saved evaluation and directly from
policy + data, every number of ``slalang evaluate --format json`` reproduced, and the golden
reports of the bundled reference example (when its data is in the checkout)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.render.i18n import Wording

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
GOLDEN = Path(__file__).parent / "golden"
EXAMPLE = ROOT / "examples" / "reference"


def cli(*args: str):
    # policy paths are given relative to the checkout, as a user would (the clause
    # citations in the golden files are "policies/reference.sla:74")
    with contextlib.chdir(ROOT):
        return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    data = ["policies/bench.sla", "--tickets", str(BENCH / "tickets.csv"),
            "--events", str(BENCH / "events.csv"), "--period", "2024-01"]
    result = cli("evaluate", *data, "--json", str(out / "ev.json"), "--csv", str(out / "v.csv"))
    assert result.exit_code in (0, 1), result.output
    return {"dir": out, "data": data, "ev": json.loads((out / "ev.json").read_text())}


def test_direct_and_saved_evaluation_give_the_same_report(bench: dict) -> None:
    out = bench["dir"]
    direct = cli("report", *bench["data"], "--lang", "it", "--combined",
                 "-o", str(out / "direct.md"))
    assert direct.exit_code == 0, direct.output
    saved = cli("report", "--from-json", str(out / "ev.json"), "--lang", "it", "--combined",
                "-o", str(out / "saved.md"))
    assert saved.exit_code == 0, saved.output
    direct_text = (out / "direct.md").read_text(encoding="utf-8")
    saved_text = (out / "saved.md").read_text(encoding="utf-8")
    # the saved evaluation carries the provider and the breaches: the same report
    assert "slalang benchmark" in saved_text and "## Tempi non rispettati" in saved_text
    assert direct_text == saved_text


@pytest.mark.parametrize("lang", ["en", "it"])
def test_every_number_of_evaluate_json_is_in_the_report(bench: dict, lang: str) -> None:
    ev = bench["ev"]
    out = bench["dir"] / f"r.{lang}.md"
    result = cli("report", "--from-json", str(bench["dir"] / "ev.json"), "--lang", lang,
                 "--combined", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    f = Wording(lang, ev["period"]["timezone"])
    sections = {s.split("\n", 1)[0].rsplit(" · ", 1)[-1]: s for s in text.split("\n# ")}
    checked = 0
    for c in ev["customers"]:
        section = sections[c["customer"]]
        for m in c["months"]:
            for o in m["objectives"]:
                row = (f"| {o['priority']} | {o['met']} | {o['breached']} | {o['open']} | "
                       f"{f.percent(o['compliance'])} | {f.percent(o['objective'])} |")
                assert row in section, (c["customer"], o)
                checked += 1
            for u in m["uptime"]:
                assert f"| {f.percent(u['uptime'])} |" in section
            credit = m["credit"]
            if not credit["lines"]:  # a month without credit has no credit rows
                continue
            assert f"**{f.percent(credit['percent'])}**" in section
            if credit["amount"]:
                assert f.money(credit["amount"]["amount"], credit["amount"]["currency"]) in section
    assert checked > 100


REFERENCE_CASES = [
    ("report-reference-2026-Q3.en.md", ["--period", "2026-Q3"], ["--lang", "en"]),
    ("report-reference-2026-Q3.it.md", ["--period", "2026-Q3"], ["--lang", "it"]),
    ("report-reference-2026-Q3.en.html", ["--period", "2026-Q3"], ["--format", "html"]),
    ("report-reference-2026-09.en.md", ["--period", "2026-09"], ["--lang", "en"]),
    ("report-reference-2026-09.it.md", ["--period", "2026-09"], ["--lang", "it"]),
    ("report-reference-2026-09.en.html", ["--period", "2026-09"], ["--format", "html"]),
]


@pytest.mark.parametrize(("name", "period", "options"), REFERENCE_CASES,
                         ids=[c[0] for c in REFERENCE_CASES])
def test_reference_example_golden(tmp_path: Path, name: str, period: list, options: list) -> None:
    tickets, downtime = EXAMPLE / "tickets.jsonl", EXAMPLE / "downtime.csv"
    if not (tickets.exists() and downtime.exists()):
        pytest.skip("the bundled reference example data is not in this checkout")
    out = tmp_path / name
    result = cli("report", "policies/reference.sla", "--tickets", str(tickets), "--downtime",
                 str(downtime), *period, "--as-of", "2026-10-01T00:00:00+02:00", *options,
                 "--combined", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    path = GOLDEN / name
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with SLALANG_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
