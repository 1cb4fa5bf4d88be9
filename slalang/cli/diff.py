"""`slalang diff OLD NEW`: what a policy change changes, and what it would have cost.

OLD and NEW are policy files or git revisions (``main:policies/reference.sla``,
``HEAD~1:policies/reference.sla``). Without data: the plan diff. With ``--tickets``: both
versions replayed on the same data. Exit codes: 0 done, 1 per ``--fail-on``, 2 usage or input.
"""

from __future__ import annotations

import json

import click

from slalang.cli.common import (
    AS_OF_RULE,
    dataset_scheduler_option,
    max_errors_option,
    quiet_option,
    tune_for_one_run,
)
from slalang.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, DataError, PolicyError

FAIL_ON = ("never", "credit-increase", "any-flip")


def load_version(spec: str):
    """(PolicySource, Policy) of a file or ``REV:PATH``; a policy with errors prints its
    diagnostics with carets and exits 2 (a diff against a broken policy would lie)."""
    from slalang.diagnostics import render_all
    from slalang.review.revision import load_policy_source, read_policy_source

    source = read_policy_source(spec)
    try:
        return source, load_policy_source(source)
    except PolicyError as exc:
        click.echo(render_all(exc.diagnostics, {spec: source.text}), err=True)
        raise SystemExit(EXIT_USAGE) from None


def failed(review, fail_on: str) -> bool:
    """Whether the change fails the pipeline: some customer-month's credit grows
    (``credit-increase``), or some objective or ticket verdict flips (``any-flip``)."""
    if fail_on == "never" or review.impact is None:
        return False
    if fail_on == "credit-increase":
        return review.impact.credit_increase
    return review.impact.any_flip


@click.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--tickets", type=click.Path(),
              help="Replay both versions on these tickets (canonical JSONL/CSV, an export "
              "with --mapping, or a dataset directory written by `slalang convert`).")
@click.option("--events", type=click.Path(dir_okay=False), help="Status events CSV.")
@click.option("--downtime", type=click.Path(dir_okay=False), help="Downtime records.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="YAML mapping of the export.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="Customer roster for both versions (default: each version's own).")
@click.option("--period", help="2026-07, 2026-Q3 or 2026-07-01..2026-09-30 (default: the "
              "months the tickets span).")
@click.option("--as-of", "as_of", help="Evaluation instant, ISO 8601 with offset ("
              + AS_OF_RULE + ").")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="Text, JSON, or Markdown for a pull-request comment.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write the report here (default: standard output).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True,
              help="Exit 1 when some customer-month's credit grows, or when any objective or "
              "ticket verdict flips (needs --tickets).")
@max_errors_option
@quiet_option
@dataset_scheduler_option
def command(old: str, new: str, tickets: str | None, events: str | None, downtime: str | None,
            mapping: str | None, roster: str | None, period: str | None, as_of: str | None,
            fmt: str, output: str, fail_on: str, quiet: bool, scheduler: str | None,
            max_errors: int | float | None = None) -> None:
    """Compare the policies OLD and NEW (files or git revisions such as main:policies/x.sla):
    the promises that change and, with --tickets, both replayed on the same data."""
    from slalang.cli.common import atomic_write, distinct_outputs
    from slalang.plan import compile_plan, diff_plans

    distinct_outputs({"--output": output},
                     (old, new, tickets, events, downtime, mapping, roster))
    if scheduler is not None:  # said now: Dask would raise its own ValueError, or time out;
        # an empty one too, which the check for --tickets below would let pass
        from slalang.evaluation.distributed import check_scheduler

        check_scheduler(scheduler, "--scheduler")
    from slalang.review.render import (
        Review,
        review_to_json,
        review_to_markdown,
        review_to_text,
    )

    if tickets is None:
        given = [name for name, v in (("--events", events), ("--downtime", downtime),
                                      ("--mapping", mapping), ("--period", period),
                                      ("--as-of", as_of), ("--scheduler", scheduler)) if v]
        if given:
            raise click.UsageError(f"{', '.join(given)} need --tickets (the data to replay)")
        if fail_on != "never":
            raise click.UsageError(f"--fail-on {fail_on} needs --tickets (the data to replay)")
    old_source, old_policy = load_version(old)
    new_source, new_policy = load_version(new)
    old_plan, new_plan = compile_plan(old_policy), compile_plan(new_policy)
    changes = tuple(diff_plans(old_plan, new_plan).splitlines())
    impact = None
    if tickets is not None:
        from slalang.cli.common import scheduler_needs_dataset
        from slalang.engines import reads_in_chunks
        from slalang.review.impact import replay_input

        scheduler_needs_dataset(scheduler, tickets)

        # a replay chunk by chunk runs untuned: on the sequential reader's one process the
        # tuned heap took 26.7 s and 25 GB of fresh memory for the 10m set, against 18.6 s
        # and 9.6 GB; on the split reader 10.8 s against 10.5 s
        if not reads_in_chunks(tickets, events, mapping):
            tune_for_one_run(tickets, events)
        from slalang.data import read_downtime
        from slalang.evaluation.periods import parse_period, resolve_as_of
        from slalang.review.revision import roster_of

        zone = new_policy.header.timezone
        per = parse_period(period, zone) if period else None
        instant, _ = resolve_as_of(as_of, per)  # the same default as every other verb
        if roster is not None:
            from slalang.roster import load_roster

            rosters = (load_roster(roster, old_policy), load_roster(roster, new_policy))
        else:
            rosters = (roster_of(old_source, old_policy), roster_of(new_source, new_policy))
        from slalang.cli.progress import progress_for

        down = read_downtime(downtime) if downtime else None
        with progress_for(quiet) as progress:
            impact = replay_input(old_plan, new_plan, tickets, events, down, *rosters,
                                  period=per, as_of=instant, mapping=mapping,
                                  progress=progress, scheduler=scheduler)
        if impact.tickets == 0:
            raise DataError(f"no ticket falls in {impact.period}: nothing was replayed",
                            file=tickets)
        from slalang.cli.evaluate import nothing_measured

        # every ticket invalid under both versions: replayed, but nothing measured to compare
        if not _measured(impact.old):
            nothing_measured(impact.new)  # says why, unless the new version measures some
        from slalang.cli.common import refuse_rejected

        refuse_rejected(impact.old, down, max_errors)  # the same input under both versions
    review = Review(old_policy, new_policy, changes, impact)
    with atomic_write(output) as fh:
        if fmt == "json":
            fh.write(json.dumps(review_to_json(review), indent=2, ensure_ascii=False) + "\n")
        elif fmt == "markdown":
            fh.write(review_to_markdown(review))
        else:
            fh.write(review_to_text(review))
    raise SystemExit(EXIT_FINDINGS if failed(review, fail_on) else EXIT_OK)


def _measured(ev) -> bool:
    """Whether an evaluation measured anything (``nothing_measured`` does not object)."""
    from slalang.cli.evaluate import nothing_measured
    from slalang.errors import DataError

    try:
        nothing_measured(ev)
    except DataError:
        return False
    return True
