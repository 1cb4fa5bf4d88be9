"""The ``slalang`` command line: one module per verb, registered here.

Every verb is a thin shell over a named Python function of the pipeline; this package only
parses arguments, prints, and maps errors to exit codes (see :mod:`slalang.errors`).
"""

from __future__ import annotations

import importlib

import click

from slalang import __version__
from slalang.cli.common import GuardedGroup

#: verb -> module under slalang.cli defining ``command``
VERBS = ("check", "fmt", "export", "plan", "evaluate", "explain", "contract", "report",
         "diff")


class VerbGroup(GuardedGroup):
    """Imports a verb's module only when that verb runs, so ``slalang check`` does not pay for
    numpy, pyarrow and Jinja, nor ``slalang evaluate`` for Babel and the templates."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in VERBS:
            return None
        return importlib.import_module(f"slalang.cli.{cmd_name}").command


@click.group(cls=VerbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slalang")
def main() -> None:
    """slalang: service-level agreements as code.

    Check and format policies, compile them into a reviewable plan, evaluate them against
    ticket data, and render the contract appendix and compliance reports.
    """

