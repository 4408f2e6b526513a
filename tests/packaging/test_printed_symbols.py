"""Every symbol kind as the printer prints it, read back and measured.

ZPL is rendered offline by zebrash (the `zpl-renderer-js` package, pinned in
tests/packaging/zpl_renderer and installed into .venv by `python3 dev.py test`); no PyPI package
renders ZPL barcodes. PDFs are rasterised by pdfium at the printer's resolution. zxing-cpp decodes
each symbol and biip parses its data; the values use every character GS1 allows in an
alphanumeric field (CSET 82), every AI at its length limit and both edges of the date window.
On the printed dots, the X-dimension, the bar height and the quiet zones are measured against
GS1's figures for the symbol's use (General Specifications 5.12.3), written out here rather
than taken from the code under test.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from microindex.adapters.labels.pdf import LAYOUTS, write_pdf
from microindex.adapters.labels.templates import Label, parcel_label, product_label, shelf_label
from microindex.adapters.labels.zpl import STOCKS, zpl_label
from microindex.adapters.symbols import render
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.gs1.element_string import ElementString
from microindex.domain.gs1.keys import Gln, Sscc, with_check_digit
from microindex.domain.gs1.print_grade import SymbolDoesNotFit, Use
from microindex.domain.gtin import Gtin

from .decoding import decode_all, gs1_keys, scanner_data
from .samples import GLN, STEM, gtin, product

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "zpl_renderer" / "render.cjs"
MODULES = ROOT / ".venv" / "zpl-renderer" / "node_modules"

# GS1 General Specifications figure 7.11-1: the 82 characters an alphanumeric AI may hold.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
LIMIT = 20  # AIs 10 (lot), 21 (serial) and 254 (GLN extension): X..20
CHUNKS = [CSET82[i : i + LIMIT].ljust(LIMIT, "z") for i in range(0, len(CSET82), LIMIT)]
TODAY = date(2026, 12, 6)  # fixed: the window's edges below are worked out from it by hand
EDGES = [date(1977, 1, 1), date(2076, 12, 31)]  # 49 years back, 50 ahead (7.12)


@dataclass(frozen=True)
class Grade:
    """GS1's figures for one symbol in one use: X range (mm), quiet zones (modules), least bar
    height in mm (EAN/UPC: proportional to X, 22.85 mm at 0.330 mm)."""

    x_min: float
    x_max: float
    quiet_left: int
    quiet_right: int
    height_per_x: float = 0.0
    height_min: float = 0.0


EAN = 22.85 / 0.330
GRADES = {
    (Use.RETAIL, "EAN13"): Grade(0.264, 0.660, 11, 7, EAN),
    (Use.RETAIL, "EAN8"): Grade(0.264, 0.660, 7, 7, 18.23 / 0.330),
    (Use.RETAIL, "UPCA"): Grade(0.264, 0.660, 9, 9, EAN),
    (Use.RETAIL, "QRCode"): Grade(0.396, 0.990, 4, 4),
    (Use.RETAIL, "DataMatrix"): Grade(0.396, 0.990, 1, 1),
    (Use.GENERAL, "QRCode"): Grade(0.396, 0.990, 4, 4),
    (Use.GENERAL, "DataMatrix"): Grade(0.396, 0.990, 1, 1),
    (Use.GENERAL, "Code128"): Grade(0.495, 1.016, 10, 10, height_min=31.75),
    (Use.GENERAL, "ITF"): Grade(0.495, 1.016, 10, 10, height_min=31.75),
    (Use.LOGISTICS, "Code128"): Grade(0.495, 0.940, 10, 10, height_min=31.75),
    (Use.LOGISTICS, "QRCode"): Grade(0.396, 0.990, 4, 4),
}


def _century(yymmdd: str) -> int:
    """The year GS1's sliding window gives YYMMDD on TODAY (General Specifications 7.12)."""
    yy = int(yymmdd[:2])
    difference = yy - TODAY.year % 100
    century = TODAY.year // 100 * 100
    if 51 <= difference <= 99:
        century -= 100
    elif -99 <= difference <= -50:
        century += 100
    return century + yy


