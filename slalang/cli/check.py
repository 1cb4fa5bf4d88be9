"""`slalang check FILE...`: report every problem in policy files; silent when all is well."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field

import click

from slalang.diagnostics import Diagnostic, render_all, to_json
from slalang.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, DataError, PolicyError
from slalang.language import check, parse, read_source
from slalang.language.syntax import PolicyFile
from slalang.model import Policy, Span
from slalang.roster import roster_for

#: the file cannot be read (missing, a directory, not UTF-8)
UNREADABLE = "SLA002"
#: the roster a valid policy names cannot be loaded
ROSTER = "SLA501"


@dataclass
class Checked:
    """The outcome of checking one file: its policy (if valid), findings, and why it failed."""

    path: str
    source: str | None = None
    policy: Policy | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: a syntax error or unreadable input: the tool could not check the file at all
    unusable: bool = False

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)


def check_file(path: str, roster: bool = True) -> Checked:
    """Read, parse and check one file without raising: everything lands in the result.

    ``roster=False`` skips loading the roster the header names (``slalang plan`` needs none).
    """
    result = Checked(path)
    try:
        result.source, digest = read_source(path)
    except (OSError, UnicodeDecodeError) as exc:
        result.unusable = True
        diagnostic, result.source = unreadable(path, exc)
        result.diagnostics = [diagnostic]
        return result
    try:
        tree = parse(result.source, path)
    except PolicyError as exc:
        result.unusable, result.diagnostics = True, list(exc.diagnostics)
        return result
    policy, result.diagnostics = check(tree)
    if policy is not None:
        result.policy = dataclasses.replace(policy, source_path=path, source_hash=digest)
        if roster:
            result.diagnostics.extend(roster_diagnostics(result.policy, tree))
    return result


def unreadable(path: str, exc: OSError | UnicodeDecodeError) -> tuple[Diagnostic, str | None]:
    """The ``SLA002`` diagnostic for a file that cannot be read, and the text to show under it.

    A file that is not UTF-8 is pointed at the first bad byte, so the caret finds it.
    """
    if isinstance(exc, UnicodeDecodeError):
        data = bytes(exc.object)
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        # shown with U+FFFD for the bad bytes; columns count bytes up to the bad one
        shown = data.decode("utf-8", errors="replace")
        byte = data[exc.start:exc.start + 1].hex()
        return Diagnostic(UNREADABLE, "error", f"cannot read the file: byte 0x{byte} is not "
                          "UTF-8 text", Span(path, line, column, line, column + 1),
                          "save the file as UTF-8 (policies are UTF-8 text; a Latin-1 or "
                          "Windows-1252 editor setting is the usual cause)"), shown
    if isinstance(exc, IsADirectoryError) or os.path.isdir(path):
        reason, hint = "it is a directory", "give the policy file itself, e.g. policies/*.sla"
    elif isinstance(exc, FileNotFoundError):
        reason, hint = "no such file", "check the path (relative paths start where you run it)"
    else:
        reason, hint = exc.strerror or str(exc), None
    return Diagnostic(UNREADABLE, "error", f"cannot read the file: {reason}",
                      Span(path, 1, 1, 1, 1), hint), None


def roster_diagnostics(policy: Policy, tree: PolicyFile) -> list[Diagnostic]:
    """The roster the header names must load against the policy (``SLA501`` otherwise)."""
    try:
        roster_for(policy)
    except DataError as exc:
        field = next(f for f in tree.header.fields if f.key == "roster")
        return [Diagnostic(ROSTER, "error", f"the roster is not usable: {exc}", field.span,
                           "fix the roster file, or the path in the header (relative to this "
                           "policy file)")]
    return []


def echo_diagnostics(results: list[Checked], fmt: str = "text", err: bool = False) -> None:
    """Print the findings of several files, text (with carets) or one JSON document."""
    diagnostics = [d for r in results for d in r.diagnostics]
    if fmt == "json":
        click.echo(json.dumps(to_json(diagnostics), indent=2, ensure_ascii=False), err=err)
    elif fmt == "sarif":
        from slalang.codescan import to_sarif
        from slalang.version import __version__

        click.echo(json.dumps(to_sarif(diagnostics, __version__), indent=2, ensure_ascii=False),
                   err=err)
    elif fmt == "github":
        from slalang.codescan import to_github

        if diagnostics:
            click.echo(to_github(diagnostics), err=err)
    elif diagnostics:
        sources = {r.path: r.source for r in results if r.source is not None}
        click.echo(render_all(diagnostics, sources), err=err)


def exit_code(results: list[Checked], strict: bool = False) -> int:
    if any(r.unusable for r in results):
        return EXIT_USAGE
    if any(r.errors for r in results):
        return EXIT_FINDINGS
    if strict and any(r.diagnostics for r in results):
        return EXIT_FINDINGS
    return EXIT_OK


@click.command(name="check")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]),
              default="text", show_default=True,
              help="Text with carets, versioned JSON diagnostics, SARIF 2.1.0 for code "
              "scanning, or GitHub Actions annotations (workflow commands).")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
def command(files: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check policy FILES: syntax, references, inheritance, numbers and calendars.

    Silent and exit 0 when every file is valid; findings print and exit 1 (warnings only with
    --strict); a file that cannot be read or parsed exits 2.
    """
    results = [check_file(path) for path in files]
    if fmt in ("json", "sarif") or any(r.diagnostics for r in results):
        echo_diagnostics(results, fmt)
    raise SystemExit(exit_code(results, strict))


def load_or_exit(path: str, roster: bool = False) -> Policy:
    """The checked policy of ``path``, for verbs that need a valid one (``plan``, ``explain``).

    Otherwise print its diagnostics (with carets, on standard error) and exit 2: the verb
    cannot do its job. Warnings do not stop it and are not printed (``slalang check`` does).
    """
    result = check_file(path, roster=roster)
    if result.policy is None or result.errors:
        echo_diagnostics([result], err=True)
        raise SystemExit(EXIT_USAGE)
    return result.policy
