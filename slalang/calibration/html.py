"""The calibration as one self-contained HTML page: the tables of the text output, a histogram
per metric and priority with the proposed target, the draft tier, and for a backtest the
monthly credits. Inline CSS and SVG only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np

from slalang.calibration.backtest import Backtest
from slalang.calibration.calibrate import Calibration, measured
from slalang.calibration.charts import credit_bars, histogram
from slalang.calibration.output import small_sample_notes
from slalang.calibration.targets import PERCENTILES, contract_step
from slalang.evaluation.output.common import iso_local
from slalang.plan.text import format_duration


def _elapsed(cal: Calibration, metric: str, priority: str) -> np.ndarray:
    """The stopped clocks' elapsed times of one overall group (as calibrate selected them)."""
    ev = cal.evaluation
    seen = cal.measured if cal.measured is not None else measured(ev)
    rows = seen.rows(ev.plan.metrics.index(metric), ev.plan.priorities.index(priority))
    return seen.elapsed[rows & seen.stopped]


def calibration_to_html(cal: Calibration, draft: str, level: Decimal,
                        bt: Backtest | None = None) -> str:
    import jinja2

    ev = cal.evaluation
    h = ev.plan.policy.header
    pct = f"{level.normalize():f}%"
    charts = []
    for g in cal.overall():
        raw = g.targets.get(level)
        charts.append(histogram(_elapsed(cal, g.metric, g.priority).tolist(),
                                contract_step(raw) if raw is not None else None, raw,
                                f"{g.metric} {g.priority} ({g.calendar})", pct))
    credits = None
    if bt is not None:
        credits = credit_bars([(m.month, float(sum(x.amount for x in m.owed)),
                                " + ".join(str(x) for x in m.owed) or "0")
                               for m in bt.months], f"Credits tier {bt.tier} would have cost")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("page.html.j2").render(
        title=f"{h.name}: calibration {ev.period.label}", cal=cal, draft=draft, level=pct,
        levels=[f"{lv.normalize():f}%" for lv in cal.levels], raw_levels=cal.levels,
        percentiles=PERCENTILES, charts=charts, credits=credits, bt=bt,
        notes=small_sample_notes(cal), as_of=iso_local(ev.as_of, h.timezone),
        d=lambda s: "–" if s is None else format_duration(s))