def _gtin12() -> Gtin:
    return Gtin.parse(with_check_digit("01234567890"))


def _gtin8() -> Gtin:
    return Gtin.parse(with_check_digit("9638507"))


def _case() -> Gtin:
    return Gtin.parse(with_check_digit("1952012" + "000003"))


def _link(number: Gtin) -> render.Symbol:
    return render.qr(DigitalLink.product(number).uri(STEM))


def _elements(*pairs: tuple[str, str]) -> ElementString:
    return ElementString.of(*pairs)


def labels() -> list[tuple[Label, dict[str, dict[str, str]]]]:
    """Each label with what its symbols must read as: zxing format -> AI -> value."""
    made: list[tuple[Label, dict[str, dict[str, str]]]] = []
    for index, chunk in enumerate(CHUNKS):
        expiry = EDGES[index % 2]
        serial = chunk[::-1]
        item = product(index + 1)
        assert item.gtin is not None
        digits = item.gtin.digits
        label = product_label(item, STEM, lot=chunk, serial=serial, expiry=expiry)
        ymd = expiry.strftime("%y%m%d")
        made.append(
            (
                label,
                {
                    "QRCode": {"01": digits, "10": chunk, "21": serial, "17": ymd},
                    "EAN13": {"01": digits},
                },
            )
        )
        matrix = _elements(("01", digits), ("10", chunk), ("21", serial), ("17", ymd))
        made.append(
            (
                Label("DataMatrix", (), (render.gs1_datamatrix(matrix),), Use.RETAIL),
                {"DataMatrix": {"01": digits, "10": chunk, "21": serial, "17": ymd}},
            )
        )
        made.append(
            (
                shelf_label(Gln(GLN), chunk, "Back room", STEM),
                {
                    "QRCode": {"414": GLN, "254": chunk},
                    "DataMatrix": {"414": GLN, "254": chunk},
                },
            )
        )
    twelve, eight, case = _gtin12(), _gtin8(), _case()
    made.append(
        (
            Label("UPC-A", (), (_link(twelve), render.upca(twelve)), Use.RETAIL),
            {"QRCode": {"01": twelve.digits}, "UPCA": {"01": twelve.digits}},
        )
    )
    eight_item = product(90)
    made.append(
        (
            product_label(replace(eight_item, gtin=eight), STEM, lot="L", expiry=EDGES[0]),
            {
                "QRCode": {"01": eight.digits, "10": "L", "17": EDGES[0].strftime("%y%m%d")},
                "EAN8": {"01": eight.digits},
            },
        )
    )
    made.append(
        (
            Label("ITF-14", (), (_link(case), render.itf14(case)), Use.GENERAL),
            {"QRCode": {"01": case.digits}, "ITF": {"01": case.digits}},
        )
    )
    sscc = Sscc.build(3, "9520123", 1)
    made.append(
        (
            parcel_label(sscc, ("Flat 3", "1 Long Road"), "DPD", STEM),
            {"QRCode": {"00": sscc.digits}, "Code128": {"00": sscc.digits}},
        )
    )
    return made


# -- reading the printed dots -------------------------------------------------------------


def _ink(picture: Image.Image) -> tuple[list[list[bool]], int, int]:
    grey = picture.convert("L")
    width, height = grey.size
    data = grey.tobytes()
    rows = [[data[y * width + x] < 128 for x in range(width)] for y in range(height)]
    return rows, width, height


def _runs(line: list[bool]) -> list[tuple[bool, int, int]]:
    """(inked, start, length) for each run."""
    runs: list[tuple[bool, int, int]] = []
    start = 0
    for index in range(1, len(line) + 1):
        if index == len(line) or line[index] != line[start]:
            runs.append((line[start], start, index - start))
            start = index
    return runs


