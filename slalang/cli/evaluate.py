"""`slalang evaluate`: evaluate a policy on ticket (and downtime) data for a period.

Prints a summary (or JSON) and writes the JSON, CSV and JUnit outputs asked for, each
all or none. Exit codes: 0 done (and nothing failed per ``--fail-on``), 1 an objective missed or
a credit due per ``--fail-on``, 2 usage or input error. Heavy modules are imported inside the
command so that ``slalang --help`` stays fast.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from slalang.cli.check import load_or_exit
from slalang.cli.common import AS_OF_RULE, MaxErrors
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


def rows_read(ev, downtime) -> int | None:
    """Rows read in every input file (tickets, events, downtime): the base of a
    ``--max-errors`` share; None when the evaluation does not know its input's counts."""
    counts = ev.input
    if counts is None:
        return None
    down = (len(downtime.records) + len(downtime.rejected)) if downtime is not None else 0
    return counts.read + counts.events_read + down


def _load_roster(policy, path: str | None):
    from slalang import roster as rosters

    if path is not None:
        return rosters.load_roster(path, policy)
    return rosters.roster_for(policy)


def _chunk_rows(tickets: str, events: str | None, mapping: str | None,
                chunk_rows: int | None, in_memory: bool) -> int | None:
    """How many tickets per chunk (None: in memory). Chunks when asked, or by default when
    the input is large and a CSV export the chunked reader takes."""
    from slalang.data.stream import stream_refusal
    from slalang.evaluation.streaming import AUTO_BYTES, DEFAULT_CHUNK_ROWS

    if in_memory:
        return None
    refusal = stream_refusal(tickets, events, mapping)
    if chunk_rows is not None:
        if refusal is not None:
            click.echo(f"note: evaluating in memory: {refusal}", err=True)
            return None
        return chunk_rows
    try:
        size = sum(Path(p).stat().st_size for p in (tickets, events) if p is not None)
    except OSError:
        return None  # the reader names the missing file
    return DEFAULT_CHUNK_ROWS if refusal is None and size >= AUTO_BYTES else None


@click.command(name="evaluate")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--tickets", required=True, type=click.Path(dir_okay=False),
              help="Tickets: canonical JSONL or CSV, or a tool export with --mapping.")
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
@click.option("--chunk-rows", type=click.IntRange(min=1),
              help="Evaluate CSV tickets this many at a time, in bounded memory (default: "
              "chunks of 100,000 when the input files exceed 256 MiB).")
@click.option("--in-memory", is_flag=True,
              help="Read the whole input at once, however large.")
@click.option("--amendment", "amendments", multiple=True, metavar="FILE|REV:PATH",
              help="Another version of the contract (a file or a git revision) with its own "
              "`version` and `effective` date; each month is measured under the version in "
              "force at its start. Repeatable.")
def command(policy: str, tickets: str, events: str | None, downtime: str | None,
            mapping: str | None, roster: str | None, period: str | None, as_of: str | None,
            json_out: str | None, csv_out: str | None, stamp_out: str | None,
            junit_out: str | None, fmt: str,
            fail_on: str, max_errors: int | float | None, chunk_rows: int | None,
            in_memory: bool, amendments: tuple[str, ...] = ()) -> None:
    """Evaluate POLICY on ticket data: compliance, uptime and service credits per customer
    and month."""
    from slalang.cli.common import OutputSet, command_outputs
    from slalang.data import read_downtime, read_tickets
    from slalang.evaluation.evaluate import evaluate
    from slalang.evaluation.periods import parse_period, resolve_as_of
    from slalang.plan import compile_plan

    if amendments:  # a contract amended during the period: each month under its version
        from slalang.cli.amended import evaluate_amended

        evaluate_amended(policy, amendments, tickets=tickets, events=events, downtime=downtime,
                         mapping=mapping, roster=roster, period=period, as_of=as_of,
                         json_out=json_out, fmt=fmt, fail_on=fail_on, max_errors=max_errors,
                         refused={"--csv": csv_out, "--stamp": stamp_out, "--junit": junit_out,
                                  "--chunk-rows": chunk_rows})
    pol = load_or_exit(policy)
    # parse the cheap arguments before reading any data, so usage errors come first
    zone = pol.header.timezone
    per = parse_period(period, zone) if period else None
    instant, _ = resolve_as_of(as_of, per)
    if chunk_rows is not None and in_memory:
        raise click.UsageError("--chunk-rows and --in-memory exclude each other")
    ros = _load_roster(pol, roster)
    chunked = _chunk_rows(tickets, events, mapping, chunk_rows, in_memory)
    plan = compile_plan(pol)
    outputs = command_outputs()  # every file of the run, all or none
    down, ev, rows = None, None, 0
    if chunked:
        down = read_downtime(downtime, max_errors=max_errors) if downtime else None
        from slalang.data.stream import NotStreamable
        from slalang.evaluation.streaming import evaluate_chunked

        streamed = OutputSet()
        try:
            with streamed.open(csv_out, "wb") if csv_out else nullcontext() as fh:
                ev, rows = evaluate_chunked(
                    plan, tickets, events, down, ros, as_of=instant, period=per,
                    chunk_rows=chunked, max_errors=max_errors, verdicts=fh,
                    list_tickets=bool(json_out) or fmt == "json")
        except NotStreamable as exc:
            click.echo(f"note: evaluating in memory: {exc}", err=True)
            chunked = None
        finally:
            if ev is None:
                streamed.discard()
        outputs.adopt(streamed)
    if ev is None:
        table = read_tickets(tickets, events=events, mapping=mapping, max_errors=max_errors)
        if down is None and downtime:
            down = read_downtime(downtime, max_errors=max_errors)
        ev = evaluate(plan, table, down, ros, as_of=instant, period=per)
    if max_errors is not None:  # all files together, with the downtime no month measures
        from slalang.data.read import check_errors

        check_errors(list(ev.rejected), max_errors, rows_read(ev, down))

    if json_out:
        from slalang.evaluation.output.json import write_json

        with outputs.open(json_out) as fh:
            write_json(ev, fh)
    if csv_out and not chunked:
        from slalang.evaluation.output.csv import write_verdicts

        with outputs.open(csv_out, "wb") as fh:
            rows = write_verdicts(ev, fh)
    if stamp_out:  # the hashes and version the CSV has no room for
        import json

        from slalang.evaluation.output.csv import stamp

        with outputs.open(stamp_out) as fh:
            json.dump(stamp(ev, rows if csv_out else None), fh, indent=2)
            fh.write("\n")
    if junit_out:
        from slalang.evaluation.output import junit

        with outputs.open(junit_out, "wb") as fh:
            fh.write(junit.dumps(ev))
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
