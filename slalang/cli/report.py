"""`slalang report`: compliance reports (customer, QBR, portfolio, public) in HTML or Markdown.

The report is made from an evaluation: a saved ``slalang evaluate --json`` file
(``--from-json``; it carries the provider, the credits and each month's worst breaches and
tickets at risk, so it is enough on its own) or directly from a policy and data with the same
options as ``slalang evaluate``. ``--verdicts`` adds the ``--csv`` verdicts to list every breach
rather than the worst of each month. Nothing is recomputed: the report formats the
evaluation's numbers. Exit codes: 0 written, 2 usage or
input error (see :mod:`slalang.errors`).

A customer report goes to one customer: with several customers in the evaluation, ``-o DIR``
writes one file per customer (``alfa-srl-2026-Q3.html``), and one file holding several
customers is made only on request (``--combined``, for the MSP's own use). Notes meant for
whoever runs the command (how to list every ticket) go to standard error, never into the
document.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import click

from slalang.cli.common import AS_OF_RULE, MaxErrors, quiet_option, tune_for_one_run
from slalang.errors import EXIT_OK, DataError, SlalangError


class UsageError(SlalangError):
    """Options that do not go together."""


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON: {exc.msg}", file=path, row=exc.lineno) from None
    except RecursionError:
        raise DataError("not an evaluation: JSON nested too deeply", file=path) from None
    if not isinstance(doc, dict):
        raise DataError("not an evaluation (expected a JSON object)", file=path)
    check_evaluation(doc, path)
    return doc


def check_evaluation(doc: dict, path: str) -> None:
    """Validate a saved evaluation against the published schema
    (``slalang/schemas/evaluation.schema.json``) before anything reads it, so a damaged or
    hand-edited file gets the first violation with its JSON path, not an internal error."""
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("slalang").joinpath(
        "schemas/evaluation.schema.json").read_text("utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(f"not a valid evaluation at {first.json_path}: "
                        f"{_short(first.message)}{more}", file=path)


def _short(message: str, limit: int = 200) -> str:
    """A schema message cut to a readable length (it may quote a whole subdocument)."""
    return message if len(message) <= limit else message[:limit - 1] + "…"


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


def _format_for(out: str | None, given: str | None, folder: bool = False) -> str:
    if given:
        return given
    if out and out.lower().endswith((".html", ".htm")):
        return "html"
    if out and out.lower().endswith(".pdf"):
        return "pdf"
    return "html" if folder else "md"


#: the file suffix of each output format
SUFFIX = {"html": "html", "md": "md", "pdf": "pdf"}


def file_stem(customer: str) -> str:
    """A customer's name as a file name: lower case ASCII letters, digits and dashes.

    >>> file_stem("Alfa Srl"), file_stem("Caffè <Bar> & Co."), file_stem("***")
    ('alfa-srl', 'caffe-bar-co', 'customer')
    """
    ascii_name = unicodedata.normalize("NFKD", customer).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return stem or "customer"


def report_files(names: list[str], period: str, fmt: str) -> dict[str, str]:
    """One file name per customer (``alfa-srl-2026-Q3.html``), distinct even when two names
    make the same stem.

    >>> report_files(["Alfa Srl", "ALFA srl"], "2026-Q3", "pdf")
    {'Alfa Srl': 'alfa-srl-2026-Q3.pdf', 'ALFA srl': 'alfa-srl-2-2026-Q3.pdf'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        stem, n = file_stem(name), 1
        while (stem if n == 1 else f"{stem}-{n}") in used:
            n += 1
        stem = stem if n == 1 else f"{stem}-{n}"
        used.add(stem)
        label = re.sub(r"[^A-Za-z0-9.-]+", "_", period) if period else "report"
        out[name] = f"{stem}-{label}.{SUFFIX[fmt]}"
    return out


def _is_folder(out: str, view: str = "customers") -> bool:
    """``-o reports/``, an existing folder, or (not for the portfolio, one file) a new name
    without a suffix: ``-o reports`` is read as the folder a user means, not a file named
    ``reports`` (or an error about several customers)."""
    if out == "-":
        return False
    if os.path.isdir(out) or out.endswith(("/", os.sep)):
        return True
    return view != "portfolio" and not Path(out).suffix and not os.path.lexists(out)


def _notes_for_operator(evaluation: dict, has_verdicts: bool) -> list[str]:
    """What the person running the command should know (standard error, not the document)."""
    notes = []
    months = [m for c in evaluation.get("customers") or () if isinstance(c, dict)
              for m in c.get("months") or () if isinstance(m, dict)]
    if not has_verdicts and any(m.get("breaches") is None for m in months):
        notes.append("note: the evaluation lists no tickets; give the verdict CSV "
                     "(slalang evaluate --csv FILE) with --verdicts to list the breaches")
    elif not has_verdicts and any(
            (m.get(k) or {}).get("count", 0) > len((m.get(k) or {}).get("tickets") or ())
            for m in months for k in ("breaches", "at_risk")):
        notes.append("note: the report lists the worst tickets of each month; the verdict CSV "
                     "(slalang evaluate --csv FILE) given with --verdicts lists every one")
    return notes


@click.command(name="report")
@click.argument("policy", required=False, type=click.Path(dir_okay=False))
@click.option("--from-json", "from_json", type=click.Path(dir_okay=False),
              help="Report on a saved evaluation (slalang evaluate --json FILE).")
@click.option("--verdicts", type=click.Path(dir_okay=False),
              help="With --from-json: the ticket verdicts (slalang evaluate --csv FILE), to "
              "list every breach and ticket at risk (the JSON lists the worst of each month).")
@click.option("--tickets", type=click.Path(),
              help="Tickets, as for slalang evaluate: an export, or a dataset directory "
              "written by `slalang convert` (needs POLICY).")
@click.option("--events", type=click.Path(dir_okay=False), help="Status events CSV.")
@click.option("--downtime", type=click.Path(dir_okay=False), help="Downtime records.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Ticket export mapping YAML.")
@click.option("--roster", type=click.Path(dir_okay=False), help="Customer roster YAML.")
@click.option("--period", help="2026-07 (month) or 2026-Q3 (quarter, the QBR); with "
              "--from-json, selects months of the saved evaluation.")
@click.option("--as-of", "as_of", help="Evaluation instant, ISO 8601 with offset ("
              + AS_OF_RULE + ").")
@click.option("--max-errors", type=MaxErrors(),
              help="Stop with exit 2 when more input rows than this are rejected: a number "
              "(10) or a share of the rows read (5%).")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "pdf"]),
              help="Output format (default: from the -o suffix .html/.pdf; html for a "
              "folder; else md). pdf needs the 'pdf' extra (WeasyPrint).")
