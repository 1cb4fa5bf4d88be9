"""`slalang explain POLICY --tickets FILE --ticket ID`: one ticket's clocks, step by step.

Prints, for every metric, the timeline from the clock's start to its stop (counted, paused,
outside hours, holiday/closure, each with the policy line responsible), the due instant and
the verdict. The verdicts are those ``slalang evaluate`` gives the same ticket.
"""

from __future__ import annotations

import json
from typing import NoReturn

import click

from slalang.cli.check import load_or_exit


@click.command(name="explain")
@click.argument("policy", type=click.Path())
@click.option("--tickets", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Tickets: canonical JSONL or CSV, or a tool export with --mapping.")
@click.option("--events", type=click.Path(exists=True, dir_okay=False),
              help="Status events CSV.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Mapping YAML for exports.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="Customer roster YAML (default: the one the policy names).")
@click.option("--ticket", "ticket_id", required=True, help="The id of the ticket to explain.")
@click.option("--as-of", "as_of", help="Evaluation instant, ISO 8601 with offset "
              "(default: the latest instant in the ticket, so the output is reproducible).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A readable timeline, or JSON.")
def command(policy: str, tickets: str, events: str | None, mapping: str | None,
            roster: str | None, ticket_id: str, as_of: str | None, fmt: str) -> None:
    """Explain how POLICY measures one ticket: timeline, due instant and verdict per metric."""
    from slalang import roster as rosters
    from slalang.data import read_tickets
    from slalang.evaluation.explain import (
        explain_ticket,
        explanation_to_json,
        explanation_to_text,
    )
    from slalang.evaluation.periods import parse_instant
    from slalang.plan import compile_plan

    given = parse_instant(as_of) if as_of is not None else None  # a bad --as-of fails first
    plan = compile_plan(load_or_exit(policy, roster=roster is None))
    table = read_tickets(tickets, events, mapping=mapping)
    try:
        i = table.index_of(ticket_id)
    except KeyError:
        _not_found(ticket_id, tickets, table.rejected)
    ros = rosters.load_roster(roster) if roster else rosters.roster_for(plan.policy)
    row = table.row(i)
    at = _latest_instant(row) if given is None else given
    expl = explain_ticket(plan, row, at, ros)
    source = f"{table.source}:{int(table.source_row[i])}" if table.source else None
    # rows about this ticket that were refused (a duplicate id, a bad event): the explanation
    # is of what was read, and says so
    refused = [str(r) for r in table.rejected if repr(ticket_id) in r.reason]
    if fmt == "json":
        data = explanation_to_json(expl, plan, source)
        data["rejected_rows"] = refused
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        text = explanation_to_text(expl, plan, source, latest=as_of is None)
        notes = "".join(f"\nnote: a row about this ticket was rejected: {r}\n" for r in refused)
        click.echo(text + notes, nl=False)


def _latest_instant(row: dict) -> int:
    """The ticket's last recorded instant: everything known about it is known by then."""
    import datetime as dt

    found = [v for v in row.values() if isinstance(v, dt.datetime)]
    found += [e["at"] for e in row.get("events", ())]
    return int(max(found).timestamp())


def _not_found(ticket_id: str, path: str, rejected) -> NoReturn:
    """Say why a ticket is not there: most often its row was rejected, and that says why."""
    import re

    from slalang.errors import DataError

    # the id as a whole token of the rejected line: T-1 must not find the row of T-10
    token = re.compile(rf"(?<![\w-]){re.escape(ticket_id)}(?![\w-])")
    mine = [r for r in rejected if repr(ticket_id) in r.reason
            or token.search(_line(r.file, r.row))]
    if mine:
        raise DataError(f"no ticket {ticket_id!r} was read from {path}; rejected while "
                        "reading: " + "; ".join(str(r) for r in mine))
    message = f"no ticket {ticket_id!r} in {path}"
    if rejected:
        message += (f" ({len(rejected)} row(s) were rejected while reading, e.g. "
                    f"{rejected[0]}; `slalang evaluate --format json` lists them all)")
    raise click.BadParameter(message, param_hint="--ticket")


def _line(path: str, row: int) -> str:
    """Line ``row`` (1-based) of a text file, gzipped or not; empty when it cannot be read.

    A CSV row is a line unless a quoted cell spans lines, which ticket ids never do.
    """
    import gzip

    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
            for k, text in enumerate(fh, start=1):
                if k == row:
                    return text
    except OSError:
        pass
    return ""
