"""Diagnostics for code-scanning and CI: SARIF 2.1.0 and GitHub Actions workflow commands.

SARIF is what code-scanning services ingest (GitHub's upload-sarif, GitLab, Azure DevOps);
workflow commands (``::error file=…,line=…::message``) make GitHub annotate the lines of a
pull request directly from a job's output.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from slalang.diagnostics import Diagnostic

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: one-line summaries of the codes the parser and the loader emit themselves
OWN_CODES = {
    "SLA001": "a syntax error",
    "SLA002": "the file cannot be read",
    "SLA501": "the roster the policy names cannot be loaded",
}


def rule_summaries() -> dict[str, str]:
    """Every diagnostic code with its one-line summary (the checks' catalogue)."""
    from slalang.language.checks import CODES

    return {**OWN_CODES, **CODES}


def _artifact(path: str) -> dict:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    # a relative URI reference: a space, `%` or `#` in a file name must be percent-encoded
    from urllib.parse import quote

    return {"uri": quote(Path(path).as_posix()), "uriBaseId": "%SRCROOT%"}


def to_sarif(diagnostics: Sequence[Diagnostic], version: str) -> dict:
    """A SARIF 2.1.0 log with one run: the rules used and one result per diagnostic."""
    summaries = rule_summaries()
    codes = sorted({d.code for d in diagnostics})
    index = {c: i for i, c in enumerate(codes)}
    rules = []
    for code in codes:
        text = summaries.get(code) or next(d.message for d in diagnostics if d.code == code)
        rules.append({"id": code, "shortDescription": {"text": text}})
    results = []
    for d in diagnostics:
        s = d.span
        region = {"startLine": max(s.line, 1), "startColumn": max(s.column, 1)}
        if s.end_line >= s.line and s.end_line > 0:
            region["endLine"] = s.end_line
            if s.end_column > 0 and (s.end_line > s.line or s.end_column > s.column):
                region["endColumn"] = s.end_column
        text = d.message + (f" (hint: {d.hint})" if d.hint else "")
        results.append({
            "ruleId": d.code, "ruleIndex": index[d.code],
            "level": "error" if d.severity == "error" else "warning",
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(s.file),
                                                "region": region}}],
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "slalang", "version": version,
                                "informationUri": "https://slalang.dev",
                                "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands, one line per diagnostic.

    >>> from slalang.model import Span
    >>> d = Diagnostic("SLA1", "error", "no 'ofice'", Span("p", 3, 5, 3, 10), "'office'?")
    >>> print(to_github([d]))
    ::error file=p,line=3,col=5,endLine=3,endColumn=10,title=SLA1::no 'ofice'%0Ahint: 'office'?
    """
    out = []
    for d in diagnostics:
        s = d.span
        props = [f"file={_escape_property(s.file)}", f"line={max(s.line, 1)}",
                 f"col={max(s.column, 1)}"]
        if s.end_line >= s.line and s.end_line > 0:
            props.append(f"endLine={s.end_line}")
            if s.end_line == s.line and s.end_column > s.column:
                props.append(f"endColumn={s.end_column}")
        props.append(f"title={_escape_property(d.code)}")
        command = "error" if d.severity == "error" else "warning"
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(out)