@click.option("--lang", type=click.Choice(["en", "it"]), default="en", show_default=True,
              help="Language of words, numbers and dates.")
@click.option("--customer", help="Report on one customer only.")
@click.option("--portfolio", is_flag=True,
              help="The MSP's view: every customer's compliance, uptime and credits.")
@click.option("--public", is_flag=True,
              help="A public summary: on-time rates per priority, no names, no money.")
@click.option("--combined", is_flag=True,
              help="Several customers' reports in one file (for the MSP's own use: it holds "
              "every customer's fees and credits). Without it, give -o DIR for one file each.")
@click.option("-o", "--output", "out", type=click.Path(allow_dash=True),
              default="-", show_default=True,
              help="Where to write the report: a file, - (standard output), or a folder "
              "(ending in /, existing, or a new name without a suffix) for one file per "
              "customer.")
@click.option("--record", type=click.Path(dir_okay=False),
              help="Also keep the evaluated months in this SQLite history database.")
@click.option("--history", type=click.Path(dir_okay=False),
              help="Draw trends with the months recorded in this history database.")
@click.option("--templates", "--template-dir", "template_dir", type=click.Path(file_okay=False),
              help="Folder with report/*.j2 templates overriding the shipped ones.")
@click.option("--amendment", "amendments", multiple=True, metavar="FILE|REV:PATH",
              help="Another version of the contract; each month is reported under the "
              "version in force at its start, and the report notes the change. Repeatable.")
