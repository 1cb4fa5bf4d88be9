"""`slalang contract POLICY`: the contract appendix, rendered from the policy."""

from __future__ import annotations

import click

from slalang.cli.common import atomic_write
from slalang.diagnostics import render_all
from slalang.errors import EXIT_USAGE, PolicyError
from slalang.language import load_policy, read_source
from slalang.model import Policy, Roster
from slalang.render.contract import render_contract
from slalang.render.errors import RenderError
from slalang.render.i18n import LANGS
from slalang.roster import load_roster, roster_for


@click.command(name="contract")
@click.argument("policy_path", metavar="POLICY", type=click.Path(dir_okay=False))
@click.option("--tier", help="Render one tier only.")
@click.option("--customer", help="Render a customer's tier, fee and services (from the roster).")
@click.option("--roster", "roster_path", type=click.Path(dir_okay=False),
              help="Customer roster (default: the one the policy names).")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
              help="Language of the text.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default="md",
              show_default=True, help="Markdown, self-contained HTML, or PDF (A4, numbered "
              "pages; needs the 'pdf' extra, WeasyPrint).")
@click.option("-o", "--output", default="-", show_default=True, metavar="OUT",
              help="Output file ('-' for standard output).")
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False),
              help="Folder of your own templates; they override the shipped ones by name "
                   "and render in a sandbox.")
@click.option("--list-fee", is_flag=True,
              help="With --customer: show the tier's list price beside a negotiated fee (an "
                   "internal copy; the customer's appendix shows only the fee they pay).")
def command(policy_path: str, tier: str | None, customer: str | None, roster_path: str | None,
            lang: str, fmt: str, output: str, templates_dir: str | None,
            list_fee: bool) -> None:
    """Render the contract appendix of POLICY: numbered articles (definitions, scope,
    priorities, support, business hours, service levels, exclusions, service credits,
    reporting, review) and the signature block, in English or Italian, as Markdown, HTML or
    PDF.

    Without --tier or --customer every tier is rendered.
    """
    if tier and customer:
        raise click.UsageError("give --tier or --customer, not both")
    if list_fee and not customer:  # taken in silence before: the fee is a customer's
        raise click.UsageError("--list-fee goes with --customer (the fee printed is that "
                               "customer's list fee)")
    from slalang.cli.common import distinct_outputs

    distinct_outputs({"--output": output}, (policy_path, roster_path, templates_dir))
    policy = _load(policy_path)
    roster = _roster(policy, roster_path) if customer else None
    if roster is not None:
        _warn_unlabelled(policy, roster, customer, lang)
    text = render_contract(policy, tier=tier, customer=customer, roster=roster, lang=lang,
                           fmt="html" if fmt == "pdf" else fmt, templates_dir=templates_dir,
                           plan=_plan(policy), list_fee=list_fee)
    if fmt == "pdf":
        from slalang.render.pdf import html_to_pdf

        data = html_to_pdf(text, lang)
        with atomic_write(output, "wb") as fh:
            fh.write(data)
        return
    with atomic_write(output) as fh:
        fh.write(text)


def _warn_unlabelled(policy: Policy, roster: Roster, customer: str, lang: str) -> None:
    """The roster's services are codes too: one the policy gives no label in ``lang`` would
    print as the code itself, so the operator is told (on stderr, never in the document)."""
    who = roster.get(customer)
    if who is None:
        return
    missing = [s for s in who.services if policy.label(s, lang) is None]
    if missing:
        names = ", ".join(missing)
        click.echo(f"warning: the policy has no {lang!r} label for the service(s) {names} of "
                   f"{who.name}; the appendix shows the code. Declare one, e.g. "
                   f'`label {missing[0]} "..." it "..."`', err=True)


def _load(path: str) -> Policy:
    """The checked policy, or its diagnostics printed and exit 2."""
    try:
        return load_policy(path)
    except PolicyError as exc:
        try:
            sources = {path: read_source(path)[0]}
        except (OSError, UnicodeDecodeError):
            sources = {}
        click.echo(render_all(exc.diagnostics, sources), err=True)
        raise SystemExit(EXIT_USAGE) from None


def _roster(policy: Policy, path: str | None) -> Roster:
    """The roster given with --roster, else the one the policy's header names."""
    roster = load_roster(path, policy) if path else roster_for(policy)
    if roster is None:
        raise RenderError("--customer needs a roster: the policy names none; give --roster")
    return roster


def _plan(policy: Policy):
    """The compiled plan: the service-level table is rendered from what evaluation reads."""
    from slalang.plan import compile_plan

    return compile_plan(policy)
