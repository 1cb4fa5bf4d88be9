"""Properties of the formatter and the checker, over real files and generated policies."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.cli import main
from slalang.errors import PolicyError
from slalang.language import check, export_policy, format_source, parse
from slalang.model import NOWHERE, Span

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "policies").glob("*.sla")) + sorted(
    (ROOT / "tests" / "language" / "fixtures").glob("*.sla"))


def _parses(path: Path) -> bool:
    try:
        parse(path.read_text(encoding="utf-8"), path.name)
    except PolicyError:
        return False
    return True


@pytest.mark.parametrize("path", [p for p in SOURCES if _parses(p)], ids=lambda p: p.stem)
def test_fmt_is_idempotent_on_every_file(path):
    once = format_source(path.read_text(encoding="utf-8"), path.name)
    assert format_source(once, path.name) == once
    assert once.count("#") == path.read_text(encoding="utf-8").count("#")  # comments kept


#: the example policies this package maintains (others in policies/ belong to other areas)
EXAMPLES = ["reference", "security-24x7", "internal-it-ola"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_policies_are_formatted(name):
    path = ROOT / "policies" / f"{name}.sla"
    source = path.read_text(encoding="utf-8")
    assert format_source(source, path.name) == source


# --- generated policies ------------------------------------------------------------------------

def _no_spans(value):
    """Export data with every span blanked: formatting moves text, never meaning."""
    if isinstance(value, dict):
        return {k: (None if k == "span" else _no_spans(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_spans(v) for v in value]
    return value


def _model(source: str) -> dict:
    policy, found = check(parse(source, "gen.sla"))
    assert policy is not None, found
    return _no_spans(export_policy(policy))


SEP = st.sampled_from([" ", "\n", "\n    ", "   ", "  # a note\n", "\n\n"])
DURATIONS = st.sampled_from(["15m", "30m", "1h", "90m", "1h30m", "2h", "4h", "8h", "3600s",
                             "16h", "40h"])
PERCENTS = st.sampled_from(["99.9%", "99.5 %", "99%", "98.0%"])


@st.composite
def extreme_percents(draw) -> str:
    """Percentages from 0 to 100 the way people (and fuzzers) write them: tiny, long, exact.
    ``0.0000000001%`` was printed by fmt as ``1E-10%`` (issue 9, defect 4)."""
    kind = draw(st.sampled_from(["tiny", "long", "whole", "edge"]))
    if kind == "tiny":
        # at most 12 decimals: more is SLA310 (beyond what evaluation computes exactly)
        text = "0." + "0" * draw(st.integers(0, 11)) + draw(st.sampled_from("123456789"))
    elif kind == "long":
        text = f"{draw(st.integers(0, 99))}." + draw(st.text("0123456789", min_size=1,
                                                              max_size=12))
    elif kind == "whole":
        text = str(draw(st.integers(0, 100)))
    else:
        text = draw(st.sampled_from(["0", "100", "100.000000", "0.0", "99.999999999999"]))
    return text + draw(st.sampled_from(["%", " %"]))


@st.composite
def extreme_fees(draw) -> str:
    whole = draw(st.sampled_from([0, 1, 1200, 10**9, 10**12 - 1]))  # 10**12 is SLA310
    return str(whole) + draw(st.sampled_from(["", ".5", ".05", ".00", ".99", ".0"]))


@st.composite
def policies(draw, extreme: bool = False) -> str:
    """A valid policy; ``extreme`` draws its percentages and fee from the extreme strategies."""
    def percent(usual: str) -> str:
        return draw(extreme_percents()) if extreme else usual

    def sep() -> str:
        return draw(SEP)

    def block(head: str, stmts: list[str]) -> str:
        return head + " {" + sep() + sep().join(stmts) + sep() + "}"

    priorities = [f"P{i}" for i in range(1, draw(st.integers(1, 4)) + 1)]
    start, end = draw(st.sampled_from([("08:00", "12:00"), ("8:30", "13:00")])), "18:00"
    parts = [
        block('policy "Generated"', ['version "1"', "effective 2026-01-01", "currency EUR",
                                     'period month in "Europe/Rome"']),
        block("calendar office", ['timezone "Europe/Rome"',
                                  f"mon-fri {start[0]}-{start[1]}, 14:00-{end}",
                                  draw(st.sampled_from(["holidays IT", "sat 09:00-12:00",
                                                        "closed every 12-24, 12-31"]))]),
        "calendar always 24x7",
        block("priorities", [f'{p} "Level {p}"' for p in priorities]),
        block('clock response "first answer"', ["starts at created",
                                                "stops at first_response"]),
        block("clock resolution", ["starts at created", "stops at resolved",
                                   "pauses while status in (waiting, closed)",
                                   draw(st.sampled_from(["on reopen restart",
                                                         "on priority change carry"]))]),
        'exclude tickets where category in ("change", "info") and team != "x" '
        'because "out of scope"',
    ]
    stmts = [f"fee {draw(extreme_fees()) if extreme else '1200.50'} EUR monthly"]
    for metric, scale in (("response", 1), ("resolution", 4)):
        items = ", ".join(f"{p} {draw(DURATIONS)}" for p in priorities)
        cal = draw(st.sampled_from(["office", "always"]))
        stmts.append(f"{metric} on {cal}:{sep()}{items} objective {percent(f'{90 - scale}%')}")
    stmts.append(f"uptime {percent(draw(PERCENTS))}")
    stmts.append("credit 5% when uptime < 99.5%, 10 % when uptime < 99.0%")  # steps ordered
    stmts.append(f"cap {percent('20%')}")
    parts.append(block("tier Base", stmts))
    child = [f"response:{sep()}{priorities[0]} {draw(DURATIONS)} on always",
             f"credit {percent('5%')} when resolution {priorities[-1]} misses objective",
             f"resolution objective {percent('97.5%')}"]
    parts.append(block("tier Plus extends Base", child))
    return sep().join(parts) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_formatting_never_changes_the_model(source):
    formatted = format_source(source, "gen.sla")
    assert _model(formatted) == _model(source)
    assert format_source(formatted, "gen.sla") == formatted


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(extreme=True))
def test_fmt_prints_only_numbers_that_parse_back(source):
    # parse(fmt(p)) == p for tiny, long and huge numbers; export's schema takes them too
    formatted = format_source(source, "gen.sla")
    assert "E-" not in formatted and "E+" not in formatted
    assert _model(formatted) == _model(source)
    assert format_source(formatted, "gen.sla") == formatted


# --- fuzzing the command line ------------------------------------------------------------------

REFERENCE_TEXT = (ROOT / "policies" / "reference.sla").read_text(encoding="utf-8")
TOKENS = ["{", "}", ":", ",", "%", "2d", "24x7", "on", "tier", "P1", '"', "#", "-", "24:00",
          "extends", "objective", "1h", "\n", "99.5%", "calendar", "x"]


@st.composite
def mutations(draw) -> str:
    text = REFERENCE_TEXT
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
        if kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 12)):]
        elif kind == "insert":
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos:]
        elif kind == "replace":
            text = text[:pos] + draw(st.characters(codec="utf-8")) + text[pos + 1:]
        else:
            words = text.split(" ")
            i, j = (draw(st.integers(0, len(words) - 1)) for _ in range(2))
            words[i], words[j] = words[j], words[i]
            text = " ".join(words)
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(mutations())
def test_check_never_crashes_on_mutated_policies(tmp_path, text):
    path = tmp_path / "mutated.sla"
    path.write_text(text, encoding="utf-8")
    for args in (["check", str(path)], ["fmt", str(path)], ["export", str(path)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1, 2), (args, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output, (
            args, result.output)
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit), result.exception


def test_spans_point_into_the_source():
    policy, _ = check(parse(REFERENCE_TEXT, "reference.sla"))
    lines = REFERENCE_TEXT.splitlines()
    for tier in policy.tiers:
        for target in tier.targets:
            assert isinstance(target.span, Span) and target.span != NOWHERE
            assert target.priority in lines[target.span.line - 1]
    assert dataclasses.replace(policy, source_path="x").source_path == "x"
