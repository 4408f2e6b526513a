"""Drawing GS1 symbols as PNG or SVG.

QR codes come from segno, EAN-13, EAN-8, UPC-A and ITF-14 from python-barcode, GS1-128 and GS1
DataMatrix from zxing-cpp's writer (its `gs1=True` option puts FNC1 in first position and between
fields). `modules` gives any symbol's module grid, which the PDF labels draw as vectors at an
X-dimension chosen from GS1's symbol specification tables (`domain.gs1.print_grade`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum

import barcode
import segno
import zxingcpp
from barcode.writer import ImageWriter, SVGWriter
from PIL import Image

from microindex.domain.errors import DomainError
from microindex.domain.gs1.element_string import ElementString
from microindex.domain.gtin import Gtin

MM_PER_INCH = 25.4


class Symbology(StrEnum):
    QR = "qr"
    EAN13 = "ean13"
    EAN8 = "ean8"
    UPCA = "upca"
    ITF14 = "itf14"
    GS1_128 = "gs1-128"
    GS1_DATAMATRIX = "gs1-datamatrix"


@dataclass(eq=False)
class UnprintableSymbol(DomainError):
    symbology: str
    content: str
    reason: str
    code = "unprintable_symbol"

    def __str__(self) -> str:
        return f"cannot print {self.content!r} as {self.symbology}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Symbol:
    """What one symbol carries: a URL (QR), digits (EAN-13, UPC-A) or `(AI)data` (GS1).

    For a GS1 symbol `data` is only the printed text (HRI); the symbol is encoded from
    `elements`, the typed AI values, since data may itself hold `(21)` (parentheses are GS1
    characters) and the bracketed text cannot say where an AI starts.
    """

    symbology: Symbology
    data: str
    elements: ElementString | None = None


def qr(uri: str) -> Symbol:
    return Symbol(Symbology.QR, uri)


def ean13(gtin: Gtin) -> Symbol:
    if gtin.gtin8 is not None:
        raise UnprintableSymbol("ean13", gtin.digits, "a GTIN-8 is printed as an EAN-8")
    if gtin.gtin13 is None:
        raise UnprintableSymbol("ean13", gtin.digits, "a GTIN-14 with an indicator digit")
    return Symbol(Symbology.EAN13, gtin.gtin13)


def ean8(gtin: Gtin) -> Symbol:
    if gtin.gtin8 is None:
        raise UnprintableSymbol("ean8", gtin.digits, "only a GTIN-8 fits an EAN-8")
    return Symbol(Symbology.EAN8, gtin.gtin8)


def itf14(gtin: Gtin) -> Symbol:
    """A case's GTIN-14 as ITF-14, for corrugated cartons that never reach a till."""
    return Symbol(Symbology.ITF14, gtin.digits)


def retail(gtin: Gtin) -> Symbol | None:
    """The linear symbol a till scans for this GTIN: EAN-8 for a GTIN-8, EAN-13 otherwise
    (a GTIN-12 reads the same as an EAN-13 with a leading 0); None for a GTIN-14 case."""
    if gtin.gtin8 is not None:
        return ean8(gtin)
    return ean13(gtin) if gtin.gtin13 is not None else None


def upca(gtin: Gtin) -> Symbol:
    if not gtin.digits.startswith("00") or gtin.gtin8 is not None:
        raise UnprintableSymbol("upca", gtin.digits, "only a GTIN-12 fits a UPC-A")
    return Symbol(Symbology.UPCA, gtin.digits[2:])


GS1_128_MAX_DATA = 48  # GS1 General Specifications: data characters in one GS1-128


def gs1_128(elements: ElementString) -> Symbol:
    ordered = fixed_length_first(elements)
    size = len(ordered.raw())
    if size > GS1_128_MAX_DATA:
        raise UnprintableSymbol(
            Symbology.GS1_128,
            ordered.bracketed(),
            f"{size} data characters, more than the {GS1_128_MAX_DATA} one GS1-128 holds:"
            " use --symbol gs1-datamatrix, or fewer or shorter fields",
        )
    return Symbol(Symbology.GS1_128, ordered.bracketed(), ordered)


def gs1_datamatrix(elements: ElementString) -> Symbol:
    ordered = fixed_length_first(elements)
    return Symbol(Symbology.GS1_DATAMATRIX, ordered.bracketed(), ordered)


def fixed_length_first(elements: ElementString) -> ElementString:
    """Predefined-length AIs first (no FNC1 after them), the rest in the order given."""
    return ElementString(tuple(sorted(elements.elements, key=lambda e: e.spec.separator_required)))


_ZXING = {
    Symbology.GS1_128: zxingcpp.BarcodeFormat.Code128,
    Symbology.GS1_DATAMATRIX: zxingcpp.BarcodeFormat.DataMatrix,
}
_ZXING_LINEAR = {
    Symbology.EAN13: zxingcpp.BarcodeFormat.EAN13,
    Symbology.EAN8: zxingcpp.BarcodeFormat.EAN8,
    Symbology.UPCA: zxingcpp.BarcodeFormat.UPCA,
    Symbology.ITF14: zxingcpp.BarcodeFormat.ITF14,
}
LINEAR = frozenset({*_ZXING_LINEAR, Symbology.GS1_128})


