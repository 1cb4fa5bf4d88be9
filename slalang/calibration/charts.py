"""Inline SVG for the calibration page: per priority, a histogram of elapsed business time with
the proposed target marked; for a backtest, monthly credit bars. No script, no fetch; every
label is text the page's tables also show."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from markupsafe import Markup, escape

from slalang.plan.text import format_duration

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
BAR, TARGET, RAW, GRID, CREDIT = "#90a4ae", "#c62828", "#1565c0", "#cfd8dc", "#ef6c00"
BINS = 24
#: tick spacings on a time axis (seconds): the first that puts at most 5 ticks on the axis
TICKS = tuple(m * 60 for m in (1, 2, 5, 10, 15, 30)) + tuple(
    h * 3600 for h in (1, 2, 4, 8, 16, 24, 40, 80, 160, 320, 640))


def _tick(cap: int) -> int:
    """The tick spacing for an axis from 0 to ``cap`` seconds.

    >>> _tick(100 * 60) // 60, _tick(7 * 3600) // 3600
    (30, 2)
    """
    return next((t for t in TICKS if cap / t <= 5), TICKS[-1])


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    return Markup("\n".join([
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{t}" {FONT} font-size="12">',
        f"<title>{t}</title>", *body, "</svg>"]))


def histogram(elapsed: Sequence[int], target: int | None, raw: int | None, title: str,
              level: str) -> Markup:
    """Elapsed times in equal bins up to a little past the target (or the 99th percentile);
    longer times in a last bin labelled "more"; the contract target a red line, the time the
    level needed a blue dashed one, each named in the legend."""
    width, height, left, bottom, top = 520, 220, 44, 40, 34
    values = np.asarray(elapsed, dtype=np.int64)
    if len(values) == 0:
        return _svg(width, 60, title, [f'<text x="10" y="30">{escape(title)}: no ticket</text>'])
    cap = int(max(int(np.percentile(values, 99)), target or 0, raw or 0, 60) * 1.1)
    tick = _tick(cap)
    cap = -(-cap // tick) * tick  # the axis ends on a tick
    edges = np.linspace(0, cap, BINS + 1)
    counts, _ = np.histogram(np.minimum(values, cap - 1), bins=edges)
    over = int((values >= cap).sum())
    counts[-1] -= over  # the clipped ones go to the "more" bin
    bars = [*counts.tolist(), over]
    plot_w, plot_h = width - left - 10, height - top - bottom
    bw = plot_w / len(bars)
    peak = max(bars) or 1
    body = [f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>',
            f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
            f'stroke="{GRID}"/>',
            f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>',
            f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, n in enumerate(bars):
        h = plot_h * n / peak
        # a non-empty bin is at least 2 px tall, so one ticket is visible
        h = max(h, 2) if n else 0
        x = left + i * bw
        body.append(f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bw - 2:.1f}" '
                    f'height="{h:.1f}" fill="{BAR}"><title>{n}</title></rect>')
    for t in range(0, cap, tick):
        x = left + t / cap * BINS * bw
        body.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                    f'{escape(format_duration(t) if t else "0")}</text>')
    body.append(f'<text x="{left + (BINS + 0.5) * bw:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle">more</text>')
    legend_y = height - 6
    lx = left
    for seconds, colour, dash, label in ((target, TARGET, "", "proposed target"),
                                         (raw, RAW, ' stroke-dasharray="4 3"',
                                          f"time {level} of tickets were within")):
        if seconds is None:
            continue
        x = left + min(seconds / cap, 1) * BINS * bw
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + plot_h}" '
                    f'stroke="{colour}" stroke-width="2"{dash}/>')
        text = f"{label} {format_duration(seconds)}"
        body.append(f'<line x1="{lx}" y1="{legend_y - 4}" x2="{lx + 18}" y2="{legend_y - 4}" '
                    f'stroke="{colour}" stroke-width="2"{dash}/>')
        body.append(f'<text x="{lx + 22}" y="{legend_y}">{escape(text)}</text>')
        lx += 30 + 7 * len(text)
    return _svg(width, height, title, body)


def credit_bars(months: Sequence[tuple[str, float, str]], title: str) -> Markup:
    """One vertical bar per month: (label, amount, formatted amount)."""
    width, height, left, bottom, top = 520, 200, 20, 30, 30
    plot_w, plot_h = width - 2 * left, height - top - bottom
    peak = max((m[1] for m in months), default=0) or 1
    bw = plot_w / max(len(months), 1)
    body = [f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>',
            f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
            f'stroke="{GRID}"/>']
    for i, (label, amount, text) in enumerate(months):
        h = plot_h * amount / peak
        h = max(h, 2) if amount else 0
        x = left + i * bw
        body.append(f'<rect x="{x + bw * 0.2:.1f}" y="{top + plot_h - h:.1f}" '
                    f'width="{bw * 0.6:.1f}" height="{h:.1f}" fill="{CREDIT}"/>')
        body.append(f'<text x="{x + bw / 2:.1f}" y="{top + plot_h - h - 4:.1f}" '
                    f'text-anchor="middle">{escape(text)}</text>')
        body.append(f'<text x="{x + bw / 2:.1f}" y="{top + plot_h + 16}" '
                    f'text-anchor="middle">{escape(label)}</text>')
    return _svg(width, height, title, body)
