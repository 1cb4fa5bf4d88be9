"""Inline SVG charts for reports: no script, no font or network fetch, prints as vectors.

Each function returns a complete ``<svg>`` element as :class:`markupsafe.Markup`. Values come
in as the evaluation's exact strings; they are turned into floats only to place shapes, and
every label is the caller's formatted text, so a chart never shows a number the tables don't.

>>> svg = bar_chart([Bar("P1", "97.50", "95", "97,50 %", True)], "Compliance")
>>> svg.startswith("<svg") and "97,50 %" in svg and "http" not in svg.replace(SVG_NS, "")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
OK, BAD, NEUTRAL, GOAL, GRID = "#2e7d32", "#c62828", "#607d8b", "#212121", "#cfd8dc"
SERIES = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f")
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: ``value`` against ``goal`` (both percent strings)."""

    label: str
    value: str
    goal: str | None
    text: str
    ok: bool | None


@dataclass(frozen=True)
class Series:
    """One line of a trend chart; ``values`` has one entry per x label (None = no point)."""

    label: str
    values: Sequence[str | None]
    goal: str | None = None


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    head = (f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{t}" class="chart" {FONT} '
            f'font-size="12">')
    return Markup("\n".join([head, f"<title>{t}</title>", *body, "</svg>"]))


def _floor(values: Sequence[float], floor: float) -> float:
    """The axis minimum: ``floor`` unless some value is below it (then a round step lower).

    >>> _floor([97.0], 50.0), _floor([31.0], 50.0), _floor([99.2], 98.0), _floor([97.4], 98.0)
    (50.0, 20.0, 98.0, 97.0)
    >>> _floor([50.0], 50.0)
    40.0
    """
    low = min(values, default=floor)
    if low > floor:  # a value right on the floor would draw an empty bar
        return floor
    unit = 20.0 if 100.0 - low > 40 else 10.0 if 100.0 - low > 10 else 1.0
    return max(0.0, (low // unit) * unit)


def _ticks(lo: float) -> list[float]:
    """Round tick values from ``lo`` to 100 (4 to 6 of them).

    >>> _ticks(20.0), _ticks(98.0)
    ([20.0, 40.0, 60.0, 80.0, 100.0], [98.0, 98.5, 99.0, 99.5, 100.0])
    >>> _ticks(50.0)
    [50.0, 60.0, 70.0, 80.0, 90.0, 100.0]
    """
    span = 100.0 - lo
    step = next((s for s in (0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25) if span / s <= 5), 25.0)
    out, v = [], 100.0
    while v >= lo - 1e-9:
        out.append(round(v, 2))
        v -= step
    return sorted(out)


def bar_chart(bars: Sequence[Bar], title: str, *, floor: float = 0.0, width: int = 640
              ) -> Markup:
    """Horizontal bars from ``floor`` to 100 %, a dark tick at each bar's goal."""
    row, top, left, right = 26, 28, 130, 80
    height = top + row * max(len(bars), 1) + 24
    nums = [float(b.value) for b in bars] + [float(b.goal) for b in bars if b.goal]
    lo = _floor(nums, floor)
    span = 100.0 - lo or 1.0
    plot = width - left - right

    def x(v: float) -> float:
        return round(left + plot * (min(max(v, lo), 100.0) - lo) / span, 1)

    body = [f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>']
    for v in _ticks(lo):
        body.append(f'<line x1="{x(v)}" y1="{top - 4}" x2="{x(v)}" y2="{height - 20}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{x(v)}" y="{height - 6}" text-anchor="middle" '
                    f'fill="#546e7a">{v:g}</text>')
    for i, b in enumerate(bars):
        y = top + i * row
        colour = NEUTRAL if b.ok is None else (OK if b.ok else BAD)
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">'
                    f'{escape(b.label)}</text>')
        body.append(f'<rect x="{left}" y="{y + 4}" width="{max(x(float(b.value)) - left, 1)}" '
                    f'height="{row - 10}" fill="{colour}"/>')
        if b.goal:
            gx = x(float(b.goal))
            body.append(f'<line x1="{gx}" y1="{y + 1}" x2="{gx}" y2="{y + row - 3}" '
                        f'stroke="{GOAL}" stroke-width="2.5"/>')
        body.append(f'<text x="{width - right + 6}" y="{y + 15}">{escape(b.text)}</text>')
    return _svg(width, height, title, body)


def line_chart(x_labels: Sequence[str], series: Sequence[Series], title: str, *,
               floor: float = 0.0, width: int = 480, height: int = 220) -> Markup:
    """Lines across months (one per series), dashed goal lines in the series' colour."""
    top, left, right, bottom = 28, 44, 90, 28
    nums = [float(v) for s in series for v in s.values if v is not None]
    nums += [float(s.goal) for s in series if s.goal]
    lo = _floor(nums, floor)
    span = 100.0 - lo or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)

    def px(i: int) -> float:
        return round(left + (plot_w * (i + 0.5) / n), 1)

    def py(v: float) -> float:
        return round(top + plot_h * (100.0 - min(max(v, lo), 100.0)) / span, 1)

    body = [f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>']
    for v in _ticks(lo):
        body.append(f'<line x1="{left}" y1="{py(v)}" x2="{left + plot_w}" y2="{py(v)}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{py(v) + 4}" text-anchor="end" '
                    f'fill="#546e7a">{v:g}</text>')
    for i, label in enumerate(x_labels):
        body.append(f'<text x="{px(i)}" y="{height - 8}" text-anchor="middle">'
                    f'{escape(label)}</text>')
    for k, s in enumerate(series):
        colour = SERIES[k % len(SERIES)]
        if s.goal:
            body.append(f'<line x1="{left}" y1="{py(float(s.goal))}" x2="{left + plot_w}" '
                        f'y2="{py(float(s.goal))}" stroke="{colour}" stroke-width="1" '
                        f'stroke-dasharray="4 3"/>')
        # earlier series are drawn wider, so lines that coincide (all at 100 %) stay visible
        # as nested bands instead of the last one hiding the others
        stroke = 1.5 + 1.5 * (len(series) - 1 - k)
        points = [(px(i), py(float(v))) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{a},{b}" for a, b in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                        f'stroke-width="{stroke:g}" stroke-linejoin="round"/>')
        for a, b in points:
            body.append(f'<circle cx="{a}" cy="{b}" r="{stroke / 2 + 1.5:g}" fill="{colour}"/>')
        ly = top + 6 + k * 18
        body.append(f'<rect x="{width - right + 12}" y="{ly - 9}" width="12" height="12" '
                    f'fill="{colour}"/>')
        body.append(f'<text x="{width - right + 30}" y="{ly + 1}">{escape(s.label)}</text>')
    return _svg(width, height, title, body)