@dataclass(frozen=True, slots=True)
class Modules:
    """A symbol's modules without quiet zones: one row for a linear symbol (True is a bar),
    or the grid of a 2D symbol (True is dark)."""

    rows: tuple[tuple[bool, ...], ...]

    @property
    def wide(self) -> int:
        return len(self.rows[0])

    @property
    def high(self) -> int | None:
        return len(self.rows) if len(self.rows) > 1 else None

    def runs(self, row: int = 0) -> list[tuple[int, int]]:
        """Dark runs in a row as (first module, length), for drawing bars as rectangles."""
        found: list[tuple[int, int]] = []
        start = None
        for index, dark in enumerate((*self.rows[row], False)):
            if dark and start is None:
                start = index
            elif not dark and start is not None:
                found.append((start, index - start))
                start = None
        return found


def modules(symbol: Symbol) -> Modules:
    """The module grid to draw as vectors (segno for QR, zxing-cpp's writer for the rest)."""
    if symbol.symbology is Symbology.QR:
        code = segno.make(symbol.data, error="m", micro=False)
        return Modules(tuple(tuple(bool(v) for v in row) for row in code.matrix))
    if symbol.symbology is Symbology.ITF14:
        # the bars alone: zxing's ITF-14 writer frames them in a bearer box with no quiet
        # zone inside it
        made = zxingcpp.create_barcode(symbol.data, zxingcpp.BarcodeFormat.ITF)
    elif symbol.symbology in _ZXING_LINEAR:
        made = zxingcpp.create_barcode(symbol.data, _ZXING_LINEAR[symbol.symbology])
    else:
        made = _zxing(symbol)
    picture = zxingcpp.write_barcode_to_image(made, scale=1, add_quiet_zones=False)
    height, width = picture.shape
    pixels = bytes(memoryview(picture))  # type: ignore[arg-type]  # Image has the buffer protocol
    rows = tuple(tuple(pixels[r * width + c] < 128 for c in range(width)) for r in range(height))
    return Modules(rows[:1] if symbol.symbology in LINEAR else rows)


def image(symbol: Symbol, module_px: int = 4) -> Image.Image:
    """A grayscale image with the quiet zone, `module_px` pixels per narrowest module."""
    if symbol.symbology is Symbology.QR:
        buffer = io.BytesIO()
        segno.make(symbol.data, error="m", micro=False).save(
            buffer, kind="png", scale=module_px, border=4
        )
        return Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    if symbol.symbology in _ZXING:
        made = zxingcpp.write_barcode_to_image(_zxing(symbol), scale=module_px)
        height, width = made.shape
        pixels = bytes(memoryview(made))  # type: ignore[arg-type]  # Image has the buffer protocol
        return Image.frombytes("L", (width, height), pixels)
    dpi = round(module_px * MM_PER_INCH / 0.33)
    buffer = io.BytesIO()
    _linear(symbol, ImageWriter()).write(buffer, options=_linear_options(dpi))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def png(symbol: Symbol, module_px: int = 4) -> bytes:
    buffer = io.BytesIO()
    image(symbol, module_px).save(buffer, format="PNG")
    return buffer.getvalue()


def svg(symbol: Symbol, module_px: int = 4) -> str:
    if symbol.symbology is Symbology.QR:
        buffer = io.BytesIO()
        segno.make(symbol.data, error="m", micro=False).save(
            buffer, kind="svg", scale=module_px, border=4
        )
        return buffer.getvalue().decode()
    if symbol.symbology in _ZXING:
        return str(zxingcpp.write_barcode_to_svg(_zxing(symbol), scale=module_px))
    buffer = io.BytesIO()
    _linear(symbol, SVGWriter()).write(buffer, options=_linear_options(96))
    return buffer.getvalue().decode()


def _zxing(symbol: Symbol) -> zxingcpp.Barcode:
    # Square DataMatrix: rectangular (DMRE) symbols are read by too few scanners.
    square = {"force_square": True} if symbol.symbology is Symbology.GS1_DATAMATRIX else {}
    # zxing-cpp (zint) reads `[AI]data`: square brackets are not GS1 characters, so data with
    # parentheses stays data.
    assert symbol.elements is not None, "a GS1 symbol is made by gs1_128 or gs1_datamatrix"
    content = "".join(f"[{e.ai}]{e.value}" for e in symbol.elements.elements)
    try:
        return zxingcpp.create_barcode(content, _ZXING[symbol.symbology], gs1=True, **square)
    except ValueError as error:
        raise UnprintableSymbol(symbol.symbology, symbol.data, str(error)) from None


def _linear(symbol: Symbol, writer: ImageWriter | SVGWriter) -> barcode.base.Barcode:
    names = {Symbology.EAN13: "ean13", Symbology.EAN8: "ean8", Symbology.ITF14: "itf"}
    return barcode.get(names.get(symbol.symbology, "upca"), symbol.data, writer=writer)


def _linear_options(dpi: int) -> dict[str, object]:
    """Nominal size (0.33 mm modules, 100% magnification) and the EAN/UPC quiet zones."""
    return {
        "module_width": 0.33,
        "module_height": 22.85,
        "quiet_zone": 3.63,
        "dpi": dpi,
        "font_size": 9,
        "text_distance": 4,
    }
