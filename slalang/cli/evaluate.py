"""`slalang evaluate`: evaluate a policy on ticket (and downtime) data for a period.

Prints a summary (or JSON) and writes the JSON, CSV and JUnit outputs asked for, each
all or none. Exit codes: 0 done (and nothing failed per ``--fail-on``), 1 an objective missed or
a credit due per ``--fail-on``, 2 usage or input error. Heavy modules are imported inside the
command so that ``slalang --help`` stays fast.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import NoReturn

import click

from slalang.cli.common import (
    AS_OF_RULE,
    MaxErrors,
    as_standard_output,
    distinct_outputs,
    quiet_option,
)
from slalang.errors import EXIT_FINDINGS, EXIT_OK

FAIL_ON = ("never", "objective", "credit", "any")


def failed(ev, fail_on: str) -> bool:
    """Whether the evaluation fails the pipeline under ``--fail-on``.

    ``objective``: some objective was missed in some customer-month; ``credit``: some credit is
    due; ``any``: either, or a covered service missed its uptime target.
    """
    if fail_on == "never":
        return False
    objective = ev.objectives_missed > 0
    credit = ev.credits_due > 0
    if fail_on == "objective":
        return objective
    if fail_on == "credit":
        return credit
    uptime = any(u.met is False for results in ev.uptime for u in results)
    return objective or credit or uptime


def nothing_measured(ev) -> None:
    """Stop (exit 2, no output written) when tickets were read but none was created in the
    period and no downtime was measured in it: a wrong ``--period``, not a quiet month to
    report as all fine."""
    from slalang.errors import DataError

    counted = int(ev.agg.g_counts[:, 0].sum()) if len(ev.agg) else 0
    invalid = int(ev.agg.g_counts[:, 3].sum()) if len(ev.agg) else 0
    read = ev.input.tickets if ev.input is not None else None
    measured_uptime = any(u.downtime for results in ev.uptime for u in results)
    if measured_uptime or not read or counted > invalid:
        return
    if counted:  # every ticket of the period invalid: counted, but nothing measured
        first = ev.invalid[0] if ev.invalid else None
        raise DataError(
            f"all {counted} ticket(s) of {ev.period.label} are invalid (their customer, tier "
            "or priority is not one the policy and roster know), and no downtime was "
            "recorded in it: nothing was measured"
            + (f"; the first: {first}" if first is not None else "")
            + ". Map the export's values (a mapping's value maps), or list the customers in "
            "the roster.")
    raise DataError(f"none of the {read} ticket(s) read was created in {ev.period.label} "
                    f"({ev.period.timezone}), and no downtime was recorded in it: nothing was "
                    "measured. Give the --period the data covers (without --period, the "
                    "months the tickets span are evaluated).")


def _load_roster(policy, path: str | None):
    from slalang import roster as rosters

    if path is not None:
        return rosters.load_roster(path, policy)
    return rosters.roster_for(policy)


def write_outputs(ev, outputs, *, json_out: str | None, stamp_out: str | None,
                  junit_out: str | None, rows: int | None) -> None:
    """Write the JSON, stamp and JUnit files asked for (each into ``outputs``, all or none:
    the caller commits); ``rows``: the verdict CSV's row count, None without a CSV."""
    if json_out:
        from slalang.evaluation.output.json import write_json

        with outputs.open(json_out) as fh:
            write_json(ev, fh)
    if stamp_out:  # the hashes and version the CSV has no room for
        import json

        from slalang.evaluation.output.csv import stamp

        with outputs.open(stamp_out) as fh:
            json.dump(stamp(ev, rows), fh, indent=2)
            fh.write("\n")
    if junit_out:
        from slalang.evaluation.output import junit

        with outputs.open(junit_out, "wb") as fh:
            fh.write(junit.dumps(ev))


@click.command(name="evaluate")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--tickets", required=True, type=click.Path(),
              help="Tickets: canonical JSONL or CSV, a tool export with --mapping, or a "
              "dataset directory written by `slalang convert`.")
@click.option("--events", type=click.Path(dir_okay=False),
              help="Status events CSV (ticket_id,at,status[,priority]) for CSV tickets.")
@click.option("--downtime", type=click.Path(dir_okay=False),
              help="Downtime records (customer,service,start,end,kind).")
@click.option("--mapping", type=click.Path(dir_okay=False),
              help="YAML mapping from a tool's export to the canonical form.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="Customer roster YAML (default: the one the policy names).")
@click.option("--period", help="2026-07 (month), 2026-Q3 (quarter) or "
              "2026-07-01..2026-09-30 (range); default: the months the tickets span.")
@click.option("--as-of", "as_of", help="Evaluation instant, ISO 8601 with offset ("
              + AS_OF_RULE + ").")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the evaluation as JSON (schema: slalang/schemas/evaluation.schema.json).")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write one CSV row per ticket x metric verdict.")
