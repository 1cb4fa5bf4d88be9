"""`slalang init DIR`: a new folder holding a working project to start from.

A starter policy, roster, mapping, an example export of one quarter and a README with the
commands to try, all of which run as written. Nothing is overwritten: a file that already
exists stops the verb before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import click

from slalang.errors import EXIT_USAGE

#: what the starter holds, in the package's ``starter/`` folder (paths relative to it)
FILES = ("README.md", "policy.sla", "customers.yaml", "mapping.yaml", "export/tickets.csv",
         "export/events.csv", "export/downtime.csv")


def write_starter(folder: str | Path) -> list[Path]:
    """Write the starter project into ``folder`` (created when missing); the paths written.

    Raises FileExistsError, naming the file, when any of them exists already: a user's file
    is never replaced.
    """
    from importlib.resources import files

    target = Path(folder)
    clash = [target / name for name in FILES if (target / name).exists()]
    if clash:
        raise FileExistsError(f"{clash[0]} exists already; slalang init never replaces a "
                              "file: choose a new folder")
    source = files("slalang") / "starter"
    written = []
    for name in FILES:
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="") as fh:  # "x": never replace
            fh.write(source.joinpath(name).read_text(encoding="utf-8"))
        written.append(path)
    return written


@click.command(name="init")
@click.argument("folder", type=click.Path(file_okay=False), default="slalang-project")
def command(folder: str) -> None:
    """Start a project in FOLDER (default: ./slalang-project): a starter policy, roster,
    mapping and an example quarter of tickets, ready to evaluate."""
    try:
        written = write_starter(folder)
    except FileExistsError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"\nnext: cd {folder} && slalang evaluate policy.sla --tickets export/tickets.csv "
               "--events export/events.csv --mapping mapping.yaml --downtime "
               "export/downtime.csv --period 2026-Q3\n(README.md lists more to try)")
