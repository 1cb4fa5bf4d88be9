"""`slalang test [PATHS]`: run the policy tests kept beside the policies (``*.test.yaml``).

PATHS are test files, policies (their ``NAME.test.yaml`` is run) or folders (searched for
``*.test.yaml``); default: the current folder. Exit codes: 0 every test passed, 1 a test
failed (or, with ``--fail-uncovered``, something is not exercised), 2 a test file or its policy
is unusable, or no test was found.
"""

from __future__ import annotations

from pathlib import Path

import click

from slalang.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, DataError, PolicyError


def find_test_files(paths: tuple[str, ...]) -> list[str]:
    """The test files PATHS name, in a stable order; raises UsageError for a path with none."""
    found: list[str] = []
    for p in paths or (".",):
        path = Path(p)
        if path.is_dir():
            found += sorted(str(f) for f in path.rglob("*.test.yaml")
                            if not any(part.startswith(".") and part not in (".", "..")
                                       for part in f.parts))
        elif p.endswith(".sla"):
            beside = path.with_name(path.name[:-len(".sla")] + ".test.yaml")
            if not beside.exists():
                raise click.UsageError(f"{p} has no tests: write {beside}")
            found.append(str(beside))
        elif path.exists():
            found.append(p)
        else:
            raise click.UsageError(f"no such file or folder: {p}")
    return list(dict.fromkeys(found))


@click.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-v", "--verbose", is_flag=True, help="Name every test with its outcome.")
@click.option("--junit", "junit_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write JUnit XML (one testcase per test).")
@click.option("--coverage", is_flag=True, help="List the plan rows, exclusions, credit "
              "clauses and calendar features no test exercises.")
@click.option("--fail-uncovered", is_flag=True,
              help="With --coverage: exit 1 when something is not exercised.")
def command(paths: tuple[str, ...], verbose: bool, junit_out: str | None, coverage: bool,
            fail_uncovered: bool) -> None:
    """Run the policy tests in PATHS (test files, policies or folders; default: here)."""
    from slalang.cli.check import check_file, echo_diagnostics
    from slalang.cli.common import atomic_write
    from slalang.policytest.coverage import coverage_gaps
    from slalang.policytest.report import (
        FileResult,
        coverage_to_text,
        results_to_junit,
        results_to_text,
    )
    from slalang.policytest.run import run_suite
    from slalang.policytest.spec import load_test_file

    files = find_test_files(paths)
    if not files:
        raise click.UsageError(f"no *.test.yaml under {', '.join(paths) or '.'}: nothing to run")
    results: list[FileResult] = []
    for file in files:
        try:
            suite = load_test_file(file)
            result = FileResult(file, suite.policy)
            result.plan, result.cases = run_suite(suite)
        except PolicyError:
            echo_diagnostics([check_file(suite.policy, roster=False)], err=True)
            result = FileResult(file, suite.policy, error=f"the policy {suite.policy} has errors")
        except (DataError, OSError) as exc:
            result = FileResult(file, None, error=str(exc))
        results.append(result)
    click.echo(results_to_text(results, verbose), nl=False)
    uncovered = False
    if coverage:
        per_policy: dict[str, list] = {}
        for r in results:
            if r.plan is None:
                continue
            entry = per_policy.setdefault(r.policy, [r.policy, r.plan, None, []])
            done = r.exercised
            if entry[2] is not None:
                done.update(entry[2])
            entry[2] = done
        rows = [(p, plan, done, coverage_gaps(plan, done))
                for p, plan, done, _ in per_policy.values()]
        uncovered = any(gaps for *_, gaps in rows)
        click.echo(coverage_to_text(rows), nl=False)
    if junit_out:
        with atomic_write(junit_out, "wb") as fh:
            fh.write(results_to_junit(results))
    if any(r.error for r in results):
        raise SystemExit(EXIT_USAGE)
    failed = any(not c.passed for r in results for c in r.cases)
    raise SystemExit(EXIT_FINDINGS if failed or (fail_uncovered and uncovered) else EXIT_OK)
