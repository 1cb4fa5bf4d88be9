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
VERBS = ("check", "fmt", "export", "plan", "evaluate", "explain", "contract", "report")


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slalang")
def main() -> None:
    """slalang: service-level agreements as code.

    Check and format policies, compile them into a reviewable plan, evaluate them against
    ticket data, and render the contract appendix and compliance reports.
    """


for _verb in VERBS:
    main.add_command(importlib.import_module(f"slalang.cli.{_verb}").command, _verb)
