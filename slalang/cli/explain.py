"""`slalang explain POLICY --tickets FILE --ticket ID`: one ticket's clocks, step by step.

Prints, for every metric, the timeline from the clock's start to its stop (counted, paused,
outside hours, holiday/closure, each with the policy line responsible), the due instant and
the verdict. The verdicts are those ``slalang evaluate`` gives the same ticket.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import click

from slalang.cli.check import load_or_exit
from slalang.cli.common import AS_OF_RULE, tune_for_one_run
from slalang.engines import AUTO_BYTES, input_bytes

#: a timeline longer than this is printed compact on a terminal (``--full`` shows it all)
COMPACT_ABOVE = 20


@click.command(name="explain")
@click.argument("policy", type=click.Path())
# not exists=True: a mapped export may be a pattern of page files ('tickets-page*.json'),
# as every other verb takes it; a missing file is named by the reader
@click.option("--tickets", required=True, type=click.Path(),
              help="Tickets: canonical JSONL or CSV, a tool export with --mapping (a pattern "
              "of page files too), or a dataset directory written by `slalang convert`.")
@click.option("--events", type=click.Path(exists=True, dir_okay=False),
              help="Status events CSV.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Mapping YAML for exports.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="Customer roster YAML (default: the one the policy names).")
@click.option("--ticket", "ticket_id", required=True, help="The id of the ticket to explain.")
@click.option("--period", help="The period the ticket is judged in (2026-07, 2026-Q3, "
              "a range): its end is the default --as-of, as in slalang evaluate.")
@click.option("--as-of", "as_of", help="Evaluation instant, ISO 8601 with offset ("
              + AS_OF_RULE + ").")
@click.option("--compact/--full", "compact", default=None,
              help="Compact: one line per counted stretch and per pause, nights, weekends and "
              "holidays folded in; full: every interval. Default: compact on a terminal when "
              f"the timeline has more than {COMPACT_ABOVE} lines, else full.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A readable timeline, or JSON.")
def command(policy: str, tickets: str, events: str | None, mapping: str | None,
            roster: str | None, ticket_id: str, period: str | None, as_of: str | None,
            compact: bool | None, fmt: str) -> None:
    """Explain how POLICY measures one ticket: timeline, due instant and verdict per metric."""
    from slalang.data.invisible import strip_text

    # the id as the data's ids are read: a zero-width space or a no-break space copied from
    # the export along with it is not part of it (the run found no such ticket)
    ticket_id = strip_text(ticket_id)
    if not ticket_id.strip():  # no ticket has a blank id: every rejected row would be "about" it
        raise click.BadParameter(f"{ticket_id!r} is no ticket id: give the id of the ticket "
                                 "to explain", param_hint="--ticket")
    from slalang.data.dataset import is_dataset

    # a dataset is searched for the ticket, a large CSV export streamed for the ticket's rows
    # alone; anything else read whole
    dataset = is_dataset(tickets)
    streamed = not dataset and mapping is None and input_bytes(tickets, events) >= AUTO_BYTES
    if not (dataset or streamed):
        tune_for_one_run(tickets, events)
    from slalang import roster as rosters
    from slalang.evaluation.drivers import read_whole
    from slalang.evaluation.explain import (
        explain_ticket,
        explanation_to_json,
        explanation_to_text,
    )
    from slalang.evaluation.output.common import iso_local
    from slalang.evaluation.periods import parse_period, resolve_as_of
    from slalang.plan import compile_plan

    pol = load_or_exit(policy, roster=roster is None)
    # a bad --period or --as-of fails before any data is read
    per = parse_period(period, pol.header.timezone) if period else None
    at, why = resolve_as_of(as_of, per)
    plan = compile_plan(pol)
    table = None
    lines = _lines
    if dataset:  # the rows the export rejected, kept with the dataset (the export may be gone)
        from slalang.data.dataset import read_manifest

        manifest = read_manifest(tickets)

        def lines(path: str, rows: set[int]) -> dict[int, str]:
            kept = manifest.rejected_lines if path == manifest.source else {}
            found = {k: kept[k] for k in rows if k in kept}
            return {**_lines(path, rows - set(found)), **found}

    if dataset:
        from slalang.data.dataset import read_dataset_ticket
        from slalang.evaluation.drivers import refuse_beside_dataset

        refuse_beside_dataset(tickets, events, mapping)
        table = read_dataset_ticket(tickets, ticket_id)
    elif streamed:
        from slalang.data.one_ticket import ticket_rows

        table = ticket_rows(tickets, events, ticket_id)
        if table is not None and not (table.id == ticket_id).any():
            table = None  # not there: the whole read says why (a rejected row, a near miss)
    if table is None:
        table = read_whole(tickets, events, mapping, None)
    try:
        i = table.index_of(ticket_id)
    except KeyError:
        _not_found(ticket_id, tickets, table.rejected, lines)
    ros = rosters.load_roster(roster) if roster else rosters.roster_for(plan.policy)
    row = table.row(i)
    expl = explain_ticket(plan, row, at, ros)
    source = f"{table.source}:{int(table.source_row[i])}" if table.source else None
    # rows about this ticket that were refused (a duplicate id, a bad event): the explanation
    # is of what was read, and says so
    refused = [str(r) for r in _about(ticket_id, table.rejected, lines)]
    if fmt == "json":
        data = explanation_to_json(expl, plan, source)
        data["rejected_rows"] = refused
        data["as_of_reason"] = why
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        if compact is None:  # long timelines are read on a terminal, piped ones by programs
            compact = (sys.stdout.isatty()
                       and sum(len(m.segments) for m in expl.metrics) > COMPACT_ABOVE)
        text = explanation_to_text(expl, plan, source, as_of_reason=why, compact=compact)
        notes = "".join(f"\nnote: a row about this ticket was rejected: {r}\n" for r in refused)
        created = row.get("created_at")
        if created is not None and created.timestamp() > at:
            # what to change depends on what was given: the as-of, or the period it ends
            fix = ("a later --as-of" if as_of else
                   "the --period the ticket falls in (its end is the as-of)" if period else
                   "--period (its end is the as-of) or --as-of")
            notes += (f"\nnote: the ticket was created after the as-of instant "
                      f"({iso_local(at, plan.timezone)}): nothing of it is measured; give "
                      f"{fix}\n")
        click.echo(text + notes, nl=False)


def _not_found(ticket_id: str, path: str, rejected, lines=None) -> NoReturn:
    """Say why a ticket is not there: most often its row was rejected, and that says why
    (``lines``: as :func:`_about` reads the rejected rows)."""
    from slalang.errors import DataError

    mine = _about(ticket_id, rejected, lines or _lines)
    if mine:
        raise DataError(f"no ticket {ticket_id!r} was read from {path}; rejected while "
                        "reading: " + "; ".join(str(r) for r in mine))
    message = f"no ticket {ticket_id!r} in {path}"
    if rejected:
        message += (f" ({len(rejected)} row(s) were rejected while reading, e.g. "
                    f"{rejected[0]}; `slalang evaluate --format json` lists them all)")
    raise click.BadParameter(message, param_hint="--ticket")


#: rejected rows read back from their files to find the ones about a ticket, at most
MAX_ROWS_READ_BACK = 10_000


def _about(ticket_id: str, rejected, lines=None) -> list:
    """The rejected rows about ``ticket_id``: those whose reason names it (a duplicate id,
    an event for a refused ticket) and those whose line holds it as a whole token (an event
    with an unreadable instant, whose reason names no ticket: it was left out of the note,
    and the ticket explained as if it never paused). Each file is read once, up to its last
    rejected row, for the first :data:`MAX_ROWS_READ_BACK` rows (``lines(file, rows)``:
    the rows' text; default :func:`_lines`). The id counts as a whole token: T-1 must not
    find the row of T-10."""
    import re

    token = re.compile(rf"(?<![\w-]){re.escape(ticket_id)}(?![\w-])")
    named = [repr(ticket_id) in r.reason for r in rejected]
    wanted: dict[str, set[int]] = {}
    for r, hit in list(zip(rejected, named, strict=True))[:MAX_ROWS_READ_BACK]:
        if not hit:
            wanted.setdefault(r.file, set()).add(r.row)
    read = lines or _lines
    found = {(f, k) for f, rows in wanted.items() for k, text in read(f, rows).items()
             if token.search(text)}
    return [r for r, hit in zip(rejected, named, strict=True) if hit or (r.file, r.row) in found]


def _lines(path: str, rows: set[int]) -> dict[int, str]:
    """Lines ``rows`` (1-based) of a text file, gzipped or not, in one pass (none when it
    cannot be read). A CSV row is a line unless a quoted cell spans lines, which ticket ids
    never do."""
    import gzip

    if not rows:
        return {}
    last, out = max(rows), {}
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
            for k, text in enumerate(fh, start=1):
                if k in rows:
                    out[k] = text
                if k >= last:
                    break
    except OSError:
        pass
    return out
