"""`slalang test`: policy tests beside the policies, the runner's output (goldens), JUnit,
coverage, and the bundled policies' own tests.

Regenerate the goldens with ``SLALANG_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.policytest.spec import load_test_file, schema

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FIXTURE = "tests/policytest/fixtures/failing-expectations.yaml"


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SLALANG_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with SLALANG_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args: str):
    return CliRunner().invoke(main, ["test", *args], catch_exceptions=False)


def test_runner_output_golden(in_root):
    result = run(FIXTURE)
    assert result.exit_code == 1
    golden("runner.txt", result.output)
    assert "ticket LATE response: status: expected met, got breached" in result.output
    assert "clause: tests/policytest/fixtures/reference.sla:64: response on office" \
        in result.output


def test_verbose_and_coverage_golden(in_root):
    result = run(FIXTURE, "-v", "--coverage")
    assert result.exit_code == 1
    golden("runner-coverage.txt", result.output)


def test_junit(in_root, tmp_path):
    out = tmp_path / "t.xml"
    assert run(FIXTURE, "--junit", str(out)).exit_code == 1
    golden("runner.junit.xml", out.read_text(encoding="utf-8"))
    suite = ET.parse(out).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")


def test_passing_run_exits_0(in_root):
    result = run("policies/reference.test.yaml")
    assert result.exit_code == 0, result.output
    assert "6 passed" in result.output


def test_a_policy_path_runs_its_tests(in_root):
    assert run("policies/reference.sla").exit_code == 0


def test_nothing_to_run_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run()
    assert result.exit_code == 2 and "nothing to run" in result.output
    (tmp_path / "x.sla").write_text("")
    result = run("x.sla")
    assert result.exit_code == 2 and "x.sla has no tests: write x.test.yaml" in result.output


def test_schema_error_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(HERE / "fixtures/reference.sla", "reference.sla")
    shutil.copy(HERE / "fixtures/customers.yaml", "customers.yaml")
    Path("reference.test.yaml").write_text(
        "tests:\n  - name: x\n    tickets:\n      - {created: 2026-07-06 9:00}\n"
        "    expect: {tickets: {}}\n")
    result = run("reference.test.yaml")
    assert result.exit_code == 2
    assert "reference.test.yaml:4: tests/0/tickets/0/created:" in result.output


def test_a_test_that_checks_nothing_does_not_pass(tmp_path, monkeypatch):
    """Regression: `expect: {tickets: {B1: {}}}` printed "1 passed (0 checks …)" and
    exited 0: a run that compared nothing looked green."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(HERE / "fixtures/reference.sla", "reference.sla")
    shutil.copy(HERE / "fixtures/customers.yaml", "customers.yaml")
    Path("reference.test.yaml").write_text(
        "tests:\n  - name: x\n    period: 2026-07\n    tickets:\n"
        "      - {id: B1, customer: Gamma Snc, priority: P1, created: 2026-07-06 09:00}\n"
        "    expect: {tickets: {B1: {}}, months: [{customer: Gamma Snc, month: 2026-07}]}\n")
    result = run("reference.test.yaml")
    assert result.exit_code == 1, result.output
    assert "this test checks nothing" in result.output
    assert "0 passed, 1 error" in result.output


def test_broken_policy_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("p.sla").write_text("policy {\n")
    Path("p.test.yaml").write_text(
        "tests:\n  - name: x\n    tickets: []\n    expect: {tickets: {}}\n")
    result = run("p.test.yaml")
    assert result.exit_code == 2
    assert "p.sla:" in result.output and "cannot run: the policy p.sla has errors" \
        in result.output


def test_times_are_read_in_the_policy_zone():
    from slalang.policytest.spec import format_local, parse_local

    # 09:00 in Rome in July is 07:00 UTC; an explicit offset wins
    assert parse_local("2026-07-06 09:00", "Europe/Rome") == parse_local(
        "2026-07-06T07:00:00Z", "Europe/Rome")
    assert format_local(parse_local("2026-03-29 03:30", "Europe/Rome"), "Europe/Rome") == \
        "2026-03-29 03:30"


