"""Inline SVG charts for reports: no script, no font or network fetch, prints as vectors.

Each function returns a complete ``<svg>`` element as :class:`markupsafe.Markup`. Values come
in as the evaluation's exact strings; they are turned into floats only to place shapes, and
every label is the caller's formatted text, so a chart never shows a number the tables don't.

Charts are sized to their text: label areas are measured (:func:`text_width`) rather than
fixed, so an Italian label ("Tempo di risoluzione P1") is never cut. Every bar is visible
(the axis always starts below the lowest value), coinciding trend lines stay apart (each
series has its own marker and a small sideways offset), and every mark has a legend entry:
the series, the objective line, the unit of the axis.

>>> svg = bar_chart([Bar("P1", "97.50", "95", "97,50 %", True)], "Compliance")
>>> svg.startswith("<svg") and "97,50 %" in svg and "http" not in svg.replace(SVG_NS, "")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
OK, BAD, NEUTRAL, GOAL, GRID, MUTED = ("#2e7d32", "#c62828", "#607d8b", "#212121", "#cfd8dc",
                                       "#546e7a")
SERIES = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f")
#: one marker shape per series, so lines that coincide (all at 100 %) stay told apart in print
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "bar")
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
FONT_SIZE = 12

# widths of a sans-serif face's glyphs in em, coarse classes: enough to size a label area
_NARROW = set("iljtfrI.,:;'!|()[] ·")
_WIDE = set("mwMWOQGDHNU%@")


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """An estimate (slightly generous) of ``text``'s width in px in a sans-serif face.

    >>> text_width("Tempo di risoluzione P1") > text_width("Response time P1")
    True
    """
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.32
        elif ch in _WIDE:
            em += 0.86
        elif ch.isupper() or ch.isdigit():
            em += 0.64
        else:
            em += 0.56
    return em * size + 2


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


def _svg(width: int, height: int, title: str, body: list[str], kind: str = "bars") -> Markup:
    t = escape(title)
    head = (f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{t}" class="chart {kind}" {FONT} '
            f'font-size="{FONT_SIZE}">')
    return Markup("\n".join([head, f"<title>{t}</title>", *body, "</svg>"]))


def _floor(values: Sequence[float], floor: float) -> float:
    """The axis minimum: ``floor`` unless some value is at or below it, then a round step
    strictly below the lowest value, so that the lowest bar still has a length.

    >>> _floor([97.0], 50.0), _floor([31.0], 50.0), _floor([99.2], 98.0), _floor([97.4], 98.0)
    (50.0, 20.0, 98.0, 97.0)
    >>> _floor([50.0], 50.0), _floor([20.0], 50.0), _floor([0.0], 50.0)
    (40.0, 0.0, 0.0)
    """
    low = min(values, default=floor)
    if low > floor:
        return floor
    unit = 20.0 if 100.0 - low > 40 else 10.0 if 100.0 - low > 10 else 1.0
    lo = (low // unit) * unit
    if lo >= low:  # a value right on a round step: one step lower, or the bar is empty
        lo -= unit
    return max(0.0, lo)


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


def _tick_text(v: float, decimal: str) -> str:
    return f"{v:g}".replace(".", decimal) + "%"


def _marker(shape: str, x: float, y: float, r: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x}" cy="{y}" r="{r:g}" fill="{colour}"/>'
    if shape == "square":
        s = r * 1.7
        return (f'<rect x="{x - s / 2:.1f}" y="{y - s / 2:.1f}" width="{s:.1f}" '
                f'height="{s:.1f}" fill="{colour}"/>')
    if shape == "triangle":
        h = r * 1.3
        return (f'<polygon points="{x:.1f},{y - h:.1f} {x + h:.1f},{y + h * 0.8:.1f} '
                f'{x - h:.1f},{y + h * 0.8:.1f}" fill="{colour}"/>')
    if shape == "diamond":
        h = r * 1.35
        return (f'<polygon points="{x:.1f},{y - h:.1f} {x + h:.1f},{y:.1f} {x:.1f},{y + h:.1f} '
                f'{x - h:.1f},{y:.1f}" fill="{colour}"/>')
    if shape == "cross":
        h = r * 1.2
        return (f'<path d="M{x - h:.1f},{y - h:.1f}L{x + h:.1f},{y + h:.1f}M{x - h:.1f},'
                f'{y + h:.1f}L{x + h:.1f},{y - h:.1f}" stroke="{colour}" stroke-width="2.2"/>')
    h = r * 1.3
    return (f'<rect x="{x - 1.3:.1f}" y="{y - h:.1f}" width="2.6" height="{2 * h:.1f}" '
            f'fill="{colour}"/>')


def bar_chart(bars: Sequence[Bar], title: str, *, floor: float = 0.0, width: int = 640,
              goal_label: str = "objective", decimal: str = ".") -> Markup:
    """Horizontal bars from the axis minimum to 100 %, a dark tick at each bar's goal.

    The label area is as wide as the longest label, the value column as wide as the longest
    value text; ``width`` is the least total width. ``goal_label`` names the goal tick in the
    legend (shown when some bar has a goal); ``decimal`` is the locale's decimal sign for the
    axis ticks.
    """
    row, pad = 26, 8
    left = int(max([text_width(b.label) for b in bars] + [40.0]) + 2 * pad)
    right = int(max([text_width(b.text) for b in bars] + [40.0]) + 2 * pad)
    plot = max(width - left - right, 300)
    width = left + plot + right
    has_goal = any(b.goal for b in bars)
    top = 30 + (18 if has_goal else 0)
    height = top + row * max(len(bars), 1) + 24
    nums = [float(b.value) for b in bars] + [float(b.goal) for b in bars if b.goal]
    lo = _floor(nums, floor)
    span = 100.0 - lo or 1.0

    def x(v: float) -> float:
        return round(left + plot * (min(max(v, lo), 100.0) - lo) / span, 1)

    body = [f'<text x="{pad}" y="16" font-weight="600">{escape(title)}</text>']
    if has_goal:
        lx = left
        body.append(f'<line x1="{lx}" y1="{top - 22}" x2="{lx}" y2="{top - 8}" '
                    f'stroke="{GOAL}" stroke-width="2.5"/>')
        body.append(f'<text x="{lx + 8}" y="{top - 11}" fill="{MUTED}">'
                    f'{escape(goal_label)}</text>')
    for v in _ticks(lo):
        body.append(f'<line x1="{x(v)}" y1="{top - 4}" x2="{x(v)}" y2="{height - 20}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{x(v)}" y="{height - 6}" text-anchor="middle" '
                    f'fill="{MUTED}">{_tick_text(v, decimal)}</text>')
    for i, b in enumerate(bars):
        y = top + i * row
        colour = NEUTRAL if b.ok is None else (OK if b.ok else BAD)
        body.append(f'<text x="{left - pad}" y="{y + 15}" text-anchor="end">'
                    f'{escape(b.label)}</text>')
        # at least 3 px: a bar at the axis minimum is still a bar, not an absence
        body.append(f'<rect x="{left}" y="{y + 4}" width="{max(x(float(b.value)) - left, 3)}" '
                    f'height="{row - 10}" fill="{colour}"/>')
        if b.goal:
            gx = x(float(b.goal))
            body.append(f'<line x1="{gx}" y1="{y + 1}" x2="{gx}" y2="{y + row - 3}" '
                        f'stroke="{GOAL}" stroke-width="2.5"/>')
        body.append(f'<text x="{left + plot + pad}" y="{y + 15}">{escape(b.text)}</text>')
    return _svg(width, height, title, body)


def line_chart(x_labels: Sequence[str], series: Sequence[Series], title: str, *,
               floor: float = 0.0, width: int = 440, height: int = 230,
               goal_label: str = "objective", decimal: str = ".") -> Markup:
    """Lines across months (one per series, each with its own marker shape), the objective
    as a dashed line (one dark line when every series shares it, else one per series in its
    colour), a legend naming every series and the objective."""
    top, left, bottom = 28, 50, 28
    nums = [float(v) for s in series for v in s.values if v is not None]
    nums += [float(s.goal) for s in series if s.goal]
    lo = _floor(nums, floor)
    span = 100.0 - lo or 1.0
    goals = {s.goal for s in series if s.goal}
    shared_goal = len(goals) == 1 and all(s.goal for s in series)
    legend = [s.label for s in series] + ([goal_label] if goals else [])
    right = int(max([text_width(t) for t in legend] + [30.0]) + 44)
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)
    # sideways offsets keep coinciding points of different series visible side by side
    dodge = min(9.0, plot_w / n / (len(series) + 1)) if len(series) > 1 else 0.0

    def px(i: int, k: int = 0) -> float:
        return round(left + (plot_w * (i + 0.5) / n) + dodge * (k - (len(series) - 1) / 2), 1)

    def py(v: float) -> float:
        return round(top + plot_h * (100.0 - min(max(v, lo), 100.0)) / span, 1)

    body = [f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>']
    for v in _ticks(lo):
        body.append(f'<line x1="{left}" y1="{py(v)}" x2="{left + plot_w}" y2="{py(v)}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{py(v) + 4}" text-anchor="end" '
                    f'fill="{MUTED}">{_tick_text(v, decimal)}</text>')
    for i, label in enumerate(x_labels):
        body.append(f'<text x="{px(i)}" y="{height - 8}" text-anchor="middle">'
                    f'{escape(label)}</text>')
    if shared_goal:
        gy = py(float(next(iter(goals))))
        body.append(f'<line x1="{left}" y1="{gy}" x2="{left + plot_w}" y2="{gy}" '
                    f'stroke="{GOAL}" stroke-width="1.2" stroke-dasharray="5 3"/>')
    lx = left + plot_w + 14
    for k, s in enumerate(series):
        colour = SERIES[k % len(SERIES)]
        shape = MARKERS[k % len(MARKERS)]
        if s.goal and not shared_goal:
            body.append(f'<line x1="{left}" y1="{py(float(s.goal))}" x2="{left + plot_w}" '
                        f'y2="{py(float(s.goal))}" stroke="{colour}" stroke-width="1" '
                        f'stroke-dasharray="5 3"/>')
        points = [(px(i, k), py(float(v))) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{a},{b}" for a, b in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                        f'stroke-width="1.8" stroke-linejoin="round"/>')
        for a, b in points:
            body.append(_marker(shape, a, b, 3.6, colour))
        ly = top + 4 + k * 18
        body.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 20}" y2="{ly}" stroke="{colour}" '
                    f'stroke-width="1.8"/>')
        body.append(_marker(shape, lx + 10, ly, 3.6, colour))
        body.append(f'<text x="{lx + 26}" y="{ly + 4}">{escape(s.label)}</text>')
    if goals:
        ly = top + 4 + len(series) * 18
        body.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 20}" y2="{ly}" '
                    f'stroke="{GOAL if shared_goal else MUTED}" stroke-width="1.2" '
                    f'stroke-dasharray="5 3"/>')
        body.append(f'<text x="{lx + 26}" y="{ly + 4}" fill="{MUTED}">'
                    f'{escape(goal_label)}</text>')
    return _svg(width, height, title, body, "trend")
