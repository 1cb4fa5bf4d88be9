"""`slalang check`, `fmt` and `export` driven through click, and once as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "policies" / "reference.sla"

BROKEN = '''policy "x" {
    version "1"
    effective 2026-01-01
    currency EUR
    period month in "Europe/Rome"
}
calendar office { timezone "Europe/Rome" mon-fri 09:00-17:00 }
priorities { P1 "Critical" }
clock response { starts at created stops at first_response }
tier T { response on ofice: P1 2h objective 90% }
'''

WARNING_ONLY = BROKEN.replace("ofice", "office").replace(
    "clock response", 'clock resolution { starts at created stops at resolved }\nclock response'
).replace("objective 90% }", "objective 90%\n resolution on office: P1 1h objective 80% }")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.sla"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_check_is_silent_on_valid_policies():
    result = run("check", str(REFERENCE))
    assert (result.exit_code, result.output) == (0, "")


def test_check_reports_findings_with_caret(broken):
    result = run("check", str(broken))
    assert result.exit_code == 1
    assert "error[SLA101]: undefined calendar 'ofice'" in result.output
    assert "                    ^^^^^" in result.output
    assert "hint: did you mean 'office'?" in result.output


def test_check_json(broken):
    result = run("check", "--format", "json", str(broken), str(REFERENCE))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["format_version"] == 1 and not data["valid"]
    assert [(d["code"], d["line"], d["column"]) for d in data["diagnostics"]] == [
        ("SLA101", 10, 22)]


def test_warnings_fail_only_when_strict(tmp_path):
    path = tmp_path / "w.sla"
    path.write_text(WARNING_ONLY, encoding="utf-8")
    loose = run("check", str(path))
    assert loose.exit_code == 0 and "warning[SLA205]" in loose.output
    assert run("check", "--strict", str(path)).exit_code == 1


def test_unreadable_and_syntax_errors_exit_2(tmp_path):
    missing = run("check", str(tmp_path / "nope.sla"))
    assert missing.exit_code == 2
    assert f"{tmp_path / 'nope.sla'}:1:1: error[SLA002]: cannot read the file: no such " \
        "file" in missing.output
    as_json = json.loads(run("check", "--format", "json", str(tmp_path / "nope.sla")).output)
    assert (as_json["valid"], as_json["diagnostics"][0]["code"]) == (False, "SLA002")
    bad = tmp_path / "bad.sla"
    bad.write_text('policy "x" { version 1 }\n', encoding="utf-8")
    result = run("check", str(bad))
    assert result.exit_code == 2 and "error[SLA001]" in result.output
    latin = tmp_path / "latin.sla"
    latin.write_bytes('policy "Società" { }'.encode("latin-1"))
    assert run("check", str(latin)).exit_code == 2
    assert run("check").exit_code == 2


def test_fmt_prints_checks_diffs_and_writes(tmp_path):
    messy = tmp_path / "m.sla"
    messy.write_text(REFERENCE.read_text(encoding="utf-8").replace(
        "    cap 10%", "  cap   10 %   # the cap"), encoding="utf-8")
    printed = run("fmt", str(messy))
    assert printed.exit_code == 0 and "    cap 10%  # the cap\n" in printed.output
    check = run("fmt", "--check", str(messy), str(REFERENCE))
    assert (check.exit_code, check.output) == (1, f"{messy}\n")
    diff = run("fmt", "--diff", str(messy))
    assert "-  cap   10 %   # the cap\n+    cap 10%  # the cap\n" in diff.output
    assert run("fmt", "-w", str(messy)).exit_code == 0
    assert messy.read_text(encoding="utf-8") == printed.output
    assert run("fmt", "--check", str(messy)).exit_code == 0
    assert run("fmt", str(messy), str(REFERENCE)).exit_code == 2  # several files need a mode


def test_export_writes_json_or_reports(tmp_path, broken):
    out = tmp_path / "ref.json"
    result = run("export", str(REFERENCE), "-o", str(out))
    assert result.exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [t["name"] for t in data["tiers"]] == ["Bronze", "Silver", "Gold"]
    assert data["source_hash"] and data["source_path"] == str(REFERENCE)
    failed = run("export", str(broken))
    assert failed.exit_code == 1 and "SLA101" in failed.output


@pytest.mark.slow
def test_real_process(tmp_path, broken):
    ok = subprocess.run([sys.executable, "-m", "slalang", "check", str(REFERENCE)],
                        capture_output=True, text=True, cwd=tmp_path)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    bad = subprocess.run([sys.executable, "-m", "slalang", "check", str(broken)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 1 and "SLA101" in bad.stdout and "Traceback" not in bad.stderr


def test_syntax_errors_in_json_and_fmt(tmp_path):
    bad = tmp_path / "bad.sla"
    bad.write_text('policy "x" {\n    version "1"\n    uptime 99\n}\n', encoding="utf-8")
    result = run("check", "--format", "json", str(bad))
    assert result.exit_code == 2
    (d,) = json.loads(result.output)["diagnostics"]
    assert (d["code"], d["line"], d["column"]) == ("SLA001", 3, 5)
    formatted = run("fmt", str(bad))
    assert formatted.exit_code == 2 and "error[SLA001]" in formatted.output
    assert bad.read_text(encoding="utf-8").endswith("uptime 99\n}\n")  # untouched


def test_export_to_stdout_is_the_schema_shape():
    result = run("export", str(REFERENCE))
    data = json.loads(result.output)
    gold = next(t for t in data["tiers"] if t["name"] == "Gold")
    p1 = next(t for t in gold["targets"] if (t["metric"], t["priority"]) == ("response", "P1"))
    assert (p1["seconds"], p1["calendar"], p1["objective"], p1["origin_tier"]) == (
        900, "always", "95", "Gold")
    assert gold["cap"] == "30" and gold["fee"] == {"amount": "4000", "currency": "EUR"}


def test_fmt_reads_standard_input():
    messy = 'policy "x" {version "1"}\n'
    result = CliRunner().invoke(main, ["fmt", "-"], input=messy)
    assert (result.exit_code, result.output) == (0, 'policy "x" {\n    version "1"\n}\n')
    assert CliRunner().invoke(main, ["fmt", "-w", "-"], input=messy).exit_code == 2


def test_every_bundled_policy_is_formatted_and_checks():
    # `slalang fmt --check policies/*.sla` stays clean, and every bundled policy is valid
    policies = sorted(str(p) for p in (ROOT / "policies").glob("*.sla"))
    assert policies
    formatted = run("fmt", "--check", *policies)
    assert (formatted.exit_code, formatted.output) == (0, "")
    checked = run("check", *policies)
    assert checked.exit_code == 0, checked.output
