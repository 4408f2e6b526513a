"""Charts as SVG strings: bars and lines, server-rendered, no JavaScript, no dependencies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6f8f", "#d9822b", "#5a9e4b", "#a8455a", "#7a5fa8", "#8c8c8c")
WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 28, 40


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _axis(top: float, fmt: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        label = format(top * i / 4, fmt)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e3e3"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{label}</text>'
        )
    return parts


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: str = ".0%",
    top: float | None = None,
) -> str:
    """One bar per label; a None value is drawn as "n/a" (not measured), never as zero."""
    if not labels:
        return empty_chart(title, "no data in the period")
    known = [v for v in values if v is not None]
    top = top or max(known, default=1.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)
    body = _axis(top, fmt)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + slot * i + slot * 0.15
        base = TOP + plot_h
        if value is None:
            body.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{base - 6}" text-anchor="middle" '
                'fill="#999">n/a</text>'
            )
        else:
            h = plot_h * min(value, top) / top
            body.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[0]}"/>'
                f'<text x="{x + slot * 0.35:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">'
                f"{format(value, fmt)}</text>"
            )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{base + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return _frame(title, body)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: str = ".0f",
    top: float | None = None,
) -> str:
    """One line per series over shared x labels; gaps where a value is None."""
    known = [v for s in series for v in s.values if v is not None]
    if not labels or not known:
        return empty_chart(title, "no data in the period")
    top = top or max(known) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(labels) - 1)
    body = _axis(top, fmt)
    for i, label in enumerate(labels):
        body.append(
            f'<text x="{LEFT + step * i:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'fill="#555">{escape(label)}</text>'
        )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = [
            f"{LEFT + step * i:.1f},{TOP + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(s.values)
            if v is not None
        ]
        body.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        lx = LEFT + n * 120
        body.append(
            f'<rect x="{lx}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{HEIGHT - 5}">{escape(s.name)}</text>'
        )
    return _frame(title, body)


def empty_chart(title: str, reason: str) -> str:
    """A chart frame that says why there is nothing to draw."""
    y = HEIGHT / 2
    return _frame(
        title,
        [
            f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{HEIGHT - TOP - BOTTOM}" fill="#f6f6f6"/>',
            f'<text x="{WIDTH / 2}" y="{y}" text-anchor="middle" fill="#777">'
            f"{escape(reason)}</text>",
        ],
    )