@click.option("--stamp", "stamp_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the run's stamp as JSON: policy and data sha256, slalang version, "
              "period, as_of and the --csv row count. --csv writes the CSV alone; this is how "
              "a CSV keeps its provenance (the JSON and JUnit outputs carry it inside).")
@click.option("--junit", "junit_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write JUnit XML (one test per customer-month objective, uptime, credit).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="What to print on standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True,
              help="Exit 1 when an objective is missed, a credit is due, or either "
              "(pipelines: --fail-on credit).")
@click.option("--max-errors", type=MaxErrors(),
              help="Stop with exit 2 when more input rows than this are rejected "
              "(tickets, events and downtime together): a number (10) or a share of the "
              "rows read (5%).")
@click.option("--engine", type=click.Choice(["auto", "memory", "chunks", "dask"]),
              default="auto", show_default=True,
              help="memory: read everything at once; chunks: a CSV export in chunks on "
              "every core, memory bounded; dask: a `slalang convert` dataset on a Dask "
              "cluster; auto: chunks from 256 MiB of CSV or for a dataset, dask when "
              "--scheduler is given, else memory.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes (chunks, and a local Dask cluster); default: one per core.")
@click.option("--scheduler", help="Dask scheduler: 'local' (a LocalCluster started here, the "
              "default with --engine dask) or an address such as tcp://host:8786.")
@click.option("--chunk-rows", type=click.IntRange(min=1),
              help="Evaluate CSV tickets this many at a time, in bounded memory (default: "
              "chunks of 100,000 when the input files exceed 256 MiB).")
@click.option("--in-memory", is_flag=True,
              help="Read the whole input at once, however large (same as --engine memory).")
@quiet_option
@click.option("--amendment", "amendments", multiple=True, metavar="FILE|REV:PATH",
              help="Another version of the contract (a file or a git revision) with its own "
              "`version` and `effective` date; each month is measured under the version in "
              "force at its start. Repeatable.")
