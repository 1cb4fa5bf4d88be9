"""`slalang export FILE [-o OUT]`: the checked policy as JSON (schemas/policy.schema.json)."""

from __future__ import annotations

import json

import click

from slalang.cli.check import check_file, echo_diagnostics, exit_code
from slalang.cli.common import atomic_write
from slalang.errors import EXIT_FINDINGS
from slalang.language import export_policy


@click.command(name="export")
@click.argument("file", type=click.Path())
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the JSON; '-' is standard output.")
def command(file: str, output: str) -> None:
    """Export the checked model of FILE as JSON, inheritance flattened.

    Exits 1 with the diagnostics when the policy has errors (2 if it cannot be read or parsed).
    """
    from slalang.cli.common import distinct_outputs

    distinct_outputs({"--output": output}, (file,))
    result = check_file(file)
    # every error check reports stops the export, the roster's (SLA501) included
    if result.policy is None or result.errors:
        echo_diagnostics([result], err=True)
        raise SystemExit(exit_code([result]) or EXIT_FINDINGS)
    data = export_policy(result.policy)
    with atomic_write(output) as fh:
        fh.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
