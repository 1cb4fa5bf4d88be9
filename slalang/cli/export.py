"""`slalang export` (not built yet)."""

import click

from slalang.errors import EXIT_USAGE


@click.command(name="export", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Not built yet."""
    click.echo("slalang export: not built yet", err=True)
    raise SystemExit(EXIT_USAGE)
