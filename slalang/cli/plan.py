"""`slalang plan POLICY`: the compiled plan as a reviewable table (or JSON).

Every target (tier x metric x priority), exclusion and credit clause is listed with the
``file:line`` that made it, so a reviewer sees what a policy really promises.
"""

from __future__ import annotations

import json

import click

from slalang.cli.check import load_or_exit


@click.command(name="plan")
@click.argument("policy", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A text table, or JSON.")
@click.option("--tier", help="Show only this tier's targets, uptime and credits.")
@click.option("--diff", "against", type=click.Path(), metavar="OLD",
              help="Print only what POLICY changes against the policy OLD, a file or a git "
              "revision (e.g. main:policies/x.sla): one line per promise added (+), removed "
              "(-) or changed (~).")
def command(policy: str, fmt: str, tier: str | None, against: str | None) -> None:
    """Compile POLICY and print its plan: tier x metric x priority -> target, calendar,
    pauses, objective and source line; exclusions and credit clauses with theirs.

    A policy that cannot be read, parsed or checked prints its diagnostics and exits 2.
    """
    from slalang.diagnostics import did_you_mean
    from slalang.plan import compile_plan, plan_to_json, plan_to_text

    plan = compile_plan(load_or_exit(policy))
    if against is not None:
        from slalang.plan import diff_plans
        from slalang.review.revision import is_revision

        # a review of a change: the old version must be valid too, or the diff would lie;
        # OLD may be a git revision (main:policies/x.sla), as for `slalang diff`
        if is_revision(against):
            from slalang.cli.diff import load_version

            old = load_version(against)[1]
        else:
            old = load_or_exit(against)
        click.echo(diff_plans(compile_plan(old), plan) or "no change\n", nl=False)
        return
    if tier is not None and tier not in plan.tiers:
        hint = did_you_mean(tier, plan.tiers)
        raise click.BadParameter(
            f"no tier {tier!r} in {policy} (tiers: {', '.join(plan.tiers)})"
            + (f"; {hint}" if hint else ""), param_hint="--tier")
    if fmt == "json":
        click.echo(json.dumps(plan_to_json(plan, tier), indent=2, ensure_ascii=False))
    else:
        click.echo(plan_to_text(plan, tier), nl=False)
