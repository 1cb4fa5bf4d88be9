"""`slalang fmt FILE...`: print, rewrite, check or diff the canonical layout of policies."""

from __future__ import annotations

import difflib
import io
import sys

import click

from slalang.cli.check import Checked, echo_diagnostics, unreadable
from slalang.cli.common import atomic_write
from slalang.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, PolicyError
from slalang.language import format_source, read_source
from slalang.language.loader import MAX_POLICY_BYTES, read_bounded


@click.command(name="fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-w", "--write", is_flag=True, help="Rewrite the files in place.")
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files that are not formatted and exit 1.")
@click.option("--diff", is_flag=True, help="Print a unified diff of the changes.")
def command(files: tuple[str, ...], write: bool, check_only: bool, diff: bool) -> None:
    """Format policy FILES canonically, keeping comments.

    With one file and no option, print the formatted text; `-` reads standard input.
    Formatting is idempotent and never changes what a policy means.
    """
    if len(files) > 1 and not (write or check_only or diff):
        raise click.UsageError("give --write, --check or --diff to format several files")
    if write and "-" in files:
        raise click.UsageError("standard input cannot be written in place")
    status = EXIT_OK
    for path in files:
        try:
            # `-` reads standard input, for editors piping a buffer through the formatter
            source = _read_stdin() if path == "-" else read_source(path)[0]
            formatted = format_source(source, path)
        except PolicyError as exc:
            echo_diagnostics([Checked(path, source, diagnostics=exc.diagnostics)], err=True)
            status = EXIT_USAGE
            continue
        except (OSError, UnicodeDecodeError) as exc:
            diagnostic, shown = unreadable(path, exc)
            echo_diagnostics([Checked(path, shown, diagnostics=[diagnostic])], err=True)
            status = EXIT_USAGE
            continue
        changed = formatted != source
        if diff and changed:
            click.echo("".join(difflib.unified_diff(
                source.splitlines(keepends=True), formatted.splitlines(keepends=True),
                fromfile=f"{path} (original)", tofile=f"{path} (formatted)")), nl=False)
        if check_only:
            if changed:
                click.echo(path)
                status = max(status, EXIT_FINDINGS)
        elif write:
            if changed:
                with atomic_write(path) as fh:
                    fh.write(formatted)
        elif not diff:
            click.echo(formatted, nl=False)
    raise SystemExit(status)


def _read_stdin() -> str:
    """Standard input as UTF-8, strictly: bad bytes are an SLA002, as they are in a file."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream (tests): bounded all the same
        stream = io.BytesIO(sys.stdin.read(MAX_POLICY_BYTES + 1).encode("utf-8"))
    return read_bounded(stream).decode("utf-8-sig")