@dataclass(frozen=True)
class Measured:
    x_dots: int  # the narrowest run of dots: every module on a ZPL label
    span: int  # dots from the first dark module to the last, across the symbol
    height_dots: int  # least bar height (linear) or the symbol's height (2D)
    quiet_left: int  # dots of blank before the symbol, on its row
    quiet_right: int


def _box(found: zxingcpp.Barcode) -> tuple[int, int, int, int]:
    corners = (
        found.position.top_left,
        found.position.top_right,
        found.position.bottom_left,
        found.position.bottom_right,
    )
    xs, ys = [c.x for c in corners], [c.y for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _measure_linear(rows: list[list[bool]], found: zxingcpp.Barcode) -> Measured:
    left, top, right, bottom = _box(found)
    middle = (top + bottom) // 2
    row = rows[middle]
    inked = [x for x in range(max(left - 3, 0), min(right + 4, len(row))) if row[x]]
    first, last = inked[0], inked[-1]
    runs = _runs(row[first : last + 1])
    x_dots = min(length for _, _, length in runs)
    heights = []
    for ink, start, length in runs:
        if not ink:
            continue
        column = first + start + length // 2
        up = middle
        while up > 0 and rows[up - 1][column]:
            up -= 1
        down = middle
        while down + 1 < len(rows) and rows[down + 1][column]:
            down += 1
        heights.append(down - up + 1)
    quiet_left = 0
    while first - quiet_left - 1 >= 0 and not row[first - quiet_left - 1]:
        quiet_left += 1
    quiet_right = 0
    while last + quiet_right + 1 < len(row) and not row[last + quiet_right + 1]:
        quiet_right += 1
    return Measured(x_dots, last - first + 1, min(heights), quiet_left, quiet_right)


def _measure_matrix(rows: list[list[bool]], found: zxingcpp.Barcode) -> Measured:
    left, top, right, bottom = _box(found)
    inked = [(x, y) for y in range(top, bottom + 1) for x in range(left, right + 1) if rows[y][x]]
    x0, x1 = min(x for x, _ in inked), max(x for x, _ in inked)
    y0, y1 = min(y for _, y in inked), max(y for _, y in inked)
    for _ in range(2):  # zxing's corners may fall a dot inside the symbol's edge
        if any(rows[y][x0 - 1] for y in range(y0, y1 + 1)):
            x0 -= 1
        if any(rows[y][x1 + 1] for y in range(y0, y1 + 1)):
            x1 += 1
        if any(rows[y0 - 1][x] for x in range(x0, x1 + 1)):
            y0 -= 1
        if any(rows[y1 + 1][x] for x in range(x0, x1 + 1)):
            y1 += 1
    x_dots = min(length for y in range(y0, y1 + 1) for _, _, length in _runs(rows[y][x0 : x1 + 1]))

    def blank(x: int, y: int) -> bool:
        return not (0 <= y < len(rows) and 0 <= x < len(rows[0])) or not rows[y][x]

    quiet = 0
    while all(
        blank(x, y)
        for y in range(y0 - quiet - 1, y1 + quiet + 2)
        for x in (x0 - quiet - 1, x1 + quiet + 1)
    ) and all(
        blank(x, y)
        for x in range(x0 - quiet - 1, x1 + quiet + 2)
        for y in (y0 - quiet - 1, y1 + quiet + 1)
    ):
        quiet += 1
        if quiet > 200:
            break
    return Measured(x_dots, x1 - x0 + 1, y1 - y0 + 1, quiet, quiet)


def _check_grade(
    found: zxingcpp.Barcode,
    rows: list[list[bool]],
    use: Use,
    dpi: int,
    modules_wide: int | None = None,
) -> None:
    """GS1's X range, least bar height and quiet zones, on the dots. A ZPL symbol is drawn by
    the printer in whole dots, so its narrowest run is X; a PDF's vector modules fall across
    the raster's dots, so X is the symbol's span over its `modules_wide`."""
    name = _name(found)
    grade = GRADES[(use, name)]
    linear = name in {"EAN13", "EAN8", "UPCA", "Code128", "ITF"}
    measured = _measure_linear(rows, found) if linear else _measure_matrix(rows, found)
    mm = 25.4 / dpi
    x_dots = measured.span / modules_wide if modules_wide else measured.x_dots
    x = x_dots * mm
    where = f"{name} for {use.value} at {dpi} dpi"
    assert grade.x_min - 1e-9 <= x <= grade.x_max + 1e-9, f"{where}: X {x:.3f} mm"
    least = max(grade.height_per_x * x, grade.height_min)
    slack = 1 if modules_wide else 0  # a vector edge may fall a dot either way
    if linear:
        assert (measured.height_dots + slack) * mm >= least - 1e-9, (
            f"{where}: bars {measured.height_dots * mm:.2f} mm, GS1 asks {least:.2f} mm"
        )
    assert measured.quiet_left + slack >= grade.quiet_left * x_dots, (
        f"{where}: left quiet zone {measured.quiet_left} dots, GS1 asks {grade.quiet_left}X"
    )
    assert measured.quiet_right + slack >= grade.quiet_right * x_dots, (
        f"{where}: right quiet zone {measured.quiet_right} dots, GS1 asks {grade.quiet_right}X"
    )


def _name(found: zxingcpp.Barcode) -> str:
    """zxing's name for the format; a UPC-A is the bars of an EAN-13 starting with 0, and
    zxing may report either: the text (12 or 13 digits) tells them apart."""
    name = found.format.name
    return "UPCA" if name == "EAN13" and found.text.startswith("0") else name


ZXING_NAMES = {
    render.Symbology.QR: "QRCode",
    render.Symbology.EAN13: "EAN13",
    render.Symbology.EAN8: "EAN8",
    render.Symbology.UPCA: "UPCA",
    render.Symbology.ITF14: "ITF",
    render.Symbology.GS1_128: "Code128",
    render.Symbology.GS1_DATAMATRIX: "DataMatrix",
}


def _read(
    picture: Image.Image,
    label: Label,
    expected: dict[str, dict[str, str]],
    dpi: int,
    vector: bool = False,
) -> None:
    rows, _, _ = _ink(picture)
    found = {_name(f): f for f in decode_all(picture)}
    if "ITF" in expected:  # zxing-cpp looks for ITF only when asked (it is prone to misreads)
        itf = zxingcpp.read_barcodes(
            picture,
            formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.ITF),
            text_mode=zxingcpp.TextMode.Plain,
        )
        found.update({_name(f): f for f in itf})
    assert set(found) == set(expected), f"{label.heading}: read {sorted(found)}"
    for name, keys in expected.items():
        barcode = found[name]
        data = scanner_data(barcode)
        if name in {"Code128", "DataMatrix"}:
            assert data.startswith(("]C1", "]d2")), f"{name} without FNC1 first: {data!r}"
        read = gs1_keys(data)
        assert {ai: read.get(ai) for ai in keys} == keys, f"{label.heading}: {data!r}"
        if "17" in read:
            assert _century(read["17"]) in {edge.year for edge in EDGES} | {TODAY.year}
        wide = {ZXING_NAMES[s.symbology]: render.modules(s).wide for s in label.symbols}
        _check_grade(barcode, rows, label.use, dpi, wide[name] if vector else None)