def command(policy: str, tickets: str, events: str | None, downtime: str | None,
            mapping: str | None, roster: str | None, period: str | None, as_of: str | None,
            json_out: str | None, csv_out: str | None, stamp_out: str | None,
            junit_out: str | None, fmt: str,
            fail_on: str, max_errors: int | float | None, engine: str, workers: int | None,
            scheduler: str | None, chunk_rows: int | None, in_memory: bool,
            quiet: bool, amendments: tuple[str, ...] = ()) -> None:
    """Evaluate POLICY on ticket data: compliance, uptime and service credits per customer
    and month."""
    json_out, csv_out, stamp_out, junit_out = (
        as_standard_output(p) for p in (json_out, csv_out, stamp_out, junit_out))
    distinct_outputs({"--json": json_out, "--csv": csv_out, "--stamp": stamp_out,
                      "--junit": junit_out},
                     (policy, tickets, events, downtime, mapping, roster, *amendments))
    if amendments:  # a contract amended during the period: each month under its version
        from slalang.cli.amended import evaluate_amended

        evaluate_amended(policy, amendments, tickets=tickets, events=events, downtime=downtime,
                         mapping=mapping, roster=roster, period=period, as_of=as_of,
                         json_out=json_out, fmt=fmt, fail_on=fail_on, max_errors=max_errors,
                         refused={"--csv": csv_out, "--stamp": stamp_out, "--junit": junit_out,
                                  "--chunk-rows": chunk_rows, "--workers": workers,
                                  "--scheduler": scheduler,
                                  "--engine": None if engine == "auto" else engine})
    if in_memory:
        if chunk_rows is not None:
            raise click.UsageError("--chunk-rows and --in-memory exclude each other")
        if engine not in ("auto", "memory"):
            raise click.UsageError(f"--in-memory and --engine {engine} exclude each other")
        engine = "memory"
    if chunk_rows is not None and engine in ("memory", "dask"):
        raise click.UsageError(f"--chunk-rows goes with --engine chunks, not {engine}")
    if workers is not None and engine == "memory":
        raise click.UsageError("--workers goes with --engine chunks or dask: the memory "
                               "engine evaluates in this process")
    if chunk_rows is not None and _is_dataset(tickets):
        raise click.UsageError("--chunk-rows goes with a CSV export: a dataset's batches are "
                               "its partitions (`slalang convert --partition-rows`)")
    if scheduler is not None and engine not in ("auto", "dask"):
        raise click.UsageError(f"--scheduler goes with --engine dask, not {engine}")
    if scheduler is not None:  # said now: Dask would raise its own ValueError, or time out
        from slalang.evaluation.distributed import check_scheduler

        check_scheduler(scheduler, "--scheduler")
    if (engine == "dask" or scheduler is not None) and not _is_dataset(tickets):
        # the dask engine reads a dataset's partitions on the workers: anything else would
        # fail there as a manifest not found inside the export's path
        _dask_needs_dataset("--scheduler" if scheduler is not None else "--engine dask",
                            tickets, events, mapping)
    from slalang.cli.common import command_outputs, tune_for_one_run

    # this process runs one evaluation and exits: freed memory is kept for reuse, and the
    # memory an in-memory run will need is zeroed while the modules below are imported
    tune_for_one_run(tickets, events, engine, chunk_rows)
    from slalang.cli.progress import progress_for
    from slalang.evaluation.drivers import evaluate_input
    from slalang.evaluation.periods import parse_period, resolve_as_of
    from slalang.evaluation.scratch import removal_in_background
    from slalang.plan import compile_plan
    from slalang.policy_cache import checked_policy_or_exit

    pol = checked_policy_or_exit(policy)
    # parse the cheap arguments before using any data, so usage errors come first
    zone = pol.header.timezone
    per = parse_period(period, zone) if period else None
    instant, _ = resolve_as_of(as_of, per)
    ros = _load_roster(pol, roster)
    plan = compile_plan(pol)
    outputs = command_outputs()  # every file of the run, all or none
    # the verdict CSV is written while the batches are evaluated (chunks, dask)
    with progress_for(quiet) as progress:
        with outputs.open(csv_out, "wb") if csv_out else nullcontext() as fh, \
                removal_in_background():  # the scratch folder, while the outputs are written
            run = evaluate_input(plan, tickets, events, downtime, ros, as_of=instant,
                                 period=per, mapping=mapping, engine=engine, workers=workers,
                                 scheduler=scheduler, chunk_rows=chunk_rows,
                                 max_errors=max_errors, verdicts=fh,
                                 list_tickets=bool(json_out) or fmt == "json",
                                 progress=progress)
        for note in run.notes:
            if progress is not None:
                progress.note(f"note: {note}")
            else:
                click.echo(f"note: {note}", err=True)
        ev, rows = run.evaluation, run.rows or 0
        nothing_measured(ev)
        if progress is not None and "-" in (json_out, stamp_out, junit_out):
            progress.close()  # the terminal gets a document: no line drawn over it
        elif progress is not None and (json_out or stamp_out or junit_out):
            progress("write", 0, 0)
        write_outputs(ev, outputs, json_out=json_out, stamp_out=stamp_out,
                      junit_out=junit_out, rows=rows if csv_out else None)
    outputs.commit()
    if "-" in (json_out, csv_out, stamp_out, junit_out):
        pass  # standard output already carries a file's content
    elif fmt == "json":
        from slalang.evaluation.output.json import write_json

        write_json(ev, sys.stdout)
    else:
        from slalang.evaluation.output.summary import evaluation_to_text

        click.echo(evaluation_to_text(ev), nl=False)
    raise SystemExit(EXIT_FINDINGS if failed(ev, fail_on) else EXIT_OK)


def _dask_needs_dataset(flag: str, tickets: str, events: str | None,
                        mapping: str | None) -> NoReturn:
    """Refuse ``flag`` (``--engine dask``, ``--scheduler``) for tickets that are not a
    dataset, saying how to make one of them."""
    import os
    import shlex

    if os.path.isdir(tickets):
        what = f"{tickets} is a folder without a dataset's manifest"
    elif not os.path.exists(tickets):
        what = f"{tickets} does not exist"
    else:
        what = f"{tickets} is an export"
    how = " ".join(["slalang convert", f"--tickets {shlex.quote(tickets)}",
                    *([f"--events {shlex.quote(events)}"] if events else []),
                    *([f"--mapping {shlex.quote(mapping)}"] if mapping else []), "--out DIR"])
    raise click.UsageError(f"{flag} goes with a dataset written by `slalang convert` "
                           f"(--tickets DIR), and {what}: convert it first ({how}) and "
                           f"evaluate --tickets DIR; without {flag}, the export is evaluated "
                           "on this machine")


def _is_dataset(path: str) -> bool:
    from slalang.data.dataset import is_dataset

    return is_dataset(path)
