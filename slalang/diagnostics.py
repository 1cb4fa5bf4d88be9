"""Diagnostics: findings about a policy, written for people and for machines.

A diagnostic has a code (``SLA101``), a severity, a message, a span and a hint. Text form::

    policies/x.sla:12:5: error[SLA101]: undefined calendar 'ofice'
       12 |     response on ofice: P1 1h
          |                 ^^^^^
       = hint: did you mean 'office'?

JSON form: the same fields (see :func:`to_json`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from slalang.model import Span

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "hint": self.hint,
        }


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, if any is close.

    >>> did_you_mean("ofice", ["office", "always"])
    "did you mean 'office'?"
    """
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def render(diagnostic: Diagnostic, source: str | None) -> str:
    """``file:line:col: severity[CODE]: message``, the source line with a caret, and the hint."""
    d, s = diagnostic, diagnostic.span
    out = [f"{s.file}:{s.line}:{s.column}: {d.severity}[{d.code}]: {d.message}"]
    lines = source.splitlines() if source is not None else []
    if 1 <= s.line <= len(lines):
        raw = lines[s.line - 1]
        gutter = f"{s.line:>4} | "
        # tabs are shown as spaces so the caret stays under the text whatever the tab width
        text = raw.expandtabs(4)
        column = len(raw[: s.column - 1].expandtabs(4)) + 1
        end = s.end_column if s.end_line == s.line and s.end_column > s.column else s.column + 1
        end = len(raw[: max(end, s.column + 1) - 1].expandtabs(4)) + 1
        end = max(min(end, len(text) + 1), column + 1)  # at least one caret, even past the end
        out.append(gutter + text)
        out.append(" " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * (end - column))
    if d.hint:
        out.append(f"     = hint: {d.hint}")
    return "\n".join(out)


def render_all(diagnostics: Sequence[Diagnostic], sources: dict[str, str]) -> str:
    """Render many diagnostics, each against its file's source, with a closing count."""
    parts = [render(d, sources.get(d.span.file)) for d in diagnostics]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    parts.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n\n".join(parts[:-1]) + "\n" + parts[-1]


def to_json(diagnostics: Sequence[Diagnostic]) -> dict:
    """The machine-readable form, versioned so consumers can rely on it."""
    return {
        "format_version": 1,
        "valid": not any(d.severity == "error" for d in diagnostics),
        "error_count": sum(d.severity == "error" for d in diagnostics),
        "warning_count": sum(d.severity == "warning" for d in diagnostics),
        "diagnostics": [d.as_dict() for d in diagnostics],
    }
