"""A bilingual spice and tea shop in Marseille, through the CLI: SKUs and titles it types,
French and Arabic, prices in euros, the files its French Excel writes."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
import zlib
from datetime import datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from lxml import etree
from typer.testing import CliRunner

from microindex.adapters.labels.pdf import fonts
from microindex.adapters.labels.zpl import STOCKS
from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day
from tests.packaging.decoding import decode_all
from tests.packaging.test_printed_symbols import _render_zpl

runner = CliRunner()

CATALOG = """\
sku,gtin,title,price,currency,attr:vat
EPI-RAS-100G,37601234500201,Ras el hanout 100 g,6.90,EUR,5.5
THE-MENTHE-250,37601234500218,Thé vert à la menthe – شاي بالنعناع,12.50,EUR,5.5
ZAATAR-200,37601234500225,زعتر Zaâtar du Liban 200 g,8.40,EUR,5.5
"""


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert (result.exit_code == 0) is ok, result.output
    return result.output if not ok else result.stdout


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """Épices Zaâtar: a shop in Noailles that takes returns, three products, some stock."""
    ws = tmp_path / "ws"
    cli(ws, "init", "--currency", "EUR")
    add = ("node", "add", "noailles", "--kind", "store", "--name", "Épices Zaâtar – Noailles")
    cli(ws, *add, "--lat", "43.297", "--lon", "5.381", "--pickup", "--return-point")
    catalog = tmp_path / "catalogue.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    cli(ws, "catalog", "import", str(catalog))
    cli(ws, "stock", "receive", "noailles", "ZAATAR-200", "5")
    cli(ws, "sync")
    return ws


def _iso(text: str) -> datetime:
    """A time as ISO 8601 writes it for a machine: a 'T' and an offset."""
    assert "T" in text, text
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, text
    return moment


def test_json_times_of_returns_and_job_runs_are_iso_8601_with_an_offset(shop: Path) -> None:
    cli(shop, "stock", "sell", "noailles", "ZAATAR-200", "1", "--ref", "T-001")
    cli(shop, "returns", "open", "noailles", "T-001", "ZAATAR-200", "--reason", "changed-mind")
    (opened,) = json.loads(cli(shop, "returns", "list", "--json"))
    _iso(opened["opened_at"])
    cli(shop, "governance", "jobs", "run", "nightly-reconciliation")
    (run,) = json.loads(cli(shop, "governance", "jobs", "history", "--json"))
    assert _iso(run["started"]) <= _iso(run["finished"])


def test_a_sku_with_an_accent_is_refused_naming_its_row_what_is_allowed_and_a_sku_to_use(
    shop: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "nouveautés.csv"
    catalog.write_text(
        "sku,title,price\nÉPI-RAS-100G,Ras el hanout,6.90\nTHE-NOIR-100,Thé noir,5.20\n",
        encoding="utf-8",
    )
    said = " ".join(cli(shop, "catalog", "import", str(catalog), ok=False).split())
    assert "row 2, column 'sku'" in said
    assert "letters A-Z without accents" in said and "'É' is not one" in said
    assert "try 'EPI-RAS-100G'" in said
    said = " ".join(cli(shop, "catalog", "import", str(catalog), "--skip-bad-rows").split())
    assert "imported 1 new" in said and "skipped row 2, column 'sku'" in said
    stock = tmp_path / "stock.csv"
    stock.write_text("sku,quantity\nZAATAR-200,4\nÉPI-RAS-100G,3\n", encoding="utf-8")
    said = " ".join(cli(shop, "stock", "import", "noailles", str(stock), ok=False).split())
    assert "row 3, column 'sku'" in said and "try 'EPI-RAS-100G'" in said


FRENCH_EXCEL = (  # "CSV UTF-8" as Excel set to French saves it: ';', decimal commas, a BOM
    "\ufeffsku;gtin;title;price;sale_price;currency\r\n"
    "THE-NOIR-100;;Thé noir de Ceylan;5,20;;EUR\r\n"
    "THEIERE-INOX;;Théière inox 1 L – إبريق شاي;34,90;29,90;EUR\r\n"
)


def _prices(ws: Path) -> dict[str, tuple[str, str | None]]:
    items = json.loads(cli(ws, "catalog", "list", "--json", "--limit", "500"))["items"]
    return {p["sku"]: (p["price"], p["sale_price"]) for p in items}


def test_a_french_excel_csv_is_read_with_its_semicolons_and_decimal_commas(
    shop: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalogue.csv"
    catalog.write_bytes(FRENCH_EXCEL.encode("utf-8"))
    said = " ".join(cli(shop, "catalog", "import", str(catalog)).split())
    assert "imported 2 new" in said
    prices = _prices(shop)
    assert prices["THE-NOIR-100"][0] == "5.20"
    assert prices["THEIERE-INOX"] == ("34.90", "29.90")
    stock = tmp_path / "stock.csv"
    stock.write_bytes("\ufeffsku;quantity\r\nTHE-NOIR-100;12\r\n".encode())
    cli(shop, "stock", "import", "noailles", str(stock))
    lines = json.loads(cli(shop, "stock", "show", "--node", "noailles", "--json"))
    assert {line["sku"]: line["on_hand"] for line in lines}["THE-NOIR-100"] == 12


@pytest.mark.parametrize("price", ["1.234", "1 234,50", "6.90"])
def test_a_price_a_french_file_writes_with_a_point_or_grouped_is_refused_not_misread(
    shop: Path, tmp_path: Path, price: str
) -> None:
    catalog = tmp_path / "catalogue.csv"
    catalog.write_text(f"sku;title;price\nTHE-NOIR-100;Thé noir;{price}\n", encoding="utf-8")
    said = " ".join(cli(shop, "catalog", "import", str(catalog), ok=False).split())
    assert "row 2, column 'price'" in said and "like 12,50" in said
    assert "THE-NOIR-100" not in _prices(shop)


def test_a_cp1252_file_is_refused_cell_by_cell_asking_for_csv_utf_8(
    shop: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalogue.csv"
    text = FRENCH_EXCEL.removeprefix("\ufeff").replace(" – إبريق شاي", "")
    catalog.write_bytes(text.encode("cp1252"))
    said = " ".join(cli(shop, "catalog", "import", str(catalog), ok=False).split())
    assert "row 2, column 'title': not UTF-8 text: save the file as 'CSV UTF-8'" in said
    assert "THE-NOIR-100" not in _prices(shop)


def _zpl(ws: Path, sku: str, *more: str) -> str:
    return cli(ws, "labels", "zpl", sku, "--stock", "62x29", *more)


def test_a_zpl_label_with_an_arabic_title_asks_the_printer_to_lay_it_right_to_left_shaped(
    shop: Path,
) -> None:
    label = _zpl(shop, "ZAATAR-200", "--font", "E:NOTONASKH.TTF")
    commands = label.split("\n")
    # Zebra's advanced text properties: bidirectional layout and character shaping on;
    # without them the printer sets an Arabic word's letters left to right, unjoined.
    layout = commands.index("^PA0,1,1,0")
    title = next(i for i, c in enumerate(commands) if "^FDزعتر" in c)
    assert layout < title
    stock = STOCKS["62x29"]
    (picture,) = _render_zpl(label, stock.width_mm, stock.height_mm, stock.dpi)
    (read,) = decode_all(picture)
    assert read.text == "https://id.gs1.org/01/37601234500225"
    assert "^PA" not in _zpl(shop, "EPI-RAS-100G")  # a Latin title is left as it was


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.mark.parametrize(
    "question", ["avez-vous du zaatar près de moi ?", "est-ce que vous avez l'zaatar en stock"]
)
def test_the_voice_answer_is_said_in_the_shops_language(shop: Path, question: str) -> None:
    settings = shop / "microindex.toml"
    settings.write_text(settings.read_text() + 'language = "fr-FR"\n', encoding="utf-8")
    where = ("--lat", "43.296", "--lon", "5.380")
    speak = etree.fromstring(cli(shop, "feeds", "voice", question, *where).encode())
    assert speak.get(XML_LANG) == "fr-FR"
    said = "".join(str(text) for text in speak.itertext())
    assert said.startswith("Oui") and "زعتر Zaâtar du Liban 200 g" in said, said
    assert "Épices Zaâtar – Noailles" in said and "kilomètre" in said, said
    answer = json.loads(cli(shop, "feeds", "voice", question, *where, "--json"))
    assert answer["sku"] == "ZAATAR-200" and answer["speech"] == said


def test_a_language_the_voice_cannot_speak_is_refused_by_name(shop: Path) -> None:
    settings = shop / "microindex.toml"
    settings.write_text(settings.read_text() + 'language = "xx"\n', encoding="utf-8")
    said = " ".join(
        cli(shop, "feeds", "voice", "zaatar", "--lat", "43", "--lon", "5", ok=False).split()
    )
    assert "language" in said and "fr-FR" in said


def test_a_shopify_export_saved_again_by_a_french_excel_is_read_as_shopify(
    shop: Path, tmp_path: Path
) -> None:
    export = tmp_path / "products_export.csv"
    export.write_text(
        "Handle;Title;Vendor;Variant SKU;Variant Grams;Variant Inventory Qty;Variant Price;"
        "Variant Compare At Price\r\n"
        "the-noir;Thé noir de Ceylan;Épices Zaâtar;THE-NOIR-100;100;8;5,20;6,50\r\n",
        encoding="utf-8-sig",
    )
    said = " ".join(cli(shop, "catalog", "import", str(export), "--stock-node", "noailles").split())
    assert "imported 1 new" in said
    assert _prices(shop)["THE-NOIR-100"] == ("6.50", "5.20")


def _arabic_drawn(pdf: Path) -> list[tuple[float, float, str]]:
    """Each Arabic character drawn on the sheet's first page: its left edge, its baseline
    and the character as the PDF holds it (a presentation form once shaped)."""
    document = pdfium.PdfDocument(pdf)
    try:
        text = document[0].get_textpage()
        drawn = text.get_text_range()
        return [
            (*text.get_charbox(i)[:2], c)
            for i, c in enumerate(drawn)
            if "ARABIC" in unicodedata.name(c, "")
        ]
    finally:
        document.close()


def test_a_pdf_label_draws_an_arabic_word_right_to_left_with_its_letters_joined(
    shop: Path, tmp_path: Path
) -> None:
    if fonts()[0] == "Helvetica":
        pytest.skip("no DejaVu Sans on this system (apt install fonts-dejavu-core)")
    out = tmp_path / "sheet.pdf"
    args = ("--node", "noailles", "--all", "--template", "avery-l7160", "--out", str(out))
    cli(shop, "labels", "sheet", *args)
    drawn = _arabic_drawn(out)
    at = next((x, y) for x, y, c in drawn if unicodedata.normalize("NFKC", c) == "ز")
    word = [(x, c) for x, y, c in drawn if abs(x - at[0]) < 40 and abs(y - at[1]) < 3]
    right_to_left = [c for _, c in sorted(word, reverse=True)]
    assert unicodedata.normalize("NFKC", "".join(right_to_left)) == "زعتر"
    # pdfium reads a presentation form back as its letter; the fonts' maps name the forms
    # drawn: zay joins nothing on its left; ain starts the join, teh goes on, reh ends it
    assert {"\ufeaf", "\ufecb", "\ufe98", "\ufeae"} <= _glyphs_mapped(out)


def _glyphs_mapped(pdf: Path) -> set[str]:
    """The characters the PDF's embedded fonts map their glyphs to (their ToUnicode maps)."""
    found: set[str] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S):
        with contextlib.suppress(zlib.error):
            text = zlib.decompress(stream).decode("latin-1")
            found |= {
                chr(int(code, 16)) for code in re.findall(r"<[0-9A-F]{2}> <([0-9A-F]{4})>", text)
            }
    return found
