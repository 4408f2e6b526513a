"""ZPL II for Zebra printers: the same labels, drawn by the printer itself.

QR codes use ^BQ (model 2, error correction M), GS1-128 uses ^BC with `>;>8` (start C, FNC1)
and `>8` between fields, GS1 DataMatrix uses ^BX quality 200 with `@` as its escape character
and `@1` as FNC1 (no GS1 character set holds `@`), EAN-13 ^BE and ITF-14 ^B2; EAN-8 and UPC-A
are drawn as a ^GF graphic of whole-dot modules, as ^B8 and ^BU are missing from many ZPL
emulations. Every symbol is sized from the stock and the printer's resolution: its module a
whole number of dots at an X-dimension within GS1's table for the label's use, its quiet zones
and human-readable text on the label; when they cannot fit, the label is refused with the
stocks that would hold it. A label whose text holds right-to-left letters (Arabic, Hebrew)
sets ^PA0,1,1,0, Zebra's advanced text properties as its own ZebraDesigner writes them:
bidirectional layout and character shaping on, so a word is laid right to left with its letters
joined (from firmware V60.14 and Link-OS; older printers ignore it). Text goes through ^FH so
`^` and `~` in a title or a link cannot end the field or start a printer command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from unicodedata import bidirectional, east_asian_width

from microindex.adapters.labels.templates import Label
from microindex.adapters.symbols.render import Symbol, Symbology, modules
from microindex.domain.errors import InvalidValue
from microindex.domain.gs1.print_grade import SymbolDoesNotFit, fit

MARGIN_MM = 2.0
HRI_MM = 3.0  # the printer's interpretation line under a linear symbol


@dataclass(frozen=True, slots=True)
class ZplStock:
    """Label size in millimetres and the printer's resolution (dots per inch)."""

    code: str
    width_mm: float
    height_mm: float
    dpi: int = 203

    @property
    def dots_per_mm(self) -> float:
        return self.dpi / 25.4

    @property
    def width(self) -> int:
        return round(self.width_mm * self.dots_per_mm)

    @property
    def height(self) -> int:
        return round(self.height_mm * self.dots_per_mm)

    def at(self, dpi: int) -> ZplStock:
        return ZplStock(self.code, self.width_mm, self.height_mm, dpi)


STOCKS: dict[str, ZplStock] = {
    stock.code: stock
    for stock in (
        ZplStock("4x6", 101.6, 152.4),
        ZplStock("2x1", 50.8, 25.4),
        ZplStock("62x29", 62.0, 29.0),
    )
}
DPIS = (203, 300, 600)


@dataclass(frozen=True, slots=True)
class _Placed:
    """A symbol's command at its place; `box` is what it covers with its quiet zones (dots)."""

    command: str
    box: tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True, slots=True)
class Zpl:
    """A label's ZPL and what was left off it: a linear symbol the stock cannot hold at GS1
    grade is left off (the 2D code carries the same GTIN), and said."""

    text: str
    left_off: tuple[str, ...] = ()


def zpl(label: Label, stock: ZplStock) -> str:
    return zpl_label(label, stock).text


def zpl_label(label: Label, stock: ZplStock, font: str = "") -> Zpl:
    """One ^XA...^XZ block: text, the 2D code and a linear code, each symbol at GS1 grade.
    Text is set in `font`, a font file on the printer (`E:NOTOSANSJP.TTF`), else in its
    built-in font 0, which has no Japanese, Arabic and most scripts beyond Europe's: such
    characters would print as nothing, so the label says which they are.

    Raises SymbolDoesNotFit, naming the stocks that would hold it, when even the 2D code
    cannot be printed at grade; InvalidValue for a font that is not a printer's file name."""
    if font and not PRINTER_FONT.fullmatch(font):
        raise InvalidValue("font", font, "name a font file on the printer, e.g. E:NOTOSANSJP.TTF")
    made = _fitted(label, stock, font)
    missing = "" if font else _not_built_in(label)
    if not missing:
        return made
    note = (
        f"not printed: the printer's built-in font has no {missing}; name a font on the "
        "printer that has them (--font E:NAME.TTF)"
    )
    return replace(made, left_off=(*made.left_off, note))


RIGHT_TO_LEFT = "^PA0,1,1,0"  # no default glyph, bidirectional layout, shaping, no OpenType


def _right_to_left(label: Label) -> bool:
    """Whether the label's text holds a right-to-left letter (Unicode's bidi class R or AL)."""
    return any(bidirectional(c) in ("R", "AL") for c in "".join((label.heading, *label.lines)))


def _not_built_in(label: Label) -> str:
    """The characters of the label's text font 0 lacks (a few, each once), or ''."""
    text = "".join((label.heading, *label.lines))
    found = dict.fromkeys(c for c in text if not c.isspace() and not _built_in(c))
    shown = " ".join(list(found)[:8])
    return shown + (" ..." if len(found) > 8 else "")


