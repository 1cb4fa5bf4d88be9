"""Mutated policies through check, fmt, export, plan and contract.

Each example takes a shipped policy, applies a few random edits (delete a span, insert a token,
repeat or drop a line, swap a number for an extreme one) and runs every policy verb on it. The
guarded runner fails on a traceback, an internal error, an exit code outside {0, 1, 2} or a run
over its budget; on top of that, what ``fmt`` prints must parse back and check the same.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import strategies as st

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SHIPPED = sorted(POLICIES.glob("*.sla"))

#: what an edit may insert: keywords, punctuation, hostile numbers, names and strings
TOKENS = (
    "policy", "tier", "extends", "calendar", "clock", "priorities", "exclude", "credit", "cap",
    "uptime", "objective", "response", "resolution", "fee", "roster", "timezone", "period",
    "effective", "holidays", "closed", "every", "on", "when", "misses", "pauses", "while",
    "{", "}", "(", ")", ",", ":", "%", "-", "\n", " ", "#", '"', "24x7", "mon-fri",
    "0", "0.0000000001", "1e-10", "99.99999999999", "100", "101", "1" + "0" * 30,
    "9" * 40, "0.5", "-1", "1E+30", "2h", "0m", "99999999999999d", "1" + "0" * 30 + "m",
    "00:00-24:00", "23:59-00:00", "0000-01-01", "9999-12-31", "2026-02-30", "12-32",
    '"Europe/Rome"', '"' + "A" * 300 + '"', '"Mars/Olympus"', '""', '"../../etc/passwd"',
    '"/dev/zero"', "Bronze", "Silver", "Gold", "P1", "P9", "x" * 200, "é", "\u0000", "\t",
    "label", "scope", "covers", "support", "channel", "credits", "claim", "reporting", "review",
    "over at least", "tickets", "else at most", "missed", "days", "months", "it", "1.5",
)
EXTREME_NUMBERS = (
    "0", "0.0000000001", "1" + "0" * 30, "99.9999999999", "100", "0.1", "1000000", "1e-9",
    "99." + "9" * 30, "9" * 5000,
)


@st.composite
def mutated_policy(draw) -> tuple[str, str]:
    """(policy name, mutated text) from a shipped policy and one to four edits."""
    path = draw(st.sampled_from(SHIPPED))
    text = path.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("delete", "insert", "line", "number", "swap")))
        at = draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "insert":
            token = draw(st.sampled_from(TOKENS))
            text = text[:at] + token + text[at:]
        elif kind == "line":
            lines = text.splitlines(keepends=True)
            i = draw(st.integers(0, len(lines) - 1))
            if draw(st.booleans()):
                lines.insert(i, lines[i])
            else:
                del lines[i]
            text = "".join(lines)
        elif kind == "number":
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                i = draw(st.sampled_from(digits))
                j = i
                while j < len(text) and (text[j].isdigit() or text[j] == "."):
                    j += 1
                text = text[:i] + draw(st.sampled_from(EXTREME_NUMBERS)) + text[j:]
        else:
            lines = text.splitlines(keepends=True)
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
    return path.name, text


def _codes(result) -> list[str]:
    return sorted(d["code"] for d in json.loads(result.output)["diagnostics"])


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    # the rosters the shipped policies name sit beside them
    for roster in POLICIES.glob("*.yaml"):
        shutil.copy(roster, tmp_path / roster.name)
    return tmp_path


def test_mutated_policies_through_every_verb(fuzz, workdir: Path) -> None:
    def check(example: tuple[str, str]) -> None:
        name, text = example
        policy = workdir / name
        policy.write_text(text, encoding="utf-8")
        checked = fuzz.invoke(["check", "--format", "json", str(policy)])
        # JSON whatever happened, even when the file does not parse
        codes = _codes(checked)
        fuzz.invoke(["check", str(policy)])
        exported = fuzz.invoke(["export", str(policy)])
        planned = fuzz.invoke(["plan", "--format", "json", str(policy)])
        if checked.exit_code == 0:
            assert exported.exit_code == 0 and planned.exit_code == 0
            fuzz.invoke(["contract", str(policy)])
        else:
            # a policy check refuses is refused by every verb that compiles it (plan needs
            # no roster, so a roster error alone does not stop it)
            assert exported.exit_code != 0
            if set(codes) - {"SLA501"}:
                assert planned.exit_code != 0
        formatted = fuzz.invoke(["fmt", str(policy)])
        if any(code.startswith("SLA00") for code in codes):
            return  # did not parse: nothing to format
        assert formatted.exit_code == 0
        again = workdir / f"formatted-{name}"
        again.write_text(formatted.output, encoding="utf-8")
        rechecked = fuzz.invoke(["check", "--format", "json", str(again)])
        assert _codes(rechecked) == codes, formatted.output

    fuzz.run(mutated_policy(), check)


def _hostile() -> dict[str, str]:
    reference = (POLICIES / "reference.sla").read_text(encoding="utf-8")
    bench = (POLICIES / "bench.sla").read_text(encoding="utf-8")
    return {
        # issue 9, defect 5: each of these took from 8 s to minutes
        "long identifier + syntax error": reference.replace(
            "tier Bronze {", "tier Bronze {\n    " + "x" * 100_000 + "\n    fee"),
        "1,000-tier extends chain": bench + "".join(
            f"tier T{i} extends {'Gold' if i == 0 else f'T{i - 1}'} {{\n"
            f"    response: P1 {i % 50 + 1}m\n}}\n" for i in range(1000)),
        "1,000-tier cycle": bench + "".join(
            f"tier C{i} extends C{(i + 1) % 1000} {{}}\n" for i in range(1000)),
        "just under the size limit": reference + "#" * (1024 * 1024 - len(reference) - 10)
        + "\n",
        "deep braces": reference + "tier X {" * 20_000,
        "long time zone": reference.replace('"Europe/Rome"', '"' + "A" * 5000 + '"'),
    }


@pytest.mark.parametrize("name", list(_hostile()))
def test_hostile_policies_finish_in_time(cli, workdir: Path, name: str) -> None:
    policy = workdir / "hostile.sla"
    policy.write_text(_hostile()[name], encoding="utf-8")
    for verb in (["check", "--format", "json"], ["fmt"], ["export"], ["plan"]):
        cli([*verb, str(policy)], seconds=30)