# -- ZPL ------------------------------------------------------------------------------------


def _renderer() -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None or not (MODULES / "zpl-renderer-js").is_dir():
        reason = "the ZPL renderer is not installed: `python3 dev.py test` installs it with npm"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return node, MODULES


def _render_zpl(text: str, width_mm: float, height_mm: float, dpi: int) -> list[Image.Image]:
    node, modules = _renderer()
    done = subprocess.run(
        [node, str(SCRIPT), str(width_mm), str(height_mm), str(round(dpi / 25.4))],
        input=text.encode(),
        capture_output=True,
        env={**os.environ, "NODE_PATH": str(modules)},
        check=True,
        timeout=300,
    )
    return [Image.open(io.BytesIO(base64.b64decode(png))) for png in json.loads(done.stdout)]


@pytest.mark.parametrize("dpi", [203, 300])
def test_every_zpl_symbol_reads_back_at_gs1_grade(dpi: int) -> None:
    stock = STOCKS["4x6"].at(dpi)
    made = labels()
    text = "".join(zpl_label(label, stock).text for label, _ in made)
    pictures = _render_zpl(text, stock.width_mm, stock.height_mm, dpi)
    assert len(pictures) == len(made)
    for picture, (label, expected) in zip(pictures, made, strict=True):
        assert not zpl_label(label, stock).left_off
        _read(picture, label, expected, dpi)


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("code", ["2x1", "62x29"])
def test_on_small_stock_what_is_printed_reads_at_grade(code: str, dpi: int) -> None:
    """What fits is drawn at grade and reads; what does not is left off and said, never shrunk."""
    stock = STOCKS[code].at(dpi)
    label = shelf_label(Gln(GLN), "A(21)B", "Back room", STEM)
    made = zpl_label(label, stock)
    (picture,) = _render_zpl(made.text, stock.width_mm, stock.height_mm, dpi)
    rows, _, _ = _ink(picture)
    read = decode_all(picture)
    assert {f.format.name for f in read} == {"QRCode", "DataMatrix"}
    for found in read:
        assert gs1_keys(scanner_data(found))["254"] == "A(21)B"
        _check_grade(found, rows, label.use, dpi)


