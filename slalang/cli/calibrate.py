"""`slalang calibrate --policy P --tickets …`: what the ticket history says can be promised.

Per metric x priority: the distribution of business elapsed time, the target each objective
level would have needed (and its range month to month), a draft tier block that passes
``check`` and ``fmt``; with ``--tier T``, the backtest of T: what it would have cost in credits,
month by month. Text, JSON or a self-contained HTML page with charts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click

from slalang.cli.check import load_or_exit
from slalang.cli.common import (
    AS_OF_RULE,
    dataset_scheduler_option,
    max_errors_option,
    quiet_option,
    tune_for_one_run,
)
from slalang.errors import EXIT_OK, EXIT_USAGE


def _levels(text: str) -> tuple[Decimal, ...]:
    try:
        levels = tuple(Decimal(x.strip().rstrip("%")) for x in text.split(",") if x.strip())
    except InvalidOperation:
        raise click.BadParameter(f"{text!r}: write percentages, e.g. 80,90,95",
                                 param_hint="--levels") from None
    if not levels or any(not (0 < lv <= 100) for lv in levels):
        raise click.BadParameter("each level is a percentage above 0 and at most 100",
                                 param_hint="--levels")
    return tuple(sorted(set(levels)))


def _tier_name(value: str) -> str:
    """A name the language accepts for a tier (``NAME`` in the grammar): a draft under any
    other name failed its own check with a bare "1 problem(s) in the policy"."""
    import re

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise click.BadParameter(f"{value!r} is not a tier name: use letters, digits and _, "
                                 "starting with a letter (e.g. Calibrated, Gold_2027)")
    return value


@click.command(name="calibrate")
@click.option("--policy", "policy", required=True, type=click.Path(dir_okay=False),
              help="The policy whose clocks, calendars and exclusions measure the tickets.")
@click.option("--tickets", required=True, type=click.Path(),
              help="The ticket history: canonical JSONL or CSV, a tool export with --mapping, "
              "or a dataset directory written by `slalang convert`.")
@click.option("--events", type=click.Path(dir_okay=False), help="Status events CSV.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Mapping YAML for exports.")
@click.option("--downtime", type=click.Path(dir_okay=False),
              help="Downtime records (the backtest's uptime credits).")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="Customer roster YAML (default: the one the policy names).")
@click.option("--period", help="The months to learn from (2026-Q3, 2026-01-01..2026-06-30); "
              "default: the months the tickets span.")
@click.option("--as-of", "as_of", help="Evaluation instant, ISO 8601 with offset ("
              + AS_OF_RULE + ").")
@click.option("--tier", help="Measure every customer under this tier and backtest it: the "
              "credits it would have cost, month by month.")
@click.option("--by", type=click.Choice(["customer", "tier"]),
              help="Also calibrate each customer (or tier) apart.")
@click.option("--levels", default="80,90,95", show_default=True,
              help="Objective levels to find targets for (percent).")
@click.option("--objective", help="The level the draft tier promises (default: the highest "
              "of --levels).")
@click.option("--name", "tier_name", default="Calibrated", show_default=True,
              callback=lambda ctx, param, value: _tier_name(value),
              help="The draft tier's name (letters, digits and _, not starting with a digit).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True, help="What to write.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", show_default=True, help="Where to write it.")
@max_errors_option
@quiet_option
@dataset_scheduler_option
def command(policy: str, tickets: str, events: str | None, mapping: str | None,
            downtime: str | None, roster: str | None, period: str | None, as_of: str | None,
            tier: str | None, by: str | None, levels: str, objective: str | None,
            tier_name: str, fmt: str, out: str, quiet: bool, scheduler: str | None,
            max_errors: int | float | None = None) -> None:
    """Calibrate targets from a ticket history, or backtest a tier with --tier."""
    from slalang.cli.common import distinct_outputs

    distinct_outputs({"--output": out}, (policy, tickets, events, mapping, downtime, roster))
    import json

    from slalang.cli.common import scheduler_needs_dataset

    if scheduler is not None:  # said now: Dask would raise its own ValueError, or time out
        from slalang.evaluation.distributed import check_scheduler

        check_scheduler(scheduler, "--scheduler")
    scheduler_needs_dataset(scheduler, tickets)

    from slalang.engines import reads_in_chunks

    if not reads_in_chunks(tickets, events, mapping):
        tune_for_one_run(tickets, events)
    else:  # measured chunk by chunk: on the split reader, tuned as `evaluate` tunes it (10m:
        # 14.9 -> 13.7 s); the sequential reader's one process is faster untuned (a replayed
        # diff of the 10m set: 18.6 s against 26.7 s tuned)
        from slalang.data.split_passes import splittable

        if splittable(tickets, events):
            tune_for_one_run(tickets, events, "chunks")

    from slalang.calibration import backtest, calibrate, checked_draft
    from slalang.calibration.measure import measure_input
    from slalang.calibration.output import calibration_to_json, calibration_to_text
    from slalang.cli.common import atomic_write
    from slalang.cli.evaluate import _load_roster
    from slalang.cli.progress import progress_for
    from slalang.data import read_downtime
    from slalang.evaluation.periods import parse_period, resolve_as_of
    from slalang.plan import compile_plan

    wanted = _levels(levels)
    level = _levels(objective)[0] if objective else wanted[-1]
    if level not in wanted:
        wanted = tuple(sorted({*wanted, level}))
    pol = load_or_exit(policy)
    per = parse_period(period, pol.header.timezone) if period else None
    instant, _ = resolve_as_of(as_of, per) if (as_of or per) else (None, "")
    plan = compile_plan(pol)
    ros = _load_roster(pol, roster)
    down = read_downtime(downtime) if downtime else None
    with progress_for(quiet) as progress:
        got = measure_input(plan, tickets, events, down, ros, period=per, as_of=instant,
                            tier=tier, mapping=mapping, progress=progress,
                            scheduler=scheduler)
    ev = got.evaluation
    cal = calibrate(ev, wanted, by=by, tier=tier, seen=got.measured)
    if not cal.overall():
        click.echo(f"error: no ticket in {ev.period.label} could be measured: {got.tickets} "
                   f"read, {len(ev.rejected)} rejected, {len(ev.invalid)} invalid (customer, "
                   "tier or priority not resolved; --tier T measures every customer under T)",
                   err=True)
        raise SystemExit(EXIT_USAGE)
    from slalang.cli.common import refuse_rejected

    refuse_rejected(ev, down, max_errors)
    draft = checked_draft(cal, level, tier_name)
    bt = backtest(ev, tier, got.measured) if tier is not None else None
    with atomic_write(out) as fh:
        if fmt == "json":
            json.dump(calibration_to_json(cal, draft, level, bt), fh, indent=2,
                      ensure_ascii=False)
            fh.write("\n")
        elif fmt == "html":
            from slalang.calibration.html import calibration_to_html

            fh.write(calibration_to_html(cal, draft, level, bt))
        else:
            fh.write(calibration_to_text(cal, draft, bt))
    raise SystemExit(EXIT_OK)
