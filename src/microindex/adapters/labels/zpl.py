"""ZPL II for Zebra printers: the same labels, drawn by the printer itself.

QR codes use ^BQ (model 2, error correction M), GS1-128 uses ^BC with `>;>8` (start C, FNC1)
and `>8` between fields, GS1 DataMatrix uses ^BX quality 200 with `_1` as FNC1. Text goes
through ^FH so `^` and `~` in a title cannot end the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from microindex.adapters.labels.templates import Label
from microindex.adapters.symbols.render import Symbol, Symbology


@dataclass(frozen=True, slots=True)
class ZplStock:
    """Label size in dots at the printer's resolution (8 dots/mm = 203 dpi)."""

    width: int
    height: int
    dots_per_mm: int = 8


STOCKS: dict[str, ZplStock] = {
    "4x6": ZplStock(812, 1218),
    "2x1": ZplStock(406, 203),
    "62x29": ZplStock(496, 232),
}


def zpl(label: Label, stock: ZplStock) -> str:
    """One ^XA...^XZ block: text top left, the 2D code top right, a linear code below."""
    margin = 3 * stock.dots_per_mm
    tall = stock.height > stock.width
    font = 40 if tall else 22
    commands = ["^XA", "^CI28", f"^PW{stock.width}", f"^LL{stock.height}"]
    main, *others = label.symbols
    module = 8 if tall else 3
    commands.append(_symbol(main, stock.width - margin - _qr_width(main, module), margin, module))
    y = margin
    room = stock.width - 3 * margin - _qr_width(main, module)
    for index, text in enumerate((label.heading, *label.lines)):
        size = font if index else round(font * 1.2)
        shown = _cut(text, int(room / (size * 0.55)))
        commands.append(f"^FO{margin},{y}^A0N,{size},{size}^FH\\^FD{_text(shown)}^FS")
        y += size + 6
    if others:
        below = max(y, margin + (_qr_width(main, module) if tall else 0)) + margin
        commands.append(_symbol(others[0], margin, below, 4 if tall else 2))
    commands.append("^XZ")
    return "\n".join(commands) + "\n"


def _qr_width(symbol: Symbol, module: int) -> int:
    return module * (45 if symbol.symbology is Symbology.QR else 26)


def _symbol(symbol: Symbol, x: int, y: int, module: int) -> str:
    at = f"^FO{x},{y}"
    if symbol.symbology is Symbology.QR:
        return f"{at}^BQN,2,{module}^FH\\^FDMA,{_text(symbol.data)}^FS"
    if symbol.symbology is Symbology.GS1_DATAMATRIX:
        data = _fnc1_data(symbol, "_1", {"_": "_d095"})
        return f"{at}^BXN,{module * 2},200,0,0,1,_,1^FD_1{data}^FS"
    if symbol.symbology is Symbology.GS1_128:
        data = _fnc1_data(symbol, ">8", {">": "><"})
        return f"{at}^BY{module}^BCN,{module * 40},Y,N,N^FD>;>8{data}^FS"
    kind = "^BEN" if symbol.symbology is Symbology.EAN13 else "^BUN"
    return f"{at}^BY{module}{kind},{module * 35},Y,N^FD{symbol.data[:-1]}^FS"


def _fnc1_data(symbol: Symbol, fnc1: str, escapes: dict[str, str]) -> str:
    """Element data with `fnc1` after each variable-length field that is not last."""
    assert symbol.elements is not None, "a GS1 symbol is made by gs1_128 or gs1_datamatrix"
    elements = symbol.elements.elements
    parts: list[str] = []
    for index, element in enumerate(elements):
        parts.append(element.ai + "".join(escapes.get(c, c) for c in element.value))
        if element.spec.separator_required and index < len(elements) - 1:
            parts.append(fnc1)
    return "".join(parts)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def _text(text: str) -> str:
    return "".join(f"\\{ord(c):02X}" if c in "\\^~" else c for c in text)
