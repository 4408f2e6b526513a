"""PDF labels at GS1 print grade, measured on the PDF itself: pdfium lists every drawn object,
so a bar's width and height and the clear space around a symbol are read, not assumed."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date

import pytest

from microindex.adapters.labels.pdf import LAYOUTS, fonts, write_pdf
from microindex.adapters.labels.templates import Label, parcel_label, product_label, shelf_label
from microindex.domain.gs1.keys import Gln, Sscc
from microindex.domain.gs1.print_grade import SymbolDoesNotFit, Use, fit
from microindex.domain.gtin import Gtin

from .decoding import decode_all, gs1_keys, scanner_data
from .samples import GLN, STEM, product

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 reads the PDFs")
raw = pytest.importorskip("pypdfium2.raw")

MM = 72 / 25.4  # points per mm
DOT = 25.4 / 600


@dataclass(frozen=True)
class Drawn:
    kind: int
    left: float  # mm
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom


def _objects(pdf: bytes) -> list[Drawn]:
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        found = []
        for item in page.get_objects():
            left, bottom, right, top = item.get_bounds()
            found.append(Drawn(item.type, left / MM, bottom / MM, right / MM, top / MM))
        return found
    finally:
        document.close()


def _text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].get_textpage().get_text_range()
    finally:
        document.close()


def _pdf(labels: list[Label], layout: str) -> bytes:
    buffer = io.BytesIO()
    write_pdf(labels, LAYOUTS[layout], buffer)
    return buffer.getvalue()


def _bars(objects: list[Drawn], least_height: float) -> list[Drawn]:
    return sorted(
        (o for o in objects if o.kind == raw.FPDF_PAGEOBJ_PATH and o.height >= least_height),
        key=lambda o: o.left,
    )


def _whole_dots(x: float) -> bool:
    return abs(x / DOT - round(x / DOT)) < 0.02


def _clear(objects: list[Drawn], left: float, right: float, bottom: float, top: float) -> bool:
    """Nothing drawn overlaps the rectangle (a quiet zone)."""
    return not [
        o
        for o in objects
        if o.left < right - 1e-3
        and o.right > left + 1e-3
        and o.bottom < top - 1e-3
        and o.top > bottom + 1e-3
    ]


@pytest.mark.parametrize("lot", [None, "L7"])
def test_ean_13_on_an_avery_sheet_meets_the_retail_table(lot: str | None) -> None:
    item = product(3)
    expiry = date(2027, 1, 31) if lot else None
    pdf = _pdf([product_label(item, STEM, lot, lot and "S1", expiry)], "avery-l7160")
    objects = _objects(pdf)
    bars = _bars(objects, 10)
    assert len(bars) == 30  # EAN-13: 3 guards x 2 bars + 12 digits x 2 bars
    x = min(b.width for b in bars)
    assert 0.264 <= x <= 0.660 and _whole_dots(x)
    assert min(b.height for b in bars) >= 22.85 / 0.330 * x - 0.01
    first, last = bars[0], bars[-1]
    others = [o for o in objects if o not in bars]
    assert _clear(others, first.left - 11 * x, first.left, first.bottom, first.top)
    assert _clear(others, last.right, last.right + 7 * x, last.bottom, last.top)
    item_gtin = item.gtin
    assert item_gtin is not None and item_gtin.gtin13 is not None
    assert item_gtin.gtin13 in _text(pdf)  # the human-readable digits


def test_the_qr_and_datamatrix_modules_meet_the_2d_minimum() -> None:
    pdf = _pdf([shelf_label(Gln(GLN), "A(21)B", "Shopfront", STEM)], "avery-l7160")
    squares = [
        o
        for o in _objects(pdf)
        if o.kind == raw.FPDF_PAGEOBJ_PATH and abs(o.width - o.height) < 0.01 and o.height < 2
    ]
    assert squares and min(s.height for s in squares) >= 0.396 - 1e-6
    assert all(_whole_dots(s.height) for s in squares)


def test_the_parcel_label_sscc_meets_the_logistics_table_with_its_text() -> None:
    sscc = Sscc.build(0, "0614141", 77)
    street = "Flat 3, 1 Long Road Name That Goes On Past The Edge Of Any Label, Hackney"
    pdf = _pdf([parcel_label(sscc, ("Jo Bloggs", street, "E8 1AA"), "DPD", STEM)], "shipping-4x6")
    bars = _bars(_objects(pdf), 20)
    x = min(b.width for b in bars)
    assert 0.495 <= x <= 0.940 + 1e-6
    assert min(b.height for b in bars) >= 31.75 - 1e-6
    text = " ".join(_text(pdf).split())
    assert f"(00){sscc.digits}" in text.replace(" ", "")
    assert "..." not in text
    assert " ".join(street.split()) in text  # wrapped onto lines, every word kept


def test_a_label_too_small_for_the_table_is_refused_not_shrunk() -> None:
    with pytest.raises(SymbolDoesNotFit, match=r"needs at least 29\.8"):
        fit("ean13", Use.RETAIL, 95, None, 28, 30)
    with pytest.raises(SymbolDoesNotFit):  # 203 dpi: 2 dots (0.250 mm) is below 0.264
        fit("ean13", Use.RETAIL, 95, None, 40, 30, dot=25.4 / 203)
    assert fit("ean13", Use.RETAIL, 95, None, 43, 30, dot=25.4 / 203).x == pytest.approx(
        0.3754, 1e-3
    )


def test_a_gtin_8_label_carries_an_ean_8() -> None:
    short = replace(product(1), gtin=Gtin.parse("96385074"))
    pdf = _pdf([product_label(short, STEM)], "avery-l7160")
    document = pdfium.PdfDocument(pdf)
    try:
        picture = document[0].render(scale=600 / 72).to_pil()
    finally:
        document.close()
    codes = [scanner_data(c) for c in decode_all(picture)]
    assert "]E496385074" in codes
    assert {"01": "00000096385074"} in [gs1_keys(c) for c in codes if c.startswith("]Q1")]


def test_text_outside_latin_1_is_printed_with_an_embedded_font() -> None:
    if fonts()[0] == "Helvetica":
        pytest.skip("no DejaVu Sans on this system (apt install fonts-dejavu-core)")
    titled = replace(product(2), title="Łódź ceramika – kubek Ωmega")
    pdf = _pdf([product_label(titled, STEM, expiry=date(2027, 1, 31))], "avery-l7160")
    assert "Łódź" in _text(pdf) and "?" not in _text(pdf).split("http")[0]


def test_a_sixteen_thousand_character_address_is_wrapped_and_the_label_written() -> None:
    sscc = Sscc.build(0, "0614141", 78)
    pdf = _pdf([parcel_label(sscc, ("Jo " * 5_333,), "DPD", STEM)], "shipping-4x6")
    assert "Jo Jo Jo" in _text(pdf)
