"""`slalang mapping`: write a starting mapping for an export, and check one against it.

``slalang mapping init EXPORT [-o FILE]`` profiles the export (separator, encoding, timestamp
format, candidate columns, every status and priority value with its count) and writes a
commented mapping to start from; it never replaces an existing file. ``slalang mapping check
MAPPING EXPORT [--events FILE]`` previews the first tickets as parsed and lists every value
no value map translates, with its count: exit 0 when all is mapped and nothing rejected, 1
when something is left to do, 2 when the export cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from slalang.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


@click.group(name="mapping")
def command() -> None:
    """Write a starting mapping for an export (init), or check one against it (check)."""


@command.command(name="init")
@click.argument("export", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the mapping here (default: standard output); never replaced.")
def init(export: str, output: str | None) -> None:
    """Profile EXPORT (a CSV file) and write a starting mapping for it."""
    from slalang.data.profile import draft_mapping, profile_export

    prof = profile_export(export)
    text = draft_mapping(prof)
    if output is None:
        click.echo(text, nl=False)
    else:
        target = Path(output)
        if target.exists():
            click.echo(f"error: {output} exists; not replaced (choose another -o)", err=True)
            raise SystemExit(EXIT_USAGE)
        from slalang.cli.common import atomic_write

        with atomic_write(target) as fh:
            fh.write(text)
        # no layout is named when no column of times was found (it said "ISO 8601")
        click.echo(f"wrote {output}: {prof.rows} rows, {prof.shape} shape, separator "
                   f"{prof.delimiter!r}, encoding {prof.encoding}, {prof.describe_times()}",
                   err=True)
    raise SystemExit(EXIT_OK)


@command.command(name="check")
@click.argument("mapping", type=click.Path(dir_okay=False, exists=True))
# not checked here: EXPORT may be a quoted glob of page files or a database URL, and the
# reader names a missing file
@click.argument("export", type=click.Path(dir_okay=False))
@click.option("--events", type=click.Path(dir_okay=False, exists=True),
              help="The events file of a two-file export.")
@click.option("--rows", type=click.IntRange(min=0), default=5, show_default=True,
              help="How many tickets to preview.")
@click.option("--policy", type=click.Path(dir_okay=False),
              help="The policy the export will be evaluated with: its priorities and the "
                   "statuses it names need no value map (without it: the canonical statuses "
                   "and P1..P9).")
def check(mapping: str, export: str, events: str | None, rows: int,
          policy: str | None) -> None:
    """Read EXPORT through MAPPING: the first tickets as parsed, the values no value map
    translates (and are not canonical already), rejections."""
    from slalang.data.counts import top_reasons
    from slalang.data.mapping import load_mapping
    from slalang.data.profile import check_export, preview_lines

    checked = None
    if policy is not None:
        from slalang.cli.check import load_or_exit

        checked = load_or_exit(policy)
    m = load_mapping(mapping)
    report = check_export(m, export, events, checked)
    table, counts = report.table, report.counts
    click.echo(counts.line(0, max(len(table.rejected) - counts.rejected, 0))
               .replace("; invalid 0", ""))
    click.echo("")
    click.echo(f"first {min(rows, table.n)} of {table.n} tickets as parsed:")
    for line in preview_lines(table, rows):
        click.echo(line)
    if report.unmapped:
        click.echo("")
        click.echo(f"values no value map translates ({len(report.unmapped)}; add them under "
                   "values:, or a \"*\" default):")
        for what, value, n in report.unmapped:
            click.echo(f"  {what}: {value!r}  {n} rows")
    if table.ignored:
        click.echo("")
        click.echo("rows ignored on purpose:")
        for i in table.ignored:
            click.echo(f"  {i}")
    if report.idle_rules:
        click.echo("")
        click.echo("ignore rules that skipped no row (a value YAML reads as a number, such as "
                   "01 or 1.0, is compared as 1: quote it):")
        for rule in report.idle_rules:
            click.echo(f"  {rule}")
    if table.rejected:
        click.echo("")
        click.echo(f"rows rejected ({len(table.rejected)}), the most frequent reasons:")
        for line in top_reasons(table.rejected, 5):
            click.echo(f"  {line}")
    done = not report.unmapped and not table.rejected and table.n
    click.echo("")
    click.echo("mapping ok" if done else "mapping needs work (see above)")
    raise SystemExit(EXIT_OK if done else EXIT_FINDINGS)
