"""One failing fixture per check, its exact text output kept as a golden file.

``fixtures/<name>.sla`` starts with ``# <CODE>: <what is wrong>``; ``golden/<name>.txt`` holds
what ``slalang check`` prints for it. Regenerate with ``SLALANG_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slalang.cli.check import ROSTER, UNREADABLE, check_file
from slalang.diagnostics import render_all
from slalang.language.checks import CODES
from slalang.language.parser import SYNTAX

HERE = Path(__file__).parent
FIXTURES = sorted((HERE / "fixtures").glob("*.sla"))


def expected_code(path: Path) -> str:
    return path.read_text(encoding="utf-8").split(":", 1)[0].removeprefix("# ")


def rendered(path: Path) -> str:
    result = check_file(path.name)  # relative, so the golden text names just the file
    return render_all(result.diagnostics, {path.name: result.source}) + "\n"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_output_matches_golden(fixture, monkeypatch):
    monkeypatch.chdir(fixture.parent)
    text = rendered(fixture)
    golden = HERE / "golden" / f"{fixture.stem}.txt"
    if os.environ.get("SLALANG_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert f"[{expected_code(fixture)}]" in text


def test_every_code_has_a_fixture():
    covered = {expected_code(p) for p in FIXTURES}
    assert set(CODES) | {SYNTAX, ROSTER} <= covered


def test_every_code_is_documented():
    catalogue = (HERE.parents[1] / "docs" / "language" / "diagnostics.md").read_text(
        encoding="utf-8")
    for code in [SYNTAX, UNREADABLE, ROSTER, *CODES]:
        assert f"`{code}`" in catalogue, code
