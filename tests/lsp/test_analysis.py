"""What the language server answers, as plain functions of a document's text."""

from pathlib import Path

import pytest

from slalang.lsp import analysis
from slalang.lsp.names import names

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "reference.sla"
TEXT = POLICY.read_text(encoding="utf-8")


def pos(needle: str, offset: int = 0) -> tuple[int, int]:
    for n, line in enumerate(TEXT.splitlines(), start=1):
        if needle in line:
            return n, line.index(needle) + 1 + offset
    raise AssertionError(needle)


@pytest.fixture(scope="module")
def doc():
    return analysis.analyse(TEXT, str(POLICY))


def test_diagnostics_are_checks_own(doc, tmp_path):
    assert doc.diagnostics == []
    broken = analysis.analyse(TEXT.replace("tier Gold extends Silver", "tier Gold extends Silvr"),
                              str(POLICY))
    assert [d.code for d in broken.diagnostics] == ["SLA102"]
    syntax = analysis.analyse(TEXT.replace("cap 30%", "cap 30"), str(POLICY))
    assert syntax.tree is None and syntax.diagnostics[0].code.startswith("SLA0")


def test_hover_on_an_inherited_tier_lists_its_effective_targets(doc):
    text = analysis.hover(doc, *pos("tier Gold", len("tier ")))
    assert text.startswith("**tier Gold** (extends Silver)")
    assert "- response P3: 8h on `office`, objective 95% (from Bronze)" in text
    assert "- resolution P1: 4h on `always`, objective 95%\n" in text + "\n"


def test_hover_on_a_calendar_a_clock_and_a_status(doc):
    assert analysis.hover(doc, *pos("response on office", len("response on "))).startswith(
        "**calendar office**: Monday to Friday, 08:30–13:00 and 14:00–18:00")
    assert analysis.hover(doc, *pos("clock resolution", len("clock "))).startswith(
        "**clock resolution**: ")
    assert analysis.hover(doc, *pos("waiting_on_vendor, resolved")) == (
        "**status waiting_on_vendor**: pauses resolution")
    assert analysis.hover(doc, 1, 1) is None  # a comment


def test_hover_on_a_targets_duration_shows_the_target(doc):
    """Regression: hovering `1h` of `P1 1h` showed nothing; only `P1` had a hover."""
    on_priority = analysis.hover(doc, *pos("P1 1h, P2 2h"))
    assert on_priority.startswith("**Silver · response P1**: 1h of `office` time")
    assert analysis.hover(doc, *pos("P1 1h, P2 2h", len("P1 "))) == on_priority
    assert analysis.hover(doc, *pos("P1 1h, P2 2h", len("P1 1h, P2 "))).startswith(
        "**Silver · response P2**: 2h")


def test_every_reference_has_its_definition():
    tree = analysis.analyse(TEXT, str(POLICY)).tree
    found = names(tree)
    defined = {(n.kind, n.text) for n in found if n.defines}
    for n in found:
        if n.kind in ("calendar", "clock", "tier", "priority"):
            assert (n.kind, n.text) in defined, n


def test_completion_after_extends_offers_tiers_only(doc):
    line, column = pos("tier Silver extends Bronze", len("tier Silver extends B"))
    assert analysis.completions(doc, line, column) == [("Bronze", "tier", "tier")]
    keywords = analysis.keywords()
    assert {"calendar", "objective", "extends", "over", "least"} <= set(keywords)


def test_utf16_positions_round_trip():
    pytest.importorskip("pygls")
    from lsprotocol import types as t

    from slalang.lsp.server import from_position, to_range
    from slalang.model import Span

    lines = ['policy "Caffè 😀 Srl" {']
    r = to_range(Span("p", 1, 16, 1, 19), lines)  # after the emoji: two UTF-16 units
    assert (r.start.character, r.end.character) == (16, 19)
    assert from_position(t.Position(0, 16), lines) == (1, 16)


def test_hover_keeps_working_while_another_line_has_an_error(doc):
    broken = analysis.analyse(TEXT.replace("P1 15m on always", "P1 15m on alwayz"), str(POLICY))
    assert broken.policy is None and broken.tree is not None
    line, column = pos("P1 15m on always, P2 1h", len("P1 15m on always, "))
    assert analysis.hover(broken, line, column) is None
    assert analysis.hover(broken, line, column, known=doc).startswith(
        "**Gold · response P2**: 1h of `office` time")
