"""Charts as inline SVG, drawn on the server: no script, no build step, readable without CSS.

Each function takes the numbers to draw and returns SVG markup with every text escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

PALETTE = ("#2f6f8f", "#d08a2e", "#5d9b5a", "#a24d6b", "#6b5ca5", "#7f7f7f")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _nice_top(value: float) -> float:
    """A round number at or above `value` for the top of an axis (1, 2, 2.5 or 5 times 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** (len(str(int(value))) - 1)
    for step in (1.0, 2.0, 2.5, 5.0):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def grouped_bars(
    title: str, categories: Sequence[str], series: dict[str, list[int]], width: int = 500
) -> str:
    """Vertical bars: one group per category, one bar per series in each, with a legend."""
    height, left, bottom, top = 260, 44, 36, 40
    plot_w, plot_h = width - left - 12, height - top - bottom
    peak = _nice_top(max((v for values in series.values() for v in values), default=0))
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [_open(title, width, height), _legend(list(series), left, 16)]
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{value:g}</text>'
        )
    for g, category in enumerate(categories):
        x0 = left + g * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series.items()):
            value = values[g]
            h = plot_h * value / peak
            x, y = x0 + s * bar_w, top + plot_h - h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(name)}, {escape(category)}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle" {FONT}>{escape(category)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    title: str,
    items: Sequence[tuple[str, Decimal]],
    label: Callable[[Decimal], str],
    width: int = 500,
) -> str:
    """One labelled bar per item, longest for the largest value."""
    row, left, top = 40, 90, 12
    height = top + row * len(items) + 8
    peak = max((value for _, value in items), default=Decimal(0)) or Decimal(1)
    plot_w = width - left - 120
    parts = [_open(title, width, height)]
    for i, (name, value) in enumerate(items):
        y = top + i * row
        w = float(value / peak) * plot_w
        parts.append(
            f'<text x="{left - 8}" y="{y + 22}" text-anchor="end" {FONT}>{escape(name)}</text>'
            f'<rect class="bar" x="{left}" y="{y + 6}" width="{w:.1f}" height="{row - 12}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(name)}: '
            f"{escape(label(value))}</title></rect>"
            f'<text x="{left + w + 8:.1f}" y="{y + 22}" {FONT}>{escape(label(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _legend(names: list[str], x: int, y: int) -> str:
    parts = []
    for i, name in enumerate(names):
        left = x + i * 100
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{left + 18}" y="{y}" {FONT}>{escape(name)}</text>'
        )
    return "".join(parts)
