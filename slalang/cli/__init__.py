"""The ``slalang`` command line: one module per verb, registered here.

Every verb is a thin shell over a named Python function of the pipeline; this package only
parses arguments, prints, and maps errors to exit codes (see :mod:`slalang.errors`).
"""

from __future__ import annotations

import importlib
import os

import click

from slalang.cli.common import GuardedGroup
from slalang.version import __version__

# slalang never calls BLAS, but OpenBLAS starts a thread per core when numpy is imported, and
# each spins for about 0.1 s of CPU before it sleeps: on two cores, time taken from Arrow's
# parser. Set before any verb imports numpy; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

#: verb -> module under slalang.cli defining ``command``
VERBS = (
    # one verb a line, so that adding a verb is a one-line change
    "check",
    "fmt",
    "export",
    "plan",
    "evaluate",
    "explain",
    "contract",
    "report",
    "diff",
    "init",
    "test",
    "calibrate",
    "lsp",
    "mapping",
    "convert",
)


class VerbGroup(GuardedGroup):
    """Imports a verb's module only when that verb runs, so ``slalang check`` does not pay for
    numpy, pyarrow and Jinja, nor ``slalang evaluate`` for Babel and the templates."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in VERBS:
            return None
        return importlib.import_module(f"slalang.cli.{cmd_name}").command

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """As click's, but a misspelt verb gets the verbs it is closest to (click does this
        for options already, not for commands)."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            hint = (" Did you mean " + " or ".join(repr(c) for c in close) + "?") if close \
                else ""
            raise click.UsageError(f"No such command {name!r}.{hint} Verbs: "
                                   f"{', '.join(self.list_commands(ctx))}.", ctx)
        return super().resolve_command(ctx, args)


@click.group(cls=VerbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slalang")
def main() -> None:
    """slalang: service-level agreements as code.

    Check and format policies, compile them into a reviewable plan, evaluate them against
    ticket data, and render the contract appendix and compliance reports.
    """


def run() -> None:
    """The ``slalang`` program (its console script and ``python -m slalang``): :func:`main`,
    then the process ends without the interpreter's teardown
    (:func:`~slalang.cli.process_exit.exit_process`)."""
    from slalang.cli.process_exit import exit_process
    from slalang.cli.stdio import reopen_closed_streams

    reopen_closed_streams()
    try:
        main(prog_name="slalang")
    except SystemExit as exc:
        exit_process(exc.code)
    exit_process(0)
