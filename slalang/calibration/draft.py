"""A draft tier block in the policy language, from a calibration: each target the time the
chosen share of tickets was within, rounded up to a contract step, on the calendar it was
measured on. The draft is checked and formatted with the policy it is meant for before it is
shown, so what a user pastes in passes ``slalang check`` and ``slalang fmt --check``.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from slalang.calibration.calibrate import SMALL_MONTH, Calibration, Group
from slalang.calibration.targets import contract_step
from slalang.errors import SlalangError
from slalang.plan.text import format_duration


def draft_tier(cal: Calibration, level: Decimal, name: str = "Calibrated") -> str:
    """The tier block (with a comment saying where its numbers come from), or a comment alone
    when no metric has a reachable target at ``level``."""
    groups = cal.overall()
    plan = cal.evaluation.plan
    lines, skipped = [], []
    metrics = [m for m in plan.metrics if any(g.metric == m for g in groups)]
    for metric in metrics:
        reachable = [g for g in groups
                     if g.metric == metric and g.targets.get(level) is not None]
        have = {g.priority for g in reachable}
        skipped += [f"{metric} {p}" for p in plan.priorities if p not in have]
        if reachable:
            lines.append(_line(metric, reachable, level))
    ev = cal.evaluation
    months = ev.period.buckets
    span = months[0].label if len(months) == 1 else f"{months[0].label}..{months[-1].label}"
    decided = sum(g.stopped for g in groups if g.metric == (metrics[0] if metrics else None))
    head = [f"# Drafted by `slalang calibrate` from {span} ({decided} tickets with a stopped",
            f"# clock): each target is the time at least {_pct(level)}% of tickets were within,",
            "# rounded up to a contract step."
            + (f" Measured under tier {cal.tier}." if cal.tier else "")]
    # a promise the history cannot set (no ticket, or the level never reached) is inherited
    # from a tier of the policy, so the draft is still a complete tier
    base = cal.tier or next((t.name for t in plan.policy.tiers if t.extends is None), None)
    if skipped:
        head.append("# No history sets the targets of " + ", ".join(skipped)
                    + (f": kept from tier {base}." if base else "."))
    if not lines:
        return "\n".join(head) + "\n"
    extends = f" extends {base}" if skipped and base else ""
    return "\n".join([*head, f"tier {name}{extends} {{", *lines, "}"]) + "\n"


def _line(metric: str, groups: list[Group], level: Decimal) -> str:
    calendar = Counter(g.calendar for g in groups).most_common(1)[0][0]
    parts = []
    for g in groups:
        step = format_duration(contract_step(g.targets[level]))
        parts.append(f"{g.priority} {step}" + (f" on {g.calendar}" if g.calendar != calendar
                                               else ""))
    # months too small to judge a share on get the minimum-sample rule calibrate recommends
    small = any(0 < g.per_customer_month < SMALL_MONTH for g in groups)
    rule = f" over at least {SMALL_MONTH} tickets else at most 1 missed" if small else ""
    return f"    {metric} on {calendar}: {', '.join(parts)} objective {_pct(level)}%{rule}"


def _pct(level: Decimal) -> str:
    return f"{level.normalize():f}"


def checked_draft(cal: Calibration, level: Decimal, name: str = "Calibrated") -> str:
    """:func:`draft_tier`, after proving it: appended to the policy it passes the checks, and
    formatting leaves it unchanged. A tier name already taken gets a number."""
    from slalang.language import check, format_source, parse

    policy = cal.evaluation.plan.policy
    taken = {t.name for t in policy.tiers}
    base, k = name, 1
    while name in taken:
        k += 1
        name = f"{base}{k}"
    draft = draft_tier(cal, level, name)
    path = policy.source_path or "policy.sla"
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    combined = source.rstrip("\n") + "\n\n" + draft
    found = check(parse(combined, path))[1]
    errors = [d for d in found if d.severity == "error"]
    if errors:  # a bug in the drafting, not the user's: say what failed
        raise SlalangError("the drafted tier does not pass check: " + "; ".join(
            d.message for d in errors))
    if draft not in format_source(combined, path):
        raise SlalangError("the drafted tier is not in canonical layout")
    return draft