def _built_in(c: str) -> bool:
    """Whether font 0 may hold `c`: Latin, Greek and Cyrillic, punctuation and currency
    signs may be there; no Zebra's built-in font has kana, kanji, Arabic, Hebrew, Thai,
    Indic scripts or emoji."""
    return ord(c) < BUILT_IN_END or BUILT_IN_EXTRA[0] <= ord(c) < BUILT_IN_EXTRA[1]


BUILT_IN_END = 0x0530  # through Cyrillic Supplement
BUILT_IN_EXTRA = (0x1E00, 0x2400)  # Latin Extended Additional to control pictures
PRINTER_FONT = re.compile(r"[REBA]:[A-Za-z0-9_-]{1,16}\.(TTF|TTE|OTF|FNT)", re.IGNORECASE)


def _fitted(label: Label, stock: ZplStock, font: str) -> Zpl:
    try:
        return _zpl(label, stock, keep_linear=True, font=font)
    except SymbolDoesNotFit as error:
        linear = error
    fitting = [s.code for s in STOCKS.values() if _fits(label, s.at(stock.dpi))]
    advice = f"; at {stock.dpi} dpi use {' or '.join(fitting)}" if fitting else ""
    note = replace(linear, advice=f" on {stock.code} stock{advice}")
    try:
        made = _zpl(label, stock, keep_linear=False, font=font)
    except SymbolDoesNotFit as error:
        raise replace(error, advice=f" on {stock.code} stock{advice}") from None
    return Zpl(made.text, (f"left off: {note}",))


def _fits(label: Label, stock: ZplStock) -> bool:
    try:
        _zpl(label, stock, keep_linear=True)
    except SymbolDoesNotFit:
        return False
    return True


def _zpl(label: Label, stock: ZplStock, keep_linear: bool, font: str = "") -> Zpl:
    margin = round(MARGIN_MM * stock.dots_per_mm)
    tall = stock.height > stock.width
    main, *others = label.symbols
    others = others if keep_linear else []
    commands = ["^XA", "^CI28", f"^PW{stock.width}", f"^LL{stock.height}"]
    if _right_to_left(label):
        commands.insert(2, RIGHT_TO_LEFT)
    if tall:
        side = round(stock.width * 0.42)
        code = _place(main, label, stock, stock.width - margin - side, margin, side, side)
        text_box = (margin, margin, code.box[0] - 2 * margin, stock.height)
        if others:
            room = round(stock.height * 0.4)
            bottom = stock.height - margin - room
            linear = _place(others[0], label, stock, margin, bottom, stock.width - 2 * margin, room)
            text_box = (margin, margin, code.box[0] - 2 * margin, linear.box[1] - 2 * margin)
            commands.append(linear.command)
    else:
        side = stock.height - 2 * margin
        code = _place(main, label, stock, margin, margin, side, side)
        left = code.box[0] + code.box[2] + margin
        width = stock.width - margin - left
        text_box = (left, margin, width, stock.height - 2 * margin)
        if others:
            lines = 2 * 22 + 12  # room for the heading and one line above the symbol
            room = stock.height - 2 * margin - lines
            linear = _place(
                others[0], label, stock, left, stock.height - margin - room, width, room
            )
            text_box = (left, margin, width, linear.box[1] - 2 * margin)
            commands.append(linear.command)
    commands.append(code.command)
    commands += _text(label, text_box, tall, font)
    commands.append("^XZ")
    return Zpl("\n".join(commands) + "\n")


def _place(
    symbol: Symbol, label: Label, stock: ZplStock, x: int, y: int, width: int, height: int
) -> _Placed:
    """The symbol at GS1 grade inside the box (dots), left and top aligned."""
    per_mm = stock.dots_per_mm
    grid = modules(symbol)
    linear = grid.high is None
    room = height / per_mm - (HRI_MM if linear else 0)
    place = fit(
        symbol.symbology.value, label.use, grid.wide, grid.high, width / per_mm, room, 1 / per_mm
    )
    dots = round(place.x * per_mm)
    quiet = round(place.quiet_left * per_mm)
    at = f"^FO{x + quiet},{y + (0 if linear else quiet)}"
    wide = round(place.width(grid.wide) * per_mm)
    if linear:
        bars = round(place.height * per_mm)
        covered = (x, y, wide, bars + round(HRI_MM * per_mm))
        if symbol.symbology in (Symbology.EAN8, Symbology.UPCA):
            text_at = (x + quiet, y + bars + round(0.3 * per_mm))
            drawn = _bars_as_graphic(symbol, dots, bars, text_at, round(HRI_MM * 0.7 * per_mm))
            return _Placed(at + drawn, covered)
        return _Placed(at + _linear(symbol, dots, bars), covered)
    return _Placed(at + _matrix(symbol, dots), (x, y, wide, wide))


