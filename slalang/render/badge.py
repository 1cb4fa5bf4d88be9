"""Embeddable SVG badges of public performance: ``P1 response time | 98.21% on time · Q3
2026``, one per metric and priority, written by ``report --public`` beside the public page.

Like the page they summarise: rates over every customer, no names, no money. The badge is a
plain SVG (no script, no font or image to fetch) that a website embeds with ``<img>``.
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import escape

#: approximate advance of an 11 px sans-serif character, for sizing the two halves
CHAR = 6.6
LABEL, VALUE = "#555", "#1565c0"


def badge_svg(label: str, value: str) -> str:
    """A two-part flat badge; its accessible name is the whole text.

    >>> svg = badge_svg("P1 response time", "98.21% on time · Q3 2026")
    >>> svg.startswith("<svg") and "98.21% on time" in svg and "<script" not in svg
    True
    """
    lw, vw = int(len(label) * CHAR) + 12, int(len(value) * CHAR) + 12
    width = lw + vw
    text = escape(f"{label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" '
        f'viewBox="0 0 {width} 20" role="img" aria-label="{text}">'
        f"<title>{text}</title>"
        f'<rect width="{lw}" height="20" rx="3" fill="{LABEL}"/>'
        f'<rect x="{lw}" width="{vw}" height="20" rx="3" fill="{VALUE}"/>'
        f'<rect x="{lw}" width="4" height="20" fill="{VALUE}"/>'
        f'<g fill="#fff" font-family="Verdana, DejaVu Sans, sans-serif" font-size="11">'
        f'<text x="{lw / 2:.1f}" y="14" text-anchor="middle">{escape(label)}</text>'
        f'<text x="{lw + vw / 2:.1f}" y="14" text-anchor="middle">{escape(value)}</text>'
        f"</g></svg>\n")


def public_badges(evaluation: Mapping, lang: str = "en") -> dict[str, str]:
    """``{file name: svg}``: a badge per metric and priority of the public rates
    (``badge-response-p1.svg``), over the evaluation's period."""
    import re

    from slalang.document import build_report
    from slalang.render.i18n import Wording
    from slalang.render.report import period_words
    from slalang.render.wording import metric_words

    w = Wording(lang)
    report = build_report(evaluation)
    period = period_words(w, str((evaluation.get("period") or {}).get("label") or ""))
    out = {}
    for r in report.public_rates:
        label = w.t("badge.label", priority=r.priority,
                    metric=metric_words(w, r.metric, "noun"),
                    Metric=metric_words(w, r.metric, "title"))
        value = (w.t("badge.value", percent=w.percent(r.percent), period=period)
                 if r.percent is not None else w.t("badge.none", period=period))
        name = re.sub(r"[^a-z0-9]+", "-", f"badge-{r.metric}-{r.priority}".lower()).strip("-")
        out[f"{name}.svg"] = badge_svg(label, value)
    return out
