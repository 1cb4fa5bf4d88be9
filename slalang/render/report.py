"""Compliance reports: per customer (monthly or QBR), portfolio and public, in HTML or Markdown.

:func:`render_report` takes the evaluation JSON dict (what ``slalang evaluate --json`` writes),
reads it through :func:`~slalang.document.build_report` and fills a Jinja2 template.
No number is recomputed: the templates format the evaluation's exact strings.

HTML reports are self-contained (inline CSS and SVG, no script, nothing fetched) and print to
PDF with one page per customer. Templates live in ``templates/report/``; ``template_dir``
puts a directory of overrides in front (same relative names). The Jinja environment is the
shared one of :mod:`slalang.render.environment` (sandboxed, ``StrictUndefined``, the same
filters and message catalogue as the contract), set to the policy's time zone.

>>> ev = {"schema_version": 1, "policy": {"name": "ref"}, "as_of": "2026-08-01T00:00:00+02:00",
...       "period": {"label": "2026-07", "months": ["2026-07"], "timezone": "Europe/Rome"},
...       "customers": [{"customer": "Alfa Srl", "tier": "Gold",
...       "credit": {"percent": "0", "amount": None}, "objectives": [], "months": [{
...       "month": "2026-07", "uptime": [], "credit": {"percent": "0", "lines": []},
...       "objectives": [{"metric": "response", "priority": "P1", "objective": "95",
...                       "met": 19, "breached": 1, "compliance": "95.00", "achieved": True}]}]}]}
>>> row = "| Response time | P1 | 19 | 1 | 0 | 95.00% | 95% | ✓ achieved |"
>>> row in render_report(ev, format="md")
True
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from babel.numbers import get_decimal_symbol
from markupsafe import Markup

from slalang.document import (
    AT_RISK_SHARE,
    CustomerReport,
    Report,
    Verdict,
    build_report,
)
from slalang.render import charts
from slalang.render.clauses import subject_clause
from slalang.render.environment import make_environment, render_template
from slalang.render.errors import RenderError
from slalang.render.i18n import LANGS, Wording
from slalang.render.wording import metric_words
from slalang.version import __version__

#: output formats and the template suffix of each
FORMATS = {"html": "html", "md": "md"}
#: how the policy hash is named in the footer (``policy_hash`` is a sha256)
HASH_ALGORITHM = "SHA-256"
#: what a report shows: one section per customer, the MSP's portfolio, or the public summary
VIEWS = ("customers", "portfolio", "public")


def render_report(evaluation: Mapping, *, verdicts: Sequence[Verdict] | None = None,
                  format: str = "html", lang: str = "en",
                  view: str = "customers", customer: str | None = None,
                  months: Sequence[str] | None = None,
                  history: str | os.PathLike | None = None,
                  template_dir: str | os.PathLike | None = None, provider: str = "") -> str:
    """Render a report of ``evaluation`` (the evaluation JSON dict) as text.

    Args:
        verdicts: the ticket verdicts (breached and open ones matter), for the breach and
            at-risk lists; see :func:`~slalang.document.read_verdicts`.
        format: ``html`` or ``md``.
        lang: ``en`` or ``it`` (words, numbers and dates follow the language).
        view: ``customers``, ``portfolio`` or ``public``.
        customer: keep one customer (name or id).
        months: keep some months of the evaluated period (``["2026-07"]``).
        history: a history database (:mod:`slalang.history`) for the trend charts.
        template_dir: a directory whose ``report/*.j2`` override the built-in templates.
        provider: the provider's name for the heading (the policy header's ``provider``).

    Raises:
        DataError: the evaluation JSON is malformed, or the customer/month is not in it.
        RenderError: a template failed.
    """
    if format not in FORMATS:
        raise RenderError(f"unknown report format {format!r} (choose from: html, md)")
    if view not in VIEWS:
        raise RenderError(f"unknown report view {view!r} (choose from: {', '.join(VIEWS)})")
    if lang not in LANGS:
        raise RenderError(f"unknown report language {lang!r} (choose from: "
                          f"{', '.join(LANGS)})")
    report = build_report(evaluation, verdicts=verdicts, customer=customer, months=months,
                          provider=provider)
    if history is not None:  # fail on a bad history file in every format, not just HTML
        from slalang.history import connect

        connect(history).close()
    env = make_environment(lang, template_dir, timezone=report.timezone)
    w: Wording = env.wording  # type: ignore[attr-defined]
    # the policy's own words for its codes (services, downtime kinds): no code reaches a reader
    w.codes = {**w.codes, **report.labels_in(lang)}
    env.filters["label"] = w.code
    env.filters["period"] = lambda label: period_words(w, label)
    env.filters["downtime"] = lambda seconds: downtime_words(w, seconds)
    context = {
        "report": report, "lang": lang, "view": view, "format": format,
        # the appendix clause a row cites (the policy's file:line stays in the JSON)
        "clause_of": subject_clause,
        "kind_label": lambda code: w.codes.get(code) or w.items("report.downtime_kinds").get(
            code, code),
        "slalang_version": __version__, "hash_algorithm": HASH_ALGORITHM,
        "at_risk_share": w.percent((AT_RISK_SHARE * 100).normalize()),
        "charts": {}, "trends": {},
    }
    if view == "customers":
        context["trends"] = {c.name: customer_trend(report, c, history)
                             for c in report.customers}
    if format == "html" and view == "customers":
        context["charts"] = {c.name: customer_charts(report, c, w, history)
                             for c in report.customers}
    if format == "html" and view == "public":
        bars = [charts.Bar(f"{metric_words(w, r.metric)} {r.priority}", r.percent, None,
                           w.percent(r.percent), None)
                for r in report.public_rates if r.percent is not None]
        context["charts"] = {"public": charts.bar_chart(
            bars, w.t("report.on_time_rate"), floor=50.0,
            decimal=get_decimal_symbol(w.locale)) if bars else None}
    name = f"report/{view}.{FORMATS[format]}.j2"
    text = render_template(env, name, context)
    return _tidy(text)


def _tidy(text: str) -> str:
    """At most one blank line in a row, one newline at the end (stable golden files)."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def customer_charts(report: Report, c: CustomerReport, w: Wording,
                    history: str | os.PathLike | None = None) -> dict[str, object]:
    """The inline SVG charts of one customer's section (``None`` when there is nothing to draw).

    * ``compliance``: a month's report: compliance by priority against the objective. A
      quarter has none: its aggregate is no verdict (objectives and credits are monthly), so
      drawing it beside a month's credit would mix the two;
    * ``trend``: one line chart per metric across the months (recorded history first);
    * ``uptime``: uptime per service and month against the target.
    """
    out: dict[str, object] = {"compliance": [], "trend": [], "uptime": None}
    goal, decimal = w.t("report.objective_legend"), get_decimal_symbol(w.locale)
    if not report.is_quarter:
        for m in c.months:
            bars = [charts.Bar(f"{metric_words(w, r.metric)} {r.priority}", r.shown,
                               r.objective, w.percent(r.shown), r.achieved)
                    for r in m.compliance if r.shown is not None]
            if bars:
                title = f"{w.t('report.compliance_chart')} · {w.month_label(m.month)}"
                out["compliance"].append(charts.bar_chart(bars, title, floor=50.0,
                                                          goal_label=goal, decimal=decimal))
    trend = customer_trend(report, c, history)
    if len(trend.months) > 1:
        for metric in dict.fromkeys(line.metric for line in trend.lines):
            series = [charts.Series(line.priority, line.values, line.objective)
                      for line in trend.lines if line.metric == metric]
            title = f"{w.t('report.monthly_trend')} · {metric_words(w, metric)}"
            if trend.recorded:
                title += f" ({w.t('report.history')})"
            out["trend"].append(charts.line_chart(
                [w.month_label(mm, short=True) for mm in trend.months], series, title,
                floor=50.0, goal_label=goal, decimal=decimal))
    ubars = [charts.Bar(f"{w.code(u.service)} · {w.month_label(m.month, short=True)}", u.shown,
                        u.objective, w.percent(u.shown), u.achieved)
             for m in c.months for u in m.uptime]
    if ubars:
        out["uptime"] = charts.bar_chart(ubars, w.t("report.uptime_chart"), floor=98.0,
                                         goal_label=goal, decimal=decimal)
    return out


def downtime_words(w: Wording, seconds: int | None) -> str:
    """Downtime to the second: ``44 min 39 s``. Minutes alone would hide what decides a
    verdict (44 min 39 s of a 31-day month misses 99.9 %, 44 min meets it).

    >>> downtime_words(Wording("it"), 2679), downtime_words(Wording("en"), 3000)
    ('44 min 39 s', '50 min')
    >>> downtime_words(Wording("en"), 39), downtime_words(Wording("en"), 0)
    ('39 s', '0 min')
    """
    if seconds is None:
        return w.t("none")
    whole, secs = divmod(int(seconds), 60)
    if not secs:
        return w.duration(seconds, short=True)
    if not whole:
        return f"{w.number(secs)} s"
    return f"{w.duration(whole * 60, short=True)} {w.number(secs)} s"


def period_words(w: Wording, label: str) -> str:
    """A period as words: ``2026-08`` -> ``August 2026`` / ``agosto 2026``, ``2026-Q3`` ->
    ``Q3 2026`` / ``3º trimestre 2026``, ``2026-07..2026-08`` -> a range of months.

    >>> it = Wording("it")
    >>> period_words(it, "2026-Q3"), period_words(it, "2026-08")
    ('3º trimestre 2026', 'agosto 2026')
    >>> period_words(Wording("en"), "2026-Q3")
    'Q3 2026'
    >>> period_words(it, "2026-07..2026-08")
    'luglio 2026 – agosto 2026'
    """
    text = str(label)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return w.month_label(text)
    q = re.fullmatch(r"(\d{4})-[Qq]([1-4])", text)
    if q:
        return w.t("report.quarter", n=q[2], year=q[1])
    r = re.fullmatch(r"(\d{4}-\d{2})\.\.(\d{4}-\d{2})", text)
    if r:
        return w.t("report.months_range", first=w.month_label(r[1]), last=w.month_label(r[2]))
    return text


@dataclass(frozen=True)
class TrendLine:
    """One metric and priority across :attr:`Trend.months` (None where nothing was decided)."""

    metric: str
    priority: str
    objective: str | None
    values: tuple[str | None, ...]


@dataclass(frozen=True)
class Trend:
    """A customer's compliance month by month: recorded months first, then the period's."""

    months: tuple[str, ...]
    lines: tuple[TrendLine, ...]
    #: the months that came from the history database
    recorded: tuple[str, ...] = ()


def customer_trend(report: Report, c: CustomerReport,
                   history: str | os.PathLike | None = None) -> Trend:
    """The compliance trend of ``c``: the history's months before the period, then the
    period's own months; values are the recorded and evaluated strings as they are."""
    past = []
    if history is not None:
        from slalang.history import trend  # history imports the report model: import late

        past = trend(history, c.name, before=report.months[0] if report.months else None)
    recorded = tuple(sorted({p.month for p in past}))
    months = recorded + tuple(m.month for m in c.months)
    lines = []
    keys = dict.fromkeys((r.metric, r.priority) for m in c.months for r in m.compliance)
    for metric, prio in keys:
        values: dict[str, str | None] = {p.month: p.percent for p in past
                                         if (p.metric, p.priority) == (metric, prio)}
        goal = None
        for m in c.months:
            row = next((r for r in m.compliance if (r.metric, r.priority) == (metric, prio)),
                       None)
            values[m.month] = row.shown if row else None
            goal = goal or (row.objective if row else None)
        if any(v is not None for v in values.values()):
            lines.append(TrendLine(metric, prio, goal, tuple(values.get(mm) for mm in months)))
    return Trend(months, tuple(lines), recorded)


__all__ = ["FORMATS", "VIEWS", "Markup", "Trend", "customer_charts", "customer_trend",
           "render_report"]
