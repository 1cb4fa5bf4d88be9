"""What every verb shares: error-to-exit-code mapping and all-or-nothing file writes."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from slalang.errors import EXIT_USAGE, SlalangError

#: the ``--as-of`` default every verb states in its help (``periods.resolve_as_of`` applies it)
AS_OF_RULE = ("default: the end of --period when one is given (reproducible), now otherwise; "
              "for an export taken earlier, give the export's time")


class GuardedGroup(click.Group):
    """A click group that turns our errors into messages and exit codes, never tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SlalangError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except Exception as exc:  # an internal bug: say so plainly, keep the trace on demand
            if os.environ.get("SLALANG_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in slalang; rerun with SLALANG_DEBUG=1 for the traceback.",
                err=True,
            )
            ctx.exit(EXIT_USAGE)


def _default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8"
                 ) -> Iterator:
    """Write to a temporary file beside ``path`` and move it into place only on success,
    so no output file is ever left half-written. ``-`` writes to standard output."""
    if str(path) == "-":
        if "b" in mode:
            yield sys.stdout.buffer
        else:
            yield sys.stdout
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        # mkstemp creates 0600; an output file gets the permissions any new file would get
        os.chmod(tmp, _default_file_mode())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
