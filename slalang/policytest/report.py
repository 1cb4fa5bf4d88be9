"""Policy test results as a test runner prints them, as JUnit XML, and the coverage listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from slalang.model import Span
from slalang.policytest.coverage import Gap
from slalang.policytest.run import CaseResult, Exercised, Failure


@dataclass
class FileResult:
    """One test file: its cases, or the reason it could not run at all."""

    path: str
    policy: str | None
    cases: list[CaseResult] = field(default_factory=list)
    #: the file or its policy is unusable (already printed)
    error: str | None = None
    plan: object = None

    @property
    def exercised(self) -> Exercised:
        done = Exercised()
        for c in self.cases:
            done.update(c.exercised)
        return done


def _clause(span: Span | None, sources: dict[str, list[str]]) -> str | None:
    if span is None or not span.file:
        return None
    if span.file not in sources:
        try:
            sources[span.file] = Path(span.file).read_text(encoding="utf-8").splitlines()
        except OSError:
            sources[span.file] = []
    lines = sources[span.file]
    text = lines[span.line - 1].strip() if 0 < span.line <= len(lines) else ""
    return f"{span.file}:{span.line}: {text}" if text else f"{span.file}:{span.line}"


def progress_line(result: FileResult) -> str:
    """``policies/x.test.yaml ..F.`` (E: the test could not run)."""
    if result.error is not None:
        return f"{result.path} E"
    marks = "".join("." if c.passed else ("E" if c.error else "F") for c in result.cases)
    return f"{result.path} {marks}"


def failure_text(f: Failure, file: str, sources: dict[str, list[str]]) -> list[str]:
    out = [f"  {f.subject}: {f.field}: expected {f.expected}, got {f.actual}"]
    if f.line is not None:
        out.append(f"    expectation: {file}:{f.line}")
    clause = _clause(f.clause, sources)
    if clause:
        out.append(f"    clause: {clause}")
    return out


def results_to_text(results: Sequence[FileResult], verbose: bool = False) -> str:
    """The runner's report: progress per file, then every failure, then the counts."""
    sources: dict[str, list[str]] = {}
    out = []
    for r in results:
        if verbose and r.error is None:
            out.append(r.path)
            out += [f"  {'PASS' if c.passed else ('ERROR' if c.error else 'FAIL')} {c.name}"
                    for c in r.cases]
        else:
            out.append(progress_line(r))
    bad = [(r, c) for r in results for c in r.cases if not c.passed]
    broken = [r for r in results if r.error is not None]
    if bad or broken:
        out += ["", "FAILURES"]
    for r in broken:
        out += ["", f"--- {r.path}: cannot run: {r.error}"]
    for _r, c in bad:
        out += ["", f"--- {c.file}:{c.line}: {c.name}"]
        if c.error:
            out.append(f"  error: {c.error}")
        for f in c.failures:
            out += failure_text(f, c.file, sources)
    cases = [c for r in results for c in r.cases]
    passed = sum(c.passed for c in cases)
    failed = sum(bool(c.failures) and c.error is None for c in cases)
    errors = sum(c.error is not None for c in cases) + len(broken)
    checks = sum(c.checks for c in cases)
    parts = [f"{passed} passed"] + ([f"{failed} failed"] if failed else []) + (
        [f"{errors} error{'s' if errors != 1 else ''}"] if errors else [])
    out += ["", f"{', '.join(parts)} ({checks} checks in {len(cases)} tests, "
            f"{len(results)} file{'s' if len(results) != 1 else ''})"]
    return "\n".join(out) + "\n"


def coverage_to_text(per_policy: Sequence[tuple[str, object, Exercised, list[Gap]]]) -> str:
    """Per policy: counts of what is exercised, then each thing no test exercises."""
    out = ["", "COVERAGE"]
    for policy, plan, _done, gaps in per_policy:
        from slalang.policytest.coverage import calendar_features, policy_years

        kinds = {"plan row": len(plan.rows), "exclusion": len(plan.exclusions),
                 "credit clause": len(plan.credit_rules),
                 "calendar feature": sum(len(calendar_features(c, policy_years(plan.policy)))
                                         for c in _used_calendars(plan))}
        counts = ", ".join(
            f"{total - sum(g.kind == kind for g in gaps)}/{total} {kind}s"
            for kind, total in kinds.items())
        out.append(f"{policy}: {counts}")
        for g in gaps:
            where = f" ({g.span.file}:{g.span.line})" if g.span is not None and g.span.file else ""
            out.append(f"  not exercised: {g.kind} {g.what}{where}")
    return "\n".join(out) + "\n"


def _used_calendars(plan) -> list:
    used = {r.calendar for r in plan.rows} | {e.during for e in plan.exclusions if e.during}
    return [c for c in plan.policy.calendars if c.name in used]


def results_to_junit(results: Sequence[FileResult]) -> bytes:
    """JUnit XML: one testsuite per file, one testcase per test."""
    import xml.etree.ElementTree as ET

    sources: dict[str, list[str]] = {}
    root = ET.Element("testsuites", name="slalang test")
    for r in results:
        cases = r.cases
        suite = ET.SubElement(root, "testsuite", name=r.path, tests=str(max(len(cases), 1)),
                              failures=str(sum(bool(c.failures) and not c.error for c in cases)),
                              errors=str(sum(bool(c.error) for c in cases) + bool(r.error)))
        if r.error is not None:
            case = ET.SubElement(suite, "testcase", classname=r.path, name="(file)")
            ET.SubElement(case, "error", message=r.error).text = r.error
        for c in cases:
            case = ET.SubElement(suite, "testcase", classname=r.path, name=c.name)
            if c.error:
                ET.SubElement(case, "error", message=c.error).text = c.error
            elif c.failures:
                text = "\n".join(line for f in c.failures
                                 for line in failure_text(f, c.file, sources))
                first = c.failures[0]
                ET.SubElement(case, "failure", message=f"{first.subject}: {first.field}: "
                              f"expected {first.expected}, got {first.actual}").text = text
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