@quiet_option
def command(policy: str | None, from_json: str | None, verdicts: str | None,
            tickets: str | None, events: str | None, downtime: str | None,
            mapping: str | None, roster: str | None, period: str | None, as_of: str | None,
            max_errors: int | float | None, fmt: str | None, lang: str, customer: str | None,
            portfolio: bool, public: bool, combined: bool, out: str, record: str | None,
            history: str | None, template_dir: str | None,
            amendments: tuple[str, ...] = (), quiet: bool = False) -> None:
    """Render a compliance report from POLICY and data, or from a saved evaluation.

    \b
    slalang report policies/reference.sla --tickets t.jsonl --downtime d.csv \\
        --period 2026-Q3 -o qbr/            # one file per customer
    slalang report --from-json ev.json --customer "Alfa Srl" --lang it -o alfa.pdf
    """
    from slalang.cli.common import command_outputs, distinct_outputs
    from slalang.document import read_verdicts
    from slalang.render import render_report

    # --record is written too (inside a dataset given as --tickets, it would be among the
    # files the dataset holds); it may name the --history database, whose trends it extends
    # (docs/render/history.md), so that one input is not counted as an input it would replace
    extends = bool(record and history) and os.path.realpath(record) == os.path.realpath(history)
    distinct_outputs({"--output": out, "--record": record},
                     (policy, from_json, verdicts, tickets, events, downtime, mapping, roster,
                      template_dir, None if extends else history, *amendments))
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
    if combined and (customer or portfolio or public):
        raise UsageError("--combined puts several customers' reports in one file; it does "
                         "not go with --customer, --portfolio or --public")
    view = "portfolio" if portfolio else "public" if public else "customers"
    folder = _is_folder(out, view)
    if folder and view == "portfolio":
        raise UsageError(f"-o {out}: a folder takes one report per customer (or the public "
                         "page and its badges); give a file name for the portfolio report")
    fmt = _format_for(out, fmt, folder)
    if amendments:  # a contract amended during the period: one part per version, joined
        if from_json or record or history:
            raise UsageError("--amendment evaluates POLICY and its amendments: it does not go "
                             "with --from-json, --record or --history")
        from slalang.cli.amended import report_amended

        report_amended(policy, amendments, tickets=tickets, events=events, downtime=downtime,
                       mapping=mapping, roster=roster, period=period, as_of=as_of,
                       max_errors=max_errors, fmt=fmt, lang=lang, view=view, customer=customer,
                       out=out, folder=folder, combined=combined, template_dir=template_dir)
    if history is not None:  # a missing history database is the error to report first
        from slalang.history import connect

        connect(history).close()

    def one_file(names: list[str]) -> None:
        """Refuse several customers' reports in one file (unless --combined)."""
        if view == "customers" and not customer and not folder and not combined \
                and len(names) > 1:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more"
                                            if len(names) > 5 else "")
            raise UsageError(
                f"the evaluation covers {len(names)} customers ({shown}); each "
                f"customer's report goes in a file of its own: give a folder (-o reports/), "
                f"or --customer NAME; --combined puts them all in one file for internal use")

    if from_json:
        if as_of:
            raise UsageError("--as-of is fixed by the saved evaluation; evaluate again to "
                             "change it")
        evaluation = _read_json(from_json)
        months = months_of(period, evaluation.get("period") or {})
        rows = read_verdicts(verdicts) if verdicts else None
        if rows is not None:  # another run's verdicts told another story than its counts
            from slalang.document import check_same_run

            check_same_run(evaluation, rows)
    else:
        # a report of one customer needs that customer's part of the document alone (all
        # of it is recorded in a history)
        only = customer if view == "customers" and not record else None
        # the customers are known once evaluated: too many for one file is said then, not
        # after the whole document is built (17 s of the 1m bench set's 5,000 customers)
        evaluation = _evaluate(policy, tickets, events, downtime, mapping, roster, period,
                               as_of, max_errors, only, one_file, quiet)
        months, rows = None, None
    # read (and check) the evaluation once before anything else: a month or customer not in
    # it is the error to report, whatever the output
    from slalang.document import build_report

    if customer is not None:
        _known_customer(customer, evaluation)
    names = [c.name for c in build_report(evaluation, verdicts=rows, customer=customer,
                                          months=months).customers]
    one_file(names)

    def render(one: str | None) -> str | bytes:
        html_or_text = render_report(
            evaluation, verdicts=rows, format="html" if fmt == "pdf" else fmt, lang=lang,
            view=view, customer=one, months=months, history=history,
            template_dir=template_dir)
        if fmt != "pdf":
            return html_or_text
        from slalang.render.pdf import html_to_pdf

        return html_to_pdf(html_or_text)

    # render everything before writing anything: a failure leaves no partial set of files
    if view == "public":
        outputs = _public_outputs(evaluation, out, folder, fmt, lang, render)
    elif folder:
        wanted = [customer] if customer else names
        outputs = {}
        period_label = months[0] if months and len(months) == 1 else (
            period or str((evaluation.get("period") or {}).get("label") or ""))
        files = report_files(wanted, period_label, fmt)
        from slalang.cli.progress import progress_for

        with progress_for(quiet) as progress:  # 5,000 customers' files: a minute or more
            for k, name in enumerate(wanted, 1):
                outputs[str(Path(out) / files[name])] = render(name)
                if progress is not None:
                    progress("render", k, len(wanted))
    else:
        outputs = {out: render(customer)}
    written = command_outputs()  # several files: all or none
    for path, data in outputs.items():
        binary = isinstance(data, bytes)
        with written.open(path, "wb" if binary else "w", None if binary else "utf-8") as fh:
            fh.write(data)
    if record:  # once every file is written, before any is in place: a failed write no
        # longer leaves the months recorded, and a failed record leaves no report
        from slalang.history import record as record_history

        n = record_history(record, evaluation)
        click.echo(f"recorded {n} customer-month(s) in {record}", err=True)
    written.commit()
    if len(outputs) > 1:  # said once they are in place (a stopped run said it of files
        # it then discarded)
        for path in outputs:
            click.echo(f"wrote {path}", err=True)
    for note in _notes_for_operator(evaluation, rows is not None):
        click.echo(note, err=True)
    raise SystemExit(EXIT_OK)


