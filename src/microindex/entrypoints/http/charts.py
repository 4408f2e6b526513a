"""Charts as inline SVG, drawn on the server: no script, no build step, readable without CSS.

Each function takes the numbers to draw and returns SVG markup with every text escaped. A node
keeps one colour in every chart (`node_colours`); what is not a node (a package type, a
channel) is drawn in one neutral colour. A chart's heading and subtitle are the page's, in
HTML, where they wrap; the SVG carries them only as its accessible name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6f8f", "#d08a2e", "#5d9b5a", "#a24d6b", "#6b5ca5", "#3f8f8a", "#b5651d")
NEUTRAL = "#7f8c99"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
LABEL_CHARS = 16  # a longer label is cut (the bar's tooltip has it whole)


def node_colours(codes: Sequence[str]) -> dict[str, str]:
    """One colour per node, the same in every chart: by the nodes' order, codes sorted."""
    return {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(sorted(codes))}


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its length (None: not measured) and the words beside it."""

    label: str
    value: float | None
    text: str


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
    title: str,
    categories: Sequence[str],
    series: dict[str, list[int]],
    colours: Mapping[str, str],
    width: int = 500,
) -> str:
    """Vertical bars: one group per category, one bar per series in each, with a legend."""
    height, left, bottom, top = 260, 44, 36, 40
    plot_w, plot_h = width - left - 12, height - top - bottom
    peak = _nice_top(max((v for values in series.values() for v in values), default=0))
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [_open(title, width, height), _legend(list(series), colours, left, 16, width)]
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
                f'height="{h:.1f}" fill="{colours.get(name, NEUTRAL)}">'
                f"<title>{escape(name)}, {escape(category)}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle" {FONT}>{escape(category)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    title: str, bars: Sequence[Bar], colours: Mapping[str, str], peak: float = 0.0, width: int = 500
) -> str:
    """One labelled bar per item, longest for the largest value (or `peak`), its words beside
    it; a bar not measured says "not measured", never a zero."""
    row, left, top, room = 34, 120, 6, 150
    height = top + row * len(bars) + 6
    peak = peak or max((b.value or 0.0 for b in bars), default=0.0) or 1.0
    plot_w = width - left - room
    parts = [_open(title, width, height)]
    for i, bar in enumerate(bars):
        y = top + i * row
        w = plot_w * min(bar.value or 0.0, peak) / peak
        label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
        text = bar.text if bar.value is not None else "not measured"
        parts.append(
            f'<text x="{left - 8}" y="{y + 20}" text-anchor="end" {FONT}>{escape(label)}</text>'
            f'<rect class="bar" x="{left}" y="{y + 5}" width="{w:.1f}" height="{row - 12}" '
            f'fill="{colours.get(bar.label, NEUTRAL)}"><title>{escape(bar.label)}: '
            f"{escape(text)}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 20}" {FONT}>{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _legend(names: list[str], colours: Mapping[str, str], x: int, y: int, width: int) -> str:
    """The series' names in a row, each after its colour, as many as fit (each bar's tooltip
    names its series)."""
    parts, left = [], x
    for name in names:
        shown = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        step = 30 + 7 * len(shown)
        if left + step > width:
            break
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" '
            f'fill="{colours.get(name, NEUTRAL)}"/>'
            f'<text x="{left + 18}" y="{y}" {FONT}>{escape(shown)}</text>'
        )
        left += step
    return "".join(parts)
