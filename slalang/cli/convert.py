"""`slalang convert`: a ticket export as a partitioned Parquet dataset, which every verb
reads a partition per task (on this machine's cores, or on a Dask cluster).

Exit codes: 0 written, 2 usage or input error (nothing written).
"""

from __future__ import annotations

import click

from slalang.cli.common import quiet_option
from slalang.errors import EXIT_OK

# slalang.data.dataset's DEFAULT_PARTITION_ROWS and MAX_PARTITION_ROWS (a test keeps them
# equal), written out: importing it here would load pyarrow for every verb's start
DEFAULT_PARTITION_ROWS = 250_000
MAX_PARTITION_ROWS = 10_000_000


@click.command(name="convert")
@click.option("--tickets", required=True, type=click.Path(dir_okay=False),
              help="Tickets: canonical JSONL or CSV, or a tool export with --mapping.")
@click.option("--events", type=click.Path(dir_okay=False),
              help="Status events CSV (ticket_id,at,status[,priority]) for CSV tickets.")
@click.option("--mapping", type=click.Path(dir_okay=False),
              help="YAML mapping from a tool's export to the canonical form.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="The dataset directory to create: new, or an empty directory (a symlink "
                   "to one is followed), not the current folder, not inside a dataset.")
# bounded: row numbers are int32 in the split reader and a partition's events are nested
# with 32-bit offsets (2**31 tickets was an internal error)
@click.option("--partition-rows", type=click.IntRange(min=1, max=MAX_PARTITION_ROWS),
              default=DEFAULT_PARTITION_ROWS, show_default=True,
              help=f"Tickets per partition (a task of a few seconds), from 1 to "
                   f"{MAX_PARTITION_ROWS:,}.")
@quiet_option
def command(tickets: str, events: str | None, mapping: str | None, out: str,
            partition_rows: int, quiet: bool) -> None:
    """Write a ticket export as a partitioned dataset: Parquet files of consecutive
    tickets, their events nested, and a manifest with the rows refused and the inputs' hash.
    Evaluating the dataset gives exactly what evaluating the export gives."""
    from slalang.cli.progress import progress_for
    from slalang.data.dataset import convert

    with progress_for(quiet) as progress:
        manifest = convert(tickets, out, events, mapping=mapping,
                           partition_rows=partition_rows, progress=progress)
    click.echo(f"{out}: {manifest.tickets:,} tickets in {len(manifest.partitions)} "
               f"partition(s); {len(manifest.rejected):,} row(s) refused")
    raise SystemExit(EXIT_OK)