# -- PDF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [203, 300])
def test_every_pdf_symbol_reads_back_at_gs1_grade(dpi: int) -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 rasterises the PDFs")
    made = labels()
    buffer = io.BytesIO()
    write_pdf([label for label, _ in made], LAYOUTS["shipping-4x6"], buffer)
    document = pdfium.PdfDocument(buffer.getvalue())
    try:
        assert len(document) == len(made)
        for page, (label, expected) in zip(document, made, strict=True):
            picture = page.render(scale=dpi / 72).to_pil()
            _read(picture, label, expected, dpi, vector=True)
    finally:
        document.close()


@pytest.mark.parametrize("chunk", CHUNKS)
def test_a_gs1_128_at_its_limits_reads_back(chunk: str) -> None:
    """GS1-128 holds 48 data characters: a lot of 20 alphanumerics with the GTIN and a date is
    wider than any label stock at GS1's 0.495 mm (about 209 mm), so it is printed on its own,
    as `labels product --symbol gs1-128` writes it."""
    ymd = EDGES[1].strftime("%y%m%d")
    elements = _elements(("10", chunk), ("01", gtin(7).digits), ("17", ymd))
    symbol = render.gs1_128(elements)
    (found,) = decode_all(Image.open(io.BytesIO(render.png(symbol))))
    data = scanner_data(found)
    assert data.startswith("]C1")
    assert gs1_keys(data) == {"01": gtin(7).digits, "17": ymd, "10": chunk}
    assert _century(ymd) == 2076


def test_a_label_too_small_for_its_symbols_is_refused_with_the_stock_that_holds_it() -> None:
    label = shelf_label(Gln(GLN), CHUNKS[0], "Back room", STEM)
    with pytest.raises(SymbolDoesNotFit, match="use 4x6"):
        zpl_label(label, STOCKS["2x1"].at(203))


def test_the_values_cover_every_gs1_character_at_the_length_limit() -> None:
    """The test data itself: every CSET 82 character appears, each value at AI 10/21/254's
    limit, and both window edges read back in their own century."""
    assert set("".join(CHUNKS)) == set(CSET82)
    assert {len(chunk) for chunk in CHUNKS} == {LIMIT}
    assert [_century(edge.strftime("%y%m%d")) for edge in EDGES] == [1977, 2076]
    assert _century("761231") == 2076 and _century("770101") == 1977
    assert gtin(1).digits
