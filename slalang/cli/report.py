"""`slalang report`: compliance reports (customer, QBR, portfolio, public) in HTML or Markdown.

The report is made from an evaluation: a saved ``slalang evaluate --json`` file
(``--from-json``; it carries the provider, the credits and each month's worst breaches and
tickets at risk, so it is enough on its own) or directly from a policy and data with the same
options as ``slalang evaluate``. ``--verdicts`` adds the ``--csv`` verdicts to list every breach
rather than the worst of each month. Nothing is recomputed: the report formats the
evaluation's numbers. Exit codes: 0 written, 2 usage or
input error (see :mod:`slalang.errors`).
"""

from __future__ import annotations

import json
import re

import click

from slalang.cli.common import AS_OF_RULE
from slalang.errors import EXIT_OK, DataError, SlalangError


class UsageError(SlalangError):
    """Options that do not go together."""


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON: {exc.msg}", file=path, row=exc.lineno) from None
    if not isinstance(doc, dict):
        raise DataError("not an evaluation (expected a JSON object)", file=path)
    return doc


def months_of(selection: str | None, period: dict) -> list[str] | None:
    """The months of a saved evaluation that ``--period`` selects (None: all of them).

    >>> p = {"label": "2026-Q3", "months": ["2026-07", "2026-08", "2026-09"]}
    >>> months_of("2026-08", p), months_of("2026-Q3", p), months_of(None, p)
    (['2026-08'], None, None)
    """
    if selection is None or selection == period.get("label"):
        return None
    if re.fullmatch(r"\d{4}-\d{2}", selection):
        return [selection]
    q = re.fullmatch(r"(\d{4})-[Qq]([1-4])", selection)
    if q:
        year, n = int(q[1]), int(q[2])
        return [f"{year}-{m:02d}" for m in range(3 * n - 2, 3 * n + 1)]
    raise UsageError(f"--period {selection!r}: with --from-json, give a month (2026-07) or a "
                     f"quarter (2026-Q3) of the evaluated period {period.get('label', '')}")


def _format_for(out: str | None, given: str | None) -> str:
    if given:
        return given
    if out and out.lower().endswith((".html", ".htm")):
        return "html"
    return "md"


@click.command(name="report")
@click.argument("policy", required=False, type=click.Path(dir_okay=False))
@click.option("--from-json", "from_json", type=click.Path(dir_okay=False),
              help="Report on a saved evaluation (slalang evaluate --json FILE).")
@click.option("--verdicts", type=click.Path(dir_okay=False),
              help="With --from-json: the ticket verdicts (slalang evaluate --csv FILE), to "
              "list every breach and ticket at risk (the JSON lists the worst of each month).")
@click.option("--tickets", type=click.Path(dir_okay=False),
              help="Tickets, as for slalang evaluate (needs POLICY).")
@click.option("--events", type=click.Path(dir_okay=False), help="Status events CSV.")
@click.option("--downtime", type=click.Path(dir_okay=False), help="Downtime records.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Ticket export mapping YAML.")
@click.option("--roster", type=click.Path(dir_okay=False), help="Customer roster YAML.")
@click.option("--period", help="2026-07 (month) or 2026-Q3 (quarter, the QBR); with "
              "--from-json, selects months of the saved evaluation.")
@click.option("--as-of", "as_of", help="Evaluation instant, ISO 8601 with offset ("
              + AS_OF_RULE + ").")
@click.option("--max-errors", type=click.IntRange(min=0),
              help="Stop with exit 2 when more input rows than this are rejected.")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]),
              help="Output format (default: html when -o ends in .html, else md).")
@click.option("--lang", type=click.Choice(["en", "it"]), default="en", show_default=True,
              help="Language of words, numbers and dates.")
@click.option("--customer", help="Report on one customer only.")
@click.option("--portfolio", is_flag=True,
              help="The MSP's view: every customer's compliance, uptime and credits.")
@click.option("--public", is_flag=True,
              help="A public summary: on-time rates per priority, no names, no money.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", show_default=True, help="Where to write the report.")
