"""Wick & Glaze (candles and ceramics, Leeds) moves onto microindex with the files its old
tools and Excel left: each file the CLI cannot take is refused whole, with one clear line per
problem naming the row, and nothing is imported."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.e2e.test_cli import _shop, cli


def _workbook() -> bytes:
    """The start of an .xlsx (a zip of XML parts), as Excel writes one."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 200 + "</worksheet>")
    return data.getvalue()


def _catalog(ws: Path) -> list[object]:
    return list(json.loads(cli(ws, "catalog", "list", "--json"))["items"])


def test_a_workbook_renamed_csv_is_named_as_a_workbook(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    for name, data in {
        "products.csv": _workbook(),
        "old-excel.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),  # an Excel 97 .xls
    }.items():
        source = tmp_path / name
        source.write_bytes(data)
        for command in (["catalog", "import"], ["stock", "import", "van"]):
            out = cli(ws, *command, str(source), ok=False)
            assert (
                "row 1" in out
                and "a spreadsheet workbook (.xlsx, .xls or .ods), not a CSV file" in out
            ), out
            assert "save it as 'CSV UTF-8'" in out, out
            assert "\\x" not in out and "PK" not in out, out  # no bytes of the zip shown
            assert "required column" not in out, out  # one problem, not four
    assert _catalog(ws) == []


SCIENTIFIC = (
    "Excel wrote it in scientific notation, its last digits lost: format the column as Text"
)


def test_a_gtin_excel_wrote_in_scientific_notation_says_what_excel_did(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    plain = tmp_path / "wick-and-glaze.csv"
    plain.write_bytes(
        "\ufeffsku,title,price,currency,gtin\r\n"
        "WG-PIL-1,Pillar candle,12.50,GBP,5012345678900\r\n"
        "WG-JAR-2,Jar candle,9.00,GBP,5.01235E+12\r\n"
        'WG-BWL-3,Bowl,18.00,GBP,"5,01235E+12"\r\n'.encode()  # Excel set to French
    )
    out = cli(ws, "catalog", "import", str(plain), ok=False)
    assert f"row 3, column 'gtin': {SCIENTIFIC}" in " ".join(out.split()), out
    assert f"row 4, column 'gtin': {SCIENTIFIC}" in " ".join(out.split()), out
    shopify = tmp_path / "products_export.csv"
    shopify.write_text(
        "Handle,Title,Variant SKU,Variant Price,Variant Barcode\n"
        "jar,Jar candle,WG-JAR-2,9.00,5.01235E+12\n",
        encoding="utf-8",
    )
    out = cli(ws, "catalog", "import", str(shopify), ok=False)
    assert f"row 2, column 'Variant Barcode': {SCIENTIFIC}" in " ".join(out.split()), out
    assert _catalog(ws) == []


def test_a_file_excel_saved_as_unicode_text_is_named_so(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "products.csv"  # Excel's "Unicode Text": UTF-16 with tabs
    source.write_bytes("sku\ttitle\tprice\r\nWG-1\tMug\t9.00\r\n".encode("utf-16"))
    for command in (["catalog", "import"], ["stock", "import", "van"]):
        out = cli(ws, *command, str(source), ok=False)
        said = " ".join(out.split())
        assert "row 1, column '': UTF-16 text (Excel's 'Unicode Text')" in said, out
        assert "save it as 'CSV UTF-8'" in said, out
        assert "\\x00" not in out and "required column" not in out, out
    assert _catalog(ws) == []


def test_a_quote_never_closed_is_named_on_its_row_not_as_a_missing_price(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "wick-and-glaze.csv"
    source.write_text(
        "sku,title,price,currency\r\n"
        'WG-1,"Tall candle\r\nwith lid",12.50,GBP\r\n'  # a cell over two lines: one row
        'WG-2,"Pillar candle,9.00,GBP\r\n'  # the quote is never closed
        "WG-3,Bowl,18.00,GBP\r\nWG-4,Mug,9.00,GBP\r\n",
        encoding="utf-8",
    )
    out = " ".join(cli(ws, "catalog", "import", str(source), ok=False).split())
    assert "1 bad row(s)" in out, out
    assert "row 3, column '': a quote opened on this row is never closed" in out, out
    assert "is required" not in out, out
    rows = "".join(f"WG-{n:04d},Candle {n} in a glazed jar,12.50,GBP\r\n" for n in range(4000))
    source.write_text(  # the rows after the quote are more than the reader takes in one cell
        'sku,title,price,currency\r\nWG-A,"Jar,9.00,GBP\r\n' + rows, encoding="utf-8"
    )
    out = " ".join(cli(ws, "catalog", "import", str(source), ok=False).split())
    assert "row 2, column '': a quote opened on this row is never closed" in out, out
    assert _catalog(ws) == []


# The header rows of the three exports a maker moving shop brings (one product each), as
# Etsy's "Currently for sale listings", WooCommerce's product exporter (with its byte-order
# mark) and Square's item library write them.
FOREIGN = {
    "Etsy's listings export": (
        "TITLE,DESCRIPTION,PRICE,CURRENCY_CODE,QUANTITY,TAGS,MATERIALS,IMAGE1,IMAGE2,"
        "VARIATION 1 TYPE,VARIATION 1 NAME,VARIATION 1 VALUES,SKU\r\n"
        '"Soy candle, fig",Hand poured in Leeds,14.00,USD,7,"candle,soy,gift",soy wax,'
        "https://i.etsystatic.com/1.jpg,,,,,WG-ETSY-1\r\n"
    ),
    "WooCommerce's product export": (
        "\ufeffID,Type,SKU,Name,Published,Is featured?,Visibility in catalog,Short description,"
        "Description,Sale price,Regular price,Categories,Tags,Images\r\n"
        '41,simple,WG-WOO-1,Glazed bowl,1,0,visible,,A bowl,,18.00,Bowls,"bowl, blue",\r\n'
    ),
    "Square's item library export": (
        "Reference Handle,Token,Item Name,Variation Name,SKU,Description,Categories,GTIN,"
        "Price,Current Quantity Wick & Glaze\r\n"
        "#jar-candle,ABC123,Jar candle,Regular,WG-SQ-1,,Candles,,9.00,4\r\n"
    ),
}


def test_an_etsy_woocommerce_or_square_export_is_named_and_nothing_is_guessed(
    tmp_path: Path,
) -> None:
    ws = _shop(tmp_path)  # a shop in pounds: Etsy's dollars must not become pounds
    for name, text in FOREIGN.items():
        source = tmp_path / "export.csv"
        source.write_text(text, encoding="utf-8")
        out = " ".join(cli(ws, "catalog", "import", str(source), ok=False).split())
        assert f"row 1, column '': this is {name}, not a plain catalog" in out, out
        assert "required column" not in out, out
    assert _catalog(ws) == []


def test_a_numeric_sku_excel_wrote_in_scientific_notation_says_what_excel_did(
    tmp_path: Path,
) -> None:
    ws = _shop(tmp_path)  # SKUs that are the barcode's digits: Excel shows them as 5.01235E+12
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "sku,title,price,currency\n5012345678900,Pillar candle,12.50,GBP\n5.01235E+12,Jar,9,GBP\n",
        encoding="utf-8",
    )
    out = " ".join(cli(ws, "catalog", "import", str(catalog), ok=False).split())
    assert f"row 3, column 'sku': {SCIENTIFIC}" in out, out
    stock = tmp_path / "stock.csv"
    stock.write_text("sku,quantity\n5.01235E+12,4\n", encoding="utf-8")
    out = " ".join(cli(ws, "stock", "import", "van", str(stock), ok=False).split())
    assert f"row 2, column 'sku': {SCIENTIFIC}" in out, out
    assert _catalog(ws) == []


def test_skip_bad_rows_skips_rows_never_a_file_whose_header_cannot_be_read(
    tmp_path: Path,
) -> None:
    ws = _shop(tmp_path)
    files = {
        "workbook.csv": _workbook(),
        "etsy.csv": FOREIGN["Etsy's listings export"].encode(),
        "empty.csv": b"",
        "no-title.csv": b"sku,price,currency\nWG-1,9.00,GBP\n",
    }
    for name, data in files.items():
        source = tmp_path / name
        source.write_bytes(data)
        out = cli(ws, "catalog", "import", str(source), "--skip-bad-rows", ok=False)
        assert "import refused, nothing changed" in out and "row 1" in out, out
    stock = tmp_path / "stock.csv"
    stock.write_bytes(b"")
    out = cli(ws, "stock", "import", "van", str(stock), "--skip-bad-rows", ok=False)
    assert "import refused, nothing changed" in out and "the file is empty" in out, out
    good = tmp_path / "one-bad-row.csv"  # a bad row is still skipped, the rest imported
    good.write_text("sku,title,price,currency\nWG-1,Mug,9,GBP\nWG-2,Bowl,£9,GBP\n", "utf-8")
    out = cli(ws, "catalog", "import", str(good), "--skip-bad-rows")
    assert "imported 1 new" in out and "skipped row 3" in out, out