def _linear(symbol: Symbol, dots: int, bars: int) -> str:
    if symbol.symbology is Symbology.GS1_128:
        data = _fnc1_data(symbol, ">8", {">": "><"})
        return f"^BY{dots}^BCN,{bars},Y,N,N^FD>;>8{data}^FS"
    if symbol.symbology is Symbology.ITF14:
        return f"^BY{dots},2.5^B2N,{bars},Y,N,Y^FD{symbol.data[:-1]}^FS"
    if symbol.symbology is Symbology.EAN13:
        return f"^BY{dots}^BEN,{bars},Y,N^FD{symbol.data[:-1]}^FS"
    raise ValueError(f"{symbol.symbology} is drawn as a graphic")  # pragma: no cover


def _bars_as_graphic(
    symbol: Symbol, dots: int, bars: int, text_at: tuple[int, int], text_size: int
) -> str:
    """EAN-8 and UPC-A as a graphic field of whole-dot modules with the digits under them:
    ^B8 and ^BU are missing from many ZPL emulations, a ^GF prints the same everywhere. Every
    row is the same, so the rows after the first are written as `:` (ZPL's repeat)."""
    row = [dark for dark in modules(symbol).rows[0] for _ in range(dots)]
    row += [False] * (-len(row) % 8)
    width = len(row) // 8
    first = "".join(
        f"{int(''.join('1' if dark else '0' for dark in row[i : i + 8]), 2):02X}"
        for i in range(0, len(row), 8)
    )
    graphic = first + ":" * (bars - 1)
    return (
        f"^GFA,{width * bars},{width * bars},{width},{graphic}^FS"
        f"^FO{text_at[0]},{text_at[1]}^A0N,{text_size},{text_size}^FD{symbol.data}^FS"
    )


def _matrix(symbol: Symbol, dots: int) -> str:
    if symbol.symbology is Symbology.QR:
        return f"^BQN,2,{dots}^FH\\^FDMA,{_text_data(symbol.data)}^FS"
    # The escape character is `@`, which no GS1 character set holds (CSET 82 and 39 do not),
    # so `@1` is always FNC1 and the data needs no escapes; a `_` in a lot is just a `_`.
    data = _fnc1_data(symbol, "@1", {"@": "@@"})
    return f"^BXN,{dots},200,0,0,1,@,1^FD@1{data}^FS"


def _text(label: Label, box: tuple[int, int, int, int], tall: bool, font: str) -> list[str]:
    """Heading and lines inside `box`, broken and cut at word ends to the box's width. The
    heading takes a second line where every line still fits under it; lines that do not fit
    in the box's height are left off rather than drawn over a symbol."""
    x, y, width, height = box
    points = 40 if tall else 22
    for heading_lines in (2, 1):
        commands: list[str] = []
        top = y
        for index, text in enumerate((label.heading, *label.lines)):
            size = points if index else round(points * 1.2)
            face = f"^A@N,{size},{size},{font}" if font else f"^A0N,{size},{size}"
            for shown in _lines(text, int(width / (size * NARROW_EM)), index or heading_lines):
                if top + size <= y + height:
                    commands.append(f"^FO{x},{top}{face}^FH\\^FD{_text_data(shown)}^FS")
                top += size + 6
        if top - 6 <= y + height:
            break
    return commands


NARROW_EM = 0.55  # a Latin character's width, in ems of the font's height; a wide one is 1
ELLIPSIS = "..."


def _units(text: str) -> int:
    """Width in narrow characters: a full-width one (kanji, kana) counts two."""
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def _fitting(word: str, limit: int) -> int:
    """How many of `word`'s first characters fit in `limit` narrow characters (at least one)."""
    used = 0
    for count, c in enumerate(word):
        used += _units(c)
        if used > limit:
            return max(count, 1)
    return len(word)


def _lines(text: str, limit: int, most: int) -> list[str]:
    """`text` in at most `most` lines of `limit` narrow characters, broken at spaces (within a
    word only when it is longer than a line); text left over cut at a word end, with `...`."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _units(candidate) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while _units(current) > limit and len(lines) <= most:
            cut = _fitting(current, limit)
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) <= most:
        return lines
    last = lines[most - 1]
    while last and _units(last) + len(ELLIPSIS) > limit:
        space = last.rfind(" ")
        last = last[:space] if space > 0 else last[:-1]
    return [*lines[: most - 1], last.rstrip() + ELLIPSIS]


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


def _text_data(text: str) -> str:
    return "".join(f"\\{ord(c):02X}" if c in "\\^~" else c for c in text)
