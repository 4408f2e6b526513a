"""PDF label sheets with reportlab: Avery grids and 4x6 inch shipping labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from microindex.adapters.labels.templates import Label
from microindex.adapters.symbols.render import Symbol, Symbology, image

PADDING_MM = 2.0
TWO_D = frozenset({Symbology.QR, Symbology.GS1_DATAMATRIX})


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


def _draw_wide(canvas: Canvas, label: Label, box: Box) -> None:
    """Sheet labels: the 2D code on the left, text and a linear code on the right."""
    x, y, w, h = box
    main, *others = label.symbols
    side = min(h, w * 0.42)
    _symbol(canvas, main, (x, y + (h - side) / 2, side, side))
    text_x, text_w = x + side + 1.5, w - side - 1.5
    bottom = _text(canvas, label, text_x, y + h, text_w, size=7.5)
    if others:
        _symbol(canvas, others[0], (text_x, y, text_w, max(bottom - y - 1, 0)))


def _draw_tall(canvas: Canvas, label: Label, box: Box) -> None:
    """Shipping labels: heading and address on top, QR beside, the GS1-128 across the bottom."""
    x, y, w, h = box
    main, *others = label.symbols
    side = w * 0.42
    _symbol(canvas, main, (x + w - side, y + h - side, side, side))
    _text(canvas, label, x, y + h, w - side - 2, size=11)
    if others:
        _symbol(canvas, others[0], (x, y + 4, w, h * 0.3))


def _text(canvas: Canvas, label: Label, x: float, top: float, width: float, size: float) -> float:
    """Heading (bold) and lines from `top` down, each cut to `width`; returns the lowest y."""
    y = top
    for text, font in ((label.heading, "Helvetica-Bold"), *((t, "Helvetica") for t in label.lines)):
        y -= size * 0.3528 * 1.25  # points to mm, with line spacing
        canvas.setFont(font, size)
        canvas.drawString(x * mm, y * mm, _fit(text, font, size, width * mm))
    return y - 1


def _fit(text: str, font: str, size: float, width: float) -> str:
    shown = text.encode("latin-1", "replace").decode("latin-1")
    while shown and stringWidth(shown, font, size) > width:
        shown = shown[:-4] + "..." if len(shown) > 3 else ""
        shown = shown.encode("latin-1", "replace").decode("latin-1")
    return shown


def _symbol(canvas: Canvas, symbol: Symbol, box: Box) -> None:
    x, y, w, h = box
    if w <= 0 or h <= 0:
        return
    picture = image(symbol, module_px=6 if symbol.symbology in TWO_D else 4)
    canvas.drawImage(
        ImageReader(picture), x * mm, y * mm, w * mm, h * mm, preserveAspectRatio=True, anchor="sw"
    )