#: up to this many customers, a customer not found is told them all
NAMED_CUSTOMERS = 10


def _known_customer(customer: str, evaluation: dict) -> None:
    """Refuse a ``--customer`` the evaluation does not hold, with the names closest to it
    and how many there are: every name on one line was 11.8 kB for 1,473 customers."""
    import difflib

    entries = evaluation.get("customers")
    if not isinstance(entries, list):
        return  # a malformed document: building the report says what is wrong with it
    names = [str(c.get("customer")) for c in entries if isinstance(c, dict)]
    if customer in names:
        return
    close = difflib.get_close_matches(customer, names, n=3, cutoff=0.6)
    message = f"no customer {customer!r} in the evaluation"
    if close:
        shown = [repr(n) for n in close]
        message += "; did you mean " + " or ".join([", ".join(shown[:-1]), shown[-1]]
                                                   if len(shown) > 1 else shown) + "?"
    if len(names) <= NAMED_CUSTOMERS:
        message += f" (customers: {', '.join(names)})"
    else:
        message += (f" ({len(names):,} customers: the portfolio report, --portfolio instead "
                    "of --customer, lists them all)")
    raise DataError(message)


def _public_outputs(evaluation: dict, out: str, folder: bool, fmt: str, lang: str,
                    render) -> dict[str, str | bytes]:
    """The public page and an SVG badge per metric and priority beside it: ``DIR/index.html``
    and ``DIR/badge-response-p1.svg``, or ``page.html`` and ``page-badge-response-p1.svg``;
    no badges when the page goes to standard output."""
    from slalang.render.badge import public_badges

    if out == "-":
        return {out: render(None)}
    if folder:
        page = Path(out) / f"index.{SUFFIX[fmt]}"
        return {str(page): render(None), **{str(Path(out) / name): svg for name, svg
                                             in public_badges(evaluation, lang).items()}}
    stem = Path(out).with_suffix("")
    return {out: render(None), **{f"{stem}-{name}": svg for name, svg
                                  in public_badges(evaluation, lang).items()}}


def _evaluate(policy, tickets, events, downtime, mapping, roster, period, as_of,
              max_errors, customer: str | None = None,
              check: Callable[[list[str]], None] | None = None, quiet: bool = False) -> dict:
    """Evaluate as ``slalang evaluate`` does; the evaluation JSON dict (what ``--json``
    saves, so a direct report and one from the saved file are the same). ``customer``:
    with that customer's entries alone, when it has any (else every customer's, which the
    error naming the customers there are reads). ``check`` is given the customers of the
    document's entries before it is built.

    The engine is chosen for the input as ``slalang evaluate`` chooses it (``auto``: a large
    CSV export in chunks on every core, in bounded memory; a dataset on Dask), and the
    process tuned for it."""
    tune_for_one_run(tickets, events, "auto")
    from slalang.cli.check import load_or_exit
    from slalang.cli.evaluate import _load_roster, nothing_measured
    from slalang.cli.progress import progress_for
    from slalang.evaluation.drivers import evaluate_input
    from slalang.evaluation.output.json import evaluation_to_json
    from slalang.evaluation.periods import parse_period, resolve_as_of
    from slalang.plan import compile_plan

    pol = load_or_exit(policy)
    zone = pol.header.timezone
    per = parse_period(period, zone) if period else None
    instant, _ = resolve_as_of(as_of, per)
    ros = _load_roster(pol, roster)
    with progress_for(quiet) as progress:
        run = evaluate_input(compile_plan(pol), tickets, events, downtime, ros,
                             as_of=instant, period=per, mapping=mapping,
                             max_errors=max_errors, progress=progress)
    for note in run.notes:
        click.echo(f"note: {note}", err=True)
    ev = run.evaluation
    nothing_measured(ev)  # no report of a period the data does not cover
    if check is not None:
        a = ev.agg
        check([a.customers[a.g_customer[s]] for s, _ in ev.customer_groups()])
    if customer is not None and not ev.customer_groups(customer):
        customer = None
    return evaluation_to_json(ev, customer)
