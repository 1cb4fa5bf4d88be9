"""``evaluate`` and ``report`` over a contract amended during the period (``--amendment``).

Each month is measured under the version in force at its start (:mod:`slalang.versions`);
the outputs name the version and policy hash of every month, and a report opens with a note
of the change. Kept apart from the verbs' modules so those stay about one policy.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Sequence
from decimal import Decimal

import click

from slalang.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, PolicyError, SlalangError


def load(policy: str, amendments: Sequence[str]):
    """The versions (POLICY and the amendments), or exit 2 with the diagnostics of the one
    that does not check."""
    from slalang.diagnostics import render_all
    from slalang.review.revision import read_policy_source
    from slalang.versions import load_versions

    try:
        return load_versions([policy, *amendments])
    except PolicyError as exc:
        files = {d.span.file for d in exc.diagnostics}
        sources = {}
        for f in files:  # a source that cannot be read again prints without its line
            with contextlib.suppress(SlalangError, OSError, UnicodeDecodeError):
                sources[f] = read_policy_source(f).text
        click.echo(render_all(exc.diagnostics, sources), err=True)
        raise SystemExit(EXIT_USAGE) from None


def _parts(policy, amendments, tickets, events, downtime, mapping, roster, period, as_of,
           max_errors):
    from slalang.cli.common import tune_for_one_run

    tune_for_one_run(tickets, events)
    from slalang.data import read_downtime
    from slalang.evaluation.drivers import read_whole
    from slalang.evaluation.periods import parse_period, resolve_as_of
    from slalang.versions import evaluate_versions

    versions = load(policy, amendments)
    zone = versions[-1].policy.header.timezone
    per = parse_period(period, zone) if period else None
    instant, _ = resolve_as_of(as_of, per)
    ros = None
    if roster is not None:
        from slalang.roster import load_roster

        ros = load_roster(roster, versions[-1].policy)
    table = read_whole(tickets, events, mapping, max_errors)
    down = read_downtime(downtime, max_errors=max_errors) if downtime else None
    return evaluate_versions(versions, table, down, per, instant, ros)


def evaluate_amended(policy: str, amendments: Sequence[str], *, tickets, events, downtime,
                     mapping, roster, period, as_of, json_out, fmt, fail_on, max_errors,
                     refused: dict[str, object]) -> None:
    """``slalang evaluate POLICY --amendment OTHER …``: print and exit (see the module)."""
    from slalang.cli.common import atomic_write
    from slalang.cli.evaluate import failed
    from slalang.evaluation.output.summary import evaluation_to_text
    from slalang.versions import months_line, parts_to_json

    given = [name for name, value in refused.items() if value]
    if given:
        verb = "takes" if len(given) == 1 else "take"
        raise click.UsageError(f"{', '.join(given)} {verb} one version of the contract; with "
                               "--amendment, write the JSON (--json), which holds every "
                               "version's evaluation")
    parts = _parts(policy, amendments, tickets, events, downtime, mapping, roster, period,
                   as_of, max_errors)
    doc = parts_to_json(parts)
    if json_out:
        with atomic_write(json_out) as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
    if json_out == "-":
        pass
    elif fmt == "json":
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        out = [f"Measured under {len({p.version.label for p in parts})} version(s) of the "
               "contract, each month under the version in force at its start:"]
        out += [f"  {line}" for line in months_line(parts)]
        for p in parts:
            out += ["", f"== {p.period.label}: version {p.version.label} "
                    f"(effective {p.version.effective.isoformat()}) =="]
            out.append(evaluation_to_text(p.evaluation).rstrip("\n"))
        owed: dict[str, Decimal] = {}
        for v in doc["versions"]:
            for c in v["evaluation"].get("credits_owed") or ():
                owed[c["currency"]] = owed.get(c["currency"], Decimal(0)) + Decimal(c["amount"])
        total = ", ".join(f"{a:.2f} {c}" for c, a in owed.items()) or "none"
        out += ["", f"credits owed over {period or 'the period'}, every version: {total}"]
        click.echo("\n".join(out))
    bad = any(failed(p.evaluation, fail_on) for p in parts)
    raise SystemExit(EXIT_FINDINGS if bad else EXIT_OK)


def _note_html(note: str, title: str) -> str:
    from html import escape

    return (f'<aside class="amendment" role="note"><p><strong>{escape(title)}</strong> '
            f"{escape(note)}</p></aside>")


def combine(documents: Sequence[str], note: str, fmt: str,
            title: str = "Contract amended.") -> str:
    """One document from each version's report: the note first, then each part in turn."""
    if fmt == "md":
        return f"> **{title}** {note}\n\n" + "\n\n---\n\n".join(
            d.strip("\n") for d in documents) + "\n"
    first = documents[0]
    bodies = []
    for d in documents[1:]:
        m = re.search(r"<body[^>]*>(.*)</body>", d, flags=re.S | re.I)
        bodies.append(m.group(1) if m else d)
    opening = re.search(r"<body[^>]*>", first, flags=re.I)
    if opening is None:  # not a full document: stack the parts
        return _note_html(note, title) + "\n" + "\n<hr>\n".join(documents)
    head, rest = first[:opening.end()], first[opening.end():]
    closing = rest.lower().rfind("</body>")
    middle, tail = (rest[:closing], rest[closing:]) if closing >= 0 else (rest, "")
    return (head + "\n" + _note_html(note, title) + middle
            + "".join(f'\n<hr class="amendment">\n{b}' for b in bodies) + tail)