def test_schema_is_valid_and_bundled_tests_follow_it():
    jsonschema.Draft202012Validator.check_schema(schema())
    files = sorted((ROOT / "policies").glob("*.test.yaml"))
    assert files
    for f in files:
        load_test_file(f)  # raises on a schema error


def test_every_bundled_policy_is_fully_covered(in_root):
    """Every policy in policies/ ships with tests that pass and exercise all of it."""
    policies = sorted(p.name for p in (ROOT / "policies").glob("*.sla"))
    tested = sorted(p.name.replace(".test.yaml", ".sla")
                    for p in (ROOT / "policies").glob("*.test.yaml"))
    assert tested == policies
    result = run("policies", "--coverage", "--fail-uncovered")
    assert result.exit_code == 0, result.output
    assert "not exercised" not in result.output


def test_schema_published_beside_the_others():
    names = {p.name for p in (ROOT / "slalang/schemas").glob("*.json")}
    assert "policytest.schema.json" in names
    assert json.loads((ROOT / "slalang/schemas/policytest.schema.json").read_text())["$id"]


def test_testing_docs_quote_the_real_output(in_root):
    """docs/workflow/testing.md shows the bundled policies' run and coverage."""
    import re

    doc = (ROOT / "docs/workflow/testing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n\$ slalang test policies/( --coverage)?\n(.*?)```", doc,
                        flags=re.S)
    output = run("policies/", "--coverage").output
    for _, block in blocks:
        for line in block.splitlines():
            if line != "…":
                assert line in output.splitlines(), line


def test_testing_docs_example_passes(tmp_path, monkeypatch):
    import re

    doc = (ROOT / "docs/workflow/testing.md").read_text(encoding="utf-8")
    example = next(b for b in re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
                   if b.startswith("tests:"))
    monkeypatch.chdir(tmp_path)
    shutil.copy(HERE / "fixtures/reference.sla", "reference.sla")
    shutil.copy(HERE / "fixtures/customers.yaml", "customers.yaml")
    Path("reference.test.yaml").write_text(example, encoding="utf-8")
    result = run("reference.test.yaml")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("zone", "hours", "start", "end", "found"), [
    # Berlin goes forward at 02:00 on 2026-03-29
    ("Europe/Berlin", "sat, sun 00:00-24:00", "2026-03-28 23:00", "2026-03-29 04:00", True),
    ("Europe/Berlin", "sat, sun 00:00-24:00", "2026-03-29 05:00", "2026-03-29 06:00", False),
    ("Europe/Berlin", "mon-fri 08:00-18:00", "2026-03-27 17:00", "2026-03-30 09:00", True),
    # Sao Paulo went forward at midnight on 2016-10-16 (00:00 did not exist)
    ("America/Sao_Paulo", "mon-fri 08:00-18:00", "2016-10-14 17:00", "2016-10-17 09:00", True),
    ("America/Sao_Paulo", "mon-fri 08:00-18:00", "2016-10-17 09:00", "2016-10-17 10:00", False),
])
def test_dst_night_is_found_where_the_clocks_change(zone, hours, start, end, found):
    from slalang.language import check, parse
    from slalang.policytest.coverage import features_crossed
    from slalang.policytest.spec import parse_local

    source = (f'policy "p" {{\n    version "1"\n    effective 2016-01-01\n    currency EUR\n'
              f'    period month in "{zone}"\n}}\n'
              f'calendar c {{\n    timezone "{zone}"\n    {hours}\n}}\n')
    policy, found_diagnostics = check(parse(source, "p.sla"))
    assert policy is not None, found_diagnostics
    crossed = features_crossed(policy.calendar("c"), parse_local(start, zone),
                               parse_local(end, zone))
    assert ("DST night" in crossed) is found
