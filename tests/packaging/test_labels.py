from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest

from microindex.adapters.labels.pdf import LAYOUTS, write_pdf
from microindex.adapters.labels.templates import (
    locker_label,
    parcel_label,
    product_label,
    shelf_label,
)
from microindex.adapters.labels.zpl import STOCKS, zpl, zpl_label
from microindex.adapters.symbols.render import UnprintableSymbol
from microindex.domain.gs1.keys import Gln, Sscc

from .decoding import decode_all, gs1_keys, scanner_data
from .samples import GLN, STEM, product

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 renders the PDFs for decoding")


def _pages(pdf: bytes) -> list[list[str]]:
    """Each page rendered at 300 dpi and every symbol on it decoded (scanner data)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            [scanner_data(found) for found in decode_all(page.render(scale=300 / 72).to_pil())]
            for page in document
        ]
    finally:
        document.close()


def test_a_product_sheet_fills_pages_and_every_code_on_it_decodes() -> None:
    products = [product(n) for n in range(23)]
    labels = [product_label(p, STEM, lot=f"L{n}") for n, p in enumerate(products)]
    buffer = io.BytesIO()
    assert write_pdf(labels, LAYOUTS["avery-l7160"], buffer) == 23
    pages = _pages(buffer.getvalue())
    assert [len(codes) for codes in pages] == [42, 4]  # 21 labels a page, QR + EAN-13 each
    keys = [gs1_keys(code) for page in pages for code in page]
    for n, item in enumerate(products):
        assert item.gtin is not None
        assert {"01": item.gtin.digits, "10": f"L{n}"} in keys
        assert {"01": item.gtin.digits} in keys


def test_shelf_and_locker_labels_on_l7163_decode() -> None:
    gln = Gln(GLN)
    labels = [shelf_label(gln, "A-1", "Shopfront", STEM), locker_label(gln, "C12", "Locker", STEM)]
    buffer = io.BytesIO()
    write_pdf(labels, LAYOUTS["avery-l7163"], buffer)
    (codes,) = _pages(buffer.getvalue())
    keys = [gs1_keys(code) for code in codes]
    assert keys.count({"414": GLN, "254": "A-1"}) == 2  # QR and DataMatrix
    assert {"414": GLN, "254": "C12"} in keys


def test_a_4x6_shipping_label_decodes_its_sscc() -> None:
    sscc = Sscc.build(0, "0614141", 77)
    label = parcel_label(sscc, ("Jo Bloggs", "1 Mare St", "E8 1AA"), "DPD next-day", STEM)
    buffer = io.BytesIO()
    write_pdf([label], LAYOUTS["shipping-4x6"], buffer)
    (codes,) = _pages(buffer.getvalue())
    assert sorted(code[:3] for code in codes) == ["]C1", "]Q1"]
    assert all(gs1_keys(code) == {"00": sscc.digits} for code in codes)


def test_a_product_without_gtin_gets_no_label() -> None:
    with pytest.raises(UnprintableSymbol, match="no GTIN"):
        product_label(product(1, with_gtin=False), STEM)


_FIELD = re.compile(
    r"\^FO\d+,\d+(\^BY\d+)?(\^(?:BQ|BC|BX|BE|BU|A0)[^\^]*)?(?:\^FH\\)?\^FD(.*?)\^FS"
)


def parse_zpl(text: str) -> list[tuple[str, str]]:
    """(command, ^FD data) for each field of one ^XA...^XZ label, ^FH hex escapes undone."""
    assert text.startswith("^XA") and text.rstrip().endswith("^XZ")
    fields = []
    for _, command, data in _FIELD.findall(text):
        name = command[1:3] if command else ""
        fields.append((name, re.sub(r"\\([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), data)))
    return fields


def test_zpl_product_label_has_qr_ean_and_text_fields() -> None:
    item = product(3)
    label = product_label(item, STEM, lot="L7", expiry=date(2026, 1, 31))
    fields = parse_zpl(zpl(label, STOCKS["4x6"]))
    commands = dict(fields)
    assert commands["BQ"] == "MA," + label.symbols[0].data
    assert item.gtin is not None and item.gtin.gtin13 is not None
    assert commands["BE"] == item.gtin.gtin13[:-1]
    assert ("A0", "LOT L7") in fields
    assert ("A0", "EXP 2026-01-31") in fields


def test_small_stock_leaves_the_ean_off_and_says_which_stock_holds_it() -> None:
    label = product_label(product(3), STEM, lot="L7")
    made = zpl_label(label, STOCKS["62x29"])
    commands = dict(parse_zpl(made.text))
    assert "BQ" in commands and "BE" not in commands
    (note,) = made.left_off
    assert "ean13" in note and "use 4x6" in note


def _geometry(text: str, command: str) -> tuple[int, int, int]:
    """(x of ^FO, module dots of ^BY, bar height in dots) of the field drawn by `command`."""
    found = re.search(rf"\^FO(\d+),\d+\^BY(\d+)\^{command}N,(\d+)", text)
    assert found is not None, text
    return int(found[1]), int(found[2]), int(found[3])


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_zpl_symbols_are_sized_from_the_stock_and_the_printers_dots(dpi: int) -> None:
    stock = STOCKS["4x6"].at(dpi)
    per_mm = dpi / 25.4
    text = zpl(product_label(product(3), STEM, lot="L7"), stock)
    x, dots, bars = _geometry(text, "BE")
    assert 0.264 <= dots / per_mm <= 0.660
    assert bars / per_mm >= 22.85 / 0.330 * dots / per_mm - 1 / per_mm
    assert x >= 11 * dots  # the left quiet zone on the label
    assert x + (95 + 7) * dots <= stock.width
    sscc = Sscc.build(0, "0614141", 5)
    text = zpl(parcel_label(sscc, ("Jo", "1 Mare St"), "DPD", STEM), stock)
    x, dots, bars = _geometry(text, "BC")
    assert dots / per_mm >= 0.495 and bars / per_mm >= 31.75 - 1 / per_mm
    assert x >= 10 * dots


def test_zpl_parcel_label_puts_fnc1_first_in_the_gs1_128() -> None:
    sscc = Sscc.build(0, "0614141", 5)
    fields = dict(parse_zpl(zpl(parcel_label(sscc, ("Jo",), "DPD", STEM), STOCKS["4x6"])))
    assert fields["BC"] == ">;>800" + sscc.digits
    assert fields["BQ"] == f"MA,{STEM}/00/{sscc.digits}"


def test_zpl_shelf_label_datamatrix_uses_fnc1_between_variable_fields() -> None:
    label = shelf_label(Gln(GLN), "A_1", "Shopfront", STEM)
    fields = dict(parse_zpl(zpl(label, STOCKS["62x29"])))
    assert fields["BX"] == f"@1414{GLN}254A_1"
    assert "^BXN,4,200,0,0,1,@,1" in zpl(label, STOCKS["62x29"])


def test_zpl_text_cannot_break_out_of_its_field() -> None:
    titled = replace(product(4), title="Jug ~DG ^XZ")
    text = zpl(product_label(titled, STEM), STOCKS["4x6"])
    assert "~DG" not in text
    assert text.count("^XZ") == 1
    assert ("A0", "Jug ~DG ^XZ") in parse_zpl(text)


def test_a_title_with_line_breaks_and_control_characters_prints_as_one_line() -> None:
    """A CSV keeps a title's line breaks, tabs and control characters: ZPL once sent them raw
    to the printer inside ^FD, and the PDF ran the words together ("Casenewlinetab")."""
    titled = replace(product(4), title="Case\r\nof\ttubes\x01\x7f")
    label = product_label(titled, STEM)
    assert label.heading == "Case of tubes"
    text = zpl(label, STOCKS["4x6"])
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text)
    assert ("A0", "Case of tubes") in parse_zpl(text)