def report_amended(policy: str, amendments: Sequence[str], *, tickets, events, downtime,
                   mapping, roster, period, as_of, max_errors, fmt: str, lang: str, view: str,
                   customer: str | None, out: str, folder: bool, combined: bool,
                   template_dir) -> None:
    """``slalang report POLICY --amendment OTHER …``: one report per version, joined."""
    from slalang.cli.common import command_outputs
    from slalang.cli.report import report_files
    from slalang.evaluation.output.json import evaluation_to_json
    from slalang.render import render_report
    from slalang.versions import amendment_note, amendment_title

    parts = _parts(policy, amendments, tickets, events, downtime, mapping, roster, period,
                   as_of, max_errors)
    docs = [evaluation_to_json(p.evaluation) for p in parts]
    note = amendment_note(parts, lang)
    kind = "html" if fmt == "pdf" else fmt

    def render(one: str | None) -> str | bytes:
        texts = [render_report(d, format=kind, lang=lang, view=view, customer=one,
                               template_dir=template_dir) for d in docs]
        text = combine(texts, note, kind, amendment_title(lang)) if note else texts[0]
        if fmt != "pdf":
            return text
        from slalang.render.pdf import html_to_pdf

        return html_to_pdf(text)

    from slalang.document import build_report

    names = list(dict.fromkeys(c.name for d in docs
                               for c in build_report(d, customer=customer).customers))
    if view == "customers" and not customer and not folder and not combined and len(names) > 1:
        raise click.UsageError(
            f"the evaluation covers {len(names)} customers; each customer's report goes in a "
            "file of its own: give a folder (-o reports/), or --customer NAME; --combined "
            "puts them all in one file for internal use")
    if folder:
        label = period or parts[0].period.label
        files = report_files(names, label, fmt)
        outputs = {f"{out.rstrip('/')}/{files[n]}": render(n) for n in names}
    else:
        outputs = {out: render(customer)}
    written = command_outputs()  # several files: all or none
    for path, data in outputs.items():
        binary = isinstance(data, bytes)
        with written.open(path, "wb" if binary else "w", None if binary else "utf-8") as fh:
            fh.write(data)
        if folder:
            click.echo(f"wrote {path}", err=True)
    written.commit()
    raise SystemExit(EXIT_OK)
