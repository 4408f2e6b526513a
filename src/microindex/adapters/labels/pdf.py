"""PDF label sheets with reportlab: Avery grids and 4x6 inch shipping labels.

Symbols are drawn as vector modules (bars at exact module widths, whole dots of a 600 dpi
printer) at the X-dimension and bar height GS1's symbol specification tables give the label's
use, with their quiet zones kept clear; a label too small for that is refused, not shrunk.
Text is wrapped, and set in DejaVu Sans (embedded) where the system has it; Japanese (kana,
kanji, full-width forms) in the Adobe-Japan1 font every PDF viewer supplies; a character no font
here has (an emoji) is left out, never printed as an empty box.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import getFont, registerFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from microindex.adapters.labels.right_to_left import visual
from microindex.adapters.labels.templates import Label
from microindex.adapters.symbols.render import Symbol, modules
from microindex.domain.gs1.print_grade import Use, fit

PADDING_MM = 2.0


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """A label stock: page size, grid and pitch in millimetres (from the maker's template)."""

    code: str
    page_w: float
    page_h: float
    columns: int
    rows: int
    label_w: float
    label_h: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell(self, index: int) -> tuple[float, float]:
        """Bottom-left corner (mm from the page's bottom-left) of label `index` on its page."""
        row, column = divmod(index % self.per_page, self.columns)
        x = self.left + column * self.pitch_x
        y = self.page_h - self.top - row * self.pitch_y - self.label_h
        return x, y


LAYOUTS: dict[str, SheetLayout] = {
    layout.code: layout
    for layout in (
        SheetLayout("avery-l7160", 210, 297, 3, 7, 63.5, 38.1, 7.25, 15.15, 66.04, 38.1),
        SheetLayout("avery-l7163", 210, 297, 2, 7, 99.1, 38.1, 4.65, 15.15, 101.6, 38.1),
        SheetLayout("shipping-4x6", 101.6, 152.4, 1, 1, 101.6, 152.4, 0, 0, 101.6, 152.4),
    )
}


def write_pdf(
    labels: Iterable[Label],
    layout: SheetLayout,
    out: Path | BinaryIO,
    done: Callable[[Label], None] | None = None,
) -> int:
    """Lay the labels out page by page; calls `done` after each label. Returns labels drawn."""
    target = str(out) if isinstance(out, Path) else out
    canvas = Canvas(target, pagesize=(layout.page_w * mm, layout.page_h * mm))
    canvas.setTitle("microindex labels")
    count = 0
    for label in labels:
        if count and count % layout.per_page == 0:
            canvas.showPage()
        x, y = layout.cell(count)
        box = (
            x + PADDING_MM,
            y + PADDING_MM,
            layout.label_w - 2 * PADDING_MM,
            layout.label_h - 2 * PADDING_MM,
        )
        if layout.label_h > 100:
            _draw_tall(canvas, label, box)
        else:
            _draw_wide(canvas, label, box)
        count += 1
        if done is not None:
            done(label)
    canvas.showPage()
    canvas.save()
    return count


Box = tuple[float, float, float, float]  # x, y, width, height in mm
PT = 0.3528  # mm per point
HRI_MM = 2.8  # room under a linear symbol for its human-readable digits
DOT_MM = 25.4 / 600  # a 600 dpi office printer: every module a whole number of dots


def _draw_wide(canvas: Canvas, label: Label, box: Box) -> None:
    """Sheet labels: the 2D code on the left, text and a linear code on the right."""
    x, y, w, h = box
    main, *others = label.symbols
    side = min(h, w * 0.42)
    used = _symbol(canvas, main, label.use, (x, y + (h - side) / 2, side, side))
    text_x = x + used + 1
    text_w = w - used - 1
    floor = y
    if others:
        floor = y + _symbol(canvas, others[0], label.use, (text_x, y, text_w, h - 2 * 3.3), True)
    _text(canvas, label, text_x, y + h, text_w, floor, size=7.5)


def _draw_tall(canvas: Canvas, label: Label, box: Box) -> None:
    """Shipping labels: heading and address on top, QR beside, the GS1-128 across the bottom."""
    x, y, w, h = box
    main, *others = label.symbols
    side = w * 0.42
    _symbol(canvas, main, label.use, (x + w - side, y + h - side, side, side))
    floor = y
    if others:
        floor = y + _symbol(canvas, others[0], label.use, (x, y, w, h * 0.4), True) + 2
    _text(canvas, label, x, y + h, w - side - 2, floor, size=11)


def _text(
    canvas: Canvas,
    label: Label,
    x: float,
    top: float,
    width: float,
    floor: float,
    size: float,
) -> None:
    """Heading (bold) and lines from `top` down to `floor`, wrapped to `width` (never cut
    mid-word where a wrap fits); the size shrinks to 70% before lines are dropped."""
    regular, bold = fonts()
    for points in (size, size * 0.85, size * 0.7):
        step = points * PT * 1.2
        lines = [(t, bold) for t in _wrap(label.heading, bold, points, width)[:2]]
        for text in label.lines:
            lines += [(t, regular) for t in _wrap(text, regular, points, width)]
        if len(lines) * step <= top - floor:
            break
    fitting = max(int((top - floor) / step), 0)
    y = top
    for text, font in lines[:fitting]:
        y -= step
        left = x * mm
        for run, face in _runs(visual(text), font):
            canvas.setFont(face, points)
            canvas.drawString(left, y * mm, run)
            left += stringWidth(run, face, points)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width` mm: at spaces where possible, else within a long word.

    Linear in the text's length (a 16,000-character address is wrapped in milliseconds)."""
    shown = _drawable(text, font)
    limit = width * mm
    lines: list[str] = []
    current = ""
    for word in shown.split(" "):
        candidate = f"{current} {word}" if current else word
        if _width(candidate, font, size) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while _width(word, font, size) > limit:
            cut = _longest_prefix(word, font, size, limit)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
        if len(lines) > 200:  # far more than any label holds
            break
    if current:
        lines.append(current)
    return lines


def _longest_prefix(word: str, font: str, size: float, limit: float) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(word[:middle], font, size) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _symbol(canvas: Canvas, symbol: Symbol, use: Use, box: Box, bottom: bool = False) -> float:
    """Draw `symbol` as vector modules at the X GS1's table gives `use`, inside `box` (left or
    bottom aligned), with its human-readable text under a linear symbol. Returns the width used
    (a 2D code) or the height used (a linear one, `bottom`). Raises SymbolDoesNotFit."""
    x, y, w, h = box
    grid = modules(symbol)
    linear = grid.high is None
    room = h - HRI_MM if linear else h
    place = fit(symbol.symbology.value, use, grid.wide, grid.high, w, room, DOT_MM)
    canvas.setFillColorRGB(0, 0, 0)
    left = x + place.quiet_left
    if linear:
        base = y + HRI_MM
        for start, length in grid.runs():
            canvas.rect(
                (left + start * place.x) * mm,
                base * mm,
                length * place.x * mm,
                place.height * mm,
                stroke=0,
                fill=1,
            )
        regular, _ = fonts()
        canvas.setFont(regular, 7)
        middle = left + grid.wide * place.x / 2
        canvas.drawCentredString(middle * mm, (y + 0.4) * mm, symbol.data)
        return place.height + HRI_MM
    high = grid.high or 0
    top = y + (h + high * place.x) / 2 if not bottom else y + high * place.x + place.quiet_left
    for row in range(high):
        for start, length in grid.runs(row):
            canvas.rect(
                (left + start * place.x) * mm,
                (top - (row + 1) * place.x) * mm,
                length * place.x * mm,
                place.x * mm,
                stroke=0,
                fill=1,
            )
    return place.width(grid.wide)


def _covered(font: str) -> Callable[[str], bool]:
    """Whether `font` has a glyph for a character: the embedded font's own map, Latin-1 for
    the built-in one."""
    if font.startswith(UNICODE_FONT):
        glyphs = getFont(font).face.charToGlyph
        return lambda c: ord(c) in glyphs
    return lambda c: ord(c) < 256


def _face(c: str, covered: Callable[[str], bool], font: str) -> str | None:
    if covered(c):
        return font
    return japanese_font() if _JAPANESE.match(c) else None


def _drawable(text: str, font: str) -> str:
    """`text` without the characters no font here draws, its spaces single again."""
    covered = _covered(font)
    kept = "".join(c for c in text if _face(c, covered, font) is not None)
    return " ".join(kept.split())


def _runs(text: str, font: str) -> list[tuple[str, str]]:
    """`text` (drawable) as runs of (text, the font that draws it)."""
    covered = _covered(font)
    runs: list[tuple[str, str]] = []
    for c in text:
        face = _face(c, covered, font) or font
        if runs and runs[-1][1] == face:
            runs[-1] = (runs[-1][0] + c, face)
        else:
            runs.append((c, face))
    return runs


def _width(text: str, font: str, size: float) -> float:
    return sum((float(stringWidth(run, face, size)) for run, face in _runs(text, font)), 0.0)


# Kana, CJK ideographs and symbols, full-width and half-width forms.
_JAPANESE = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
JAPANESE_FONT = "HeiseiKakuGo-W5"


@cache
def japanese_font() -> str:
    """A gothic Japanese font named, not embedded (Adobe-Japan1): PDF viewers supply it."""
    registerFont(UnicodeCIDFont(JAPANESE_FONT))
    return JAPANESE_FONT


UNICODE_FONT = "DejaVuSans"
_FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
)


@cache
def fonts() -> tuple[str, str]:
    """(regular, bold): DejaVu Sans, embedded, where the system has it (every script in
    Europe and beyond); else Helvetica, which prints only Latin-1."""
    for regular in _FONT_FILES:
        heavy = regular.with_name("DejaVuSans-Bold.ttf")
        if regular.is_file() and heavy.is_file():
            registerFont(TTFont(UNICODE_FONT, str(regular)))
            registerFont(TTFont(f"{UNICODE_FONT}-Bold", str(heavy)))
            return UNICODE_FONT, f"{UNICODE_FONT}-Bold"
    return "Helvetica", "Helvetica-Bold"