@click.option("--record", type=click.Path(dir_okay=False),
              help="Also keep the evaluated months in this SQLite history database.")
@click.option("--history", type=click.Path(dir_okay=False),
              help="Draw trends with the months recorded in this history database.")
@click.option("--templates", "--template-dir", "template_dir", type=click.Path(file_okay=False),
              help="Folder with report/*.j2 templates overriding the shipped ones.")
def command(policy: str | None, from_json: str | None, verdicts: str | None,
            tickets: str | None, events: str | None, downtime: str | None,
            mapping: str | None, roster: str | None, period: str | None, as_of: str | None,
            max_errors: int | None, fmt: str | None, lang: str, customer: str | None,
            portfolio: bool, public: bool, out: str, record: str | None, history: str | None,
            template_dir: str | None) -> None:
    """Render a compliance report from POLICY and data, or from a saved evaluation.

    \b
    slalang report policies/reference.sla --tickets t.jsonl --downtime d.csv \\
        --period 2026-Q3 -o qbr.html
    slalang report --from-json ev.json --customer "Alfa Srl" --lang it
    """
    from slalang.cli.common import atomic_write
    from slalang.document import read_verdicts
    from slalang.render import render_report

    if portfolio and public:
        raise UsageError("choose one of --portfolio and --public")
    if from_json and (policy or tickets):
        raise UsageError("give either --from-json FILE or POLICY with --tickets, not both")
    if not from_json and not (policy and tickets):
        raise UsageError("give a saved evaluation (--from-json FILE) or POLICY with --tickets "
                         "(see slalang report --help)")
    if verdicts and not from_json:
        raise UsageError("--verdicts goes with --from-json (from POLICY the verdicts are known)")
    if customer and (portfolio or public):
        raise UsageError("--customer makes a customer report; drop --portfolio/--public")
    view = "portfolio" if portfolio else "public" if public else "customers"
    if from_json:
        if as_of:
            raise UsageError("--as-of is fixed by the saved evaluation; evaluate again to "
                             "change it")
        evaluation = _read_json(from_json)
        months = months_of(period, evaluation.get("period") or {})
        rows = read_verdicts(verdicts) if verdicts else None
    else:
        evaluation = _evaluate(policy, tickets, events, downtime, mapping, roster, period,
                               as_of, max_errors)
        months, rows = None, None
    text = render_report(evaluation, verdicts=rows, format=_format_for(out, fmt), lang=lang,
                         view=view, customer=customer, months=months, history=history,
                         template_dir=template_dir)
    if record:
        from slalang.history import record as record_history

        n = record_history(record, evaluation)
        click.echo(f"recorded {n} customer-month(s) in {record}", err=True)
    with atomic_write(out) as fh:
        fh.write(text)
    raise SystemExit(EXIT_OK)


def _evaluate(policy, tickets, events, downtime, mapping, roster, period, as_of,
              max_errors) -> dict:
    """Evaluate as ``slalang evaluate`` does; the evaluation JSON dict (what ``--json``
    saves, so a direct report and one from the saved file are the same)."""
    from slalang.cli.check import load_or_exit
    from slalang.cli.evaluate import _load_roster
    from slalang.data import read_downtime, read_tickets
    from slalang.evaluation.evaluate import evaluate
    from slalang.evaluation.output.json import evaluation_to_json
    from slalang.evaluation.periods import parse_period, resolve_as_of
    from slalang.plan import compile_plan

    pol = load_or_exit(policy)
    zone = pol.header.timezone
    per = parse_period(period, zone) if period else None
    instant, _ = resolve_as_of(as_of, per)
    ros = _load_roster(pol, roster)
    table = read_tickets(tickets, events=events, mapping=mapping, max_errors=max_errors)
    down = read_downtime(downtime) if downtime else None
    ev = evaluate(compile_plan(pol), table, down, ros, as_of=instant, period=per)
    return evaluation_to_json(ev)
