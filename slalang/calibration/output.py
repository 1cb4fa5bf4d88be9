"""Calibration as text for a terminal and as a JSON document (durations in business seconds,
percent and money as exact decimal strings)."""

from __future__ import annotations

from decimal import Decimal

from slalang.calibration.backtest import Backtest
from slalang.calibration.calibrate import SMALL_MONTH, Calibration, Group
from slalang.calibration.targets import PERCENTILES, contract_step
from slalang.evaluation.output.common import iso_local
from slalang.plan.text import format_duration, table


def _d(seconds: int | None) -> str:
    return "-" if seconds is None else format_duration(seconds)


def _pct(level: Decimal) -> str:
    return f"{level.normalize():f}%"


def small_sample_notes(cal: Calibration) -> list[str]:
    """The metric x priority pairs whose customer-months typically hold fewer tickets than an
    objective can be judged on, and the advice: state a minimum sample (the draft does)."""
    small = [f"{g.metric} {g.priority} {g.per_customer_month}" for g in cal.overall()
             if 0 < g.per_customer_month < SMALL_MONTH]
    if not small:
        return []
    return [f"tickets in a typical customer-month: {', '.join(small)}",
            "an objective judged on so few tickets is noise: state a minimum sample, e.g. "
            f"`objective 95% over at least {SMALL_MONTH} tickets else at most 1 missed` (the "
            "draft does)"]


def calibration_to_text(cal: Calibration, draft: str, bt: Backtest | None = None) -> str:
    ev = cal.evaluation
    h = ev.plan.policy.header
    under = f"every customer on tier {cal.tier}" if cal.tier else "each customer on its own tier"
    out = [f"{h.name} {h.version}: calibration over {ev.period.label}, {under}",
           f"as of {iso_local(ev.as_of, h.timezone)}; times are business time on the calendar "
           "named; a clock still running counts as a miss once past a target",
           ""]
    # columns as wide as their longest cell: fixed widths ran long durations together
    # ("3h45m7s (3h45m7s-3h45m7s)5h46m22s ...") and cut customers' names at 16 characters
    head = ["metric", "prio", "key", "calendar", "tickets", "open",
            *(f"p{q}" for q in PERCENTILES), *(f"at {_pct(lv)} (months)" for lv in cal.levels)]
    out.append("elapsed time and the target each objective level would have needed")
    out += table(head, [_group_cells(g, cal.levels) for g in cal.groups])
    notes = small_sample_notes(cal)
    if notes:
        out += ["", "small samples:"] + [f"  {n}" for n in notes]
    out += ["", "draft tier (targets rounded up to contract steps):", "", draft.rstrip()]
    if bt is not None:
        out += ["", *backtest_lines(bt)]
    return "\n".join(out) + "\n"


def _group_cells(g: Group, levels) -> list[str]:
    cells = [g.metric, g.priority, g.key or "all", g.calendar, str(g.stopped), str(g.running),
             *(_d(g.percentiles[q]) for q in PERCENTILES)]
    for lv in levels:
        rng = g.month_range(lv)
        months = f"{_d(rng[0])}-{_d(rng[1])}" if rng else "-"
        cells.append(f"{_d(g.targets[lv])} ({months})")
    return cells


def backtest_lines(bt: Backtest) -> list[str]:
    out = [f"backtest of tier {bt.tier}: credits it would have cost, per month"]
    for m in bt.months:
        owed = " + ".join(str(x) for x in m.owed) or "none"
        out.append(f"  {m.month}: {m.customers} customer(s), credit due for {m.credits_due}, "
                   f"objectives missed {m.objectives_missed}, credits {owed}")
    if bt.expected is not None:
        ci = (f" (90% bootstrap interval {bt.interval[0]:.2f}-{bt.interval[1]:.2f})"
              if bt.interval else " (one month: no interval)")
        out.append(f"  expected credit next month: {bt.expected:.2f} {bt.currency}{ci}")
    out += ["", "margins: the time each objective's share of tickets was within, against the "
            "target"]
    for mg in bt.margins:
        verdict = ("never reached" if mg.margin is None else
                   f"{format_duration(abs(mg.margin))} {'headroom' if mg.margin >= 0 else 'short'}")
        out.append(f"  {mg.metric:<11} {mg.priority:<4} objective {_pct(mg.objective):<6} "
                   f"target {_d(mg.target):>6}  at objective {_d(mg.at_objective):>6}  "
                   f"{verdict}; missed in {mg.missed} of {mg.measured} customer-month(s)")
    return out


def calibration_to_json(cal: Calibration, draft: str, level: Decimal,
                        bt: Backtest | None = None) -> dict:
    ev = cal.evaluation
    tz = ev.plan.policy.header.timezone
    doc = {
        "policy": {"name": ev.plan.policy.header.name, "version": ev.plan.policy.header.version,
                   "file": ev.plan.policy.source_path},
        "policy_hash": ev.policy_hash, "data_hash": ev.data_hash,
        "period": ev.period.label, "as_of": iso_local(ev.as_of, tz),
        "tier": cal.tier, "by": cal.by, "levels": [str(lv) for lv in cal.levels],
        "groups": [{
            "metric": g.metric, "priority": g.priority, "key": g.key, "calendar": g.calendar,
            "stopped": g.stopped, "running": g.running,
            "percentiles_s": {str(q): v for q, v in g.percentiles.items()},
            "targets_s": {str(lv): v for lv, v in g.targets.items()},
            "contract_targets_s": {str(lv): (contract_step(v) if v is not None else None)
                                   for lv, v in g.targets.items()},
            "months": [{"month": m.month, "stopped": m.stopped, "running": m.running,
                        "targets_s": {str(lv): v for lv, v in m.targets.items()}}
                       for m in g.months],
        } for g in cal.groups],
        "small_samples": small_sample_notes(cal),
        "draft": {"level": str(level), "text": draft},
    }
    if bt is not None:
        doc["backtest"] = {
            "tier": bt.tier, "currency": bt.currency,
            "months": [{"month": m.month, "customers": m.customers,
                        "credits_due": m.credits_due, "objectives_missed": m.objectives_missed,
                        "owed": [{"amount": str(x.amount), "currency": x.currency}
                                 for x in m.owed]} for m in bt.months],
            "expected_credit": None if bt.expected is None else str(bt.expected),
            "interval_90": None if bt.interval is None else [str(x) for x in bt.interval],
            "margins": [{"metric": m.metric, "priority": m.priority, "target_s": m.target,
                         "objective": str(m.objective), "at_objective_s": m.at_objective,
                         "margin_s": m.margin, "missed": m.missed, "measured": m.measured}
                        for m in bt.margins],
        }
    return doc
