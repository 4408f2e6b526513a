"""A second-hand bookshop's own codes through the CLI: ISBNs typed by staff, and the add-on
(a periodical's issue, a book's price) a scanner sends after an EAN-13."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()
BOOK = "09780306406157"  # ISBN 978-0-306-40615-7, printed as ISBN-10 0-306-40615-2
MAGAZINE = "09771234567003"  # ISSN barcode, prefix 977

CATALOG = (
    "sku,gtin,title,price,currency,attr:condition\n"
    "BK-1,0-306-40615-2,Signals & Systems,12.50,GBP,used\n"
    "MAG-1,9771234567003,The Economist,6.50,GBP,new\n"
)


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert (result.exit_code == 0) is ok, result.output
    return " ".join(result.output.split())


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    workspace = tmp_path / "inkwell"
    cli(workspace, "init")
    cli(workspace, "node", "add", "shopfront", "--kind", "store", "--name", "Inkwell & Oak",
        "--lat", "55.9486", "--lon", "-3.1999", "--pickup")  # fmt: skip
    (tmp_path / "pos.csv").write_text(CATALOG, encoding="utf-8")
    cli(workspace, "catalog", "import", str(tmp_path / "pos.csv"))
    return workspace


def resolved(workspace: Path, scanned: str) -> str:
    found = json.loads(cli(workspace, "labels", "resolve", scanned, "--json"))
    return str(found["product"]["gtin"])


def test_an_isbn_10_typed_by_staff_is_imported_as_its_isbn_13(shop: Path) -> None:
    listed = cli(shop, "catalog", "list")
    assert BOOK in listed and "BK-1" in listed


@pytest.mark.parametrize("typed", ["0-306-40615-2", "0306406152", "978-0-306-40615-7"])
def test_an_isbn_as_staff_type_it_resolves_and_is_found(shop: Path, typed: str) -> None:
    assert resolved(shop, typed) == BOOK
    assert "BK-1" in cli(shop, "search", "find", typed)


def test_an_isbn_10_with_a_wrong_check_digit_is_refused_with_the_reason(shop: Path) -> None:
    said = cli(shop, "labels", "resolve", "0-306-40615-3", ok=False)
    assert "check digit" in said


@pytest.mark.parametrize(
    ("scanned", "gtin"),
    [
        ("]E3977123456700302", MAGAZINE),  # the issue number after an ISSN barcode
        ("977123456700302", MAGAZINE),  # a scanner sending no symbology identifier
        ("]E3978030640615751250", BOOK),  # a book's price add-on (EAN-5)
        ("978030640615751250", BOOK),  # no identifier: 18 digits that are no SSCC
    ],
)
def test_a_barcode_scanned_with_its_add_on_resolves_to_the_product(
    shop: Path, scanned: str, gtin: str
) -> None:
    assert resolved(shop, scanned) == gtin


def test_a_feed_file_named_json_or_atom_holds_that_format(shop: Path, tmp_path: Path) -> None:
    """`feeds newsletter news.json` wrote RSS into news.json, and `feeds google products
    feed.tsv` wrote XML: a JSON Feed reader or Merchant Center fetching them refused them."""
    cli(shop, "stock", "receive", "shopfront", "BK-1", "2")
    news, atom = tmp_path / "news.json", tmp_path / "news.atom"
    cli(shop, "feeds", "newsletter", str(news))
    cli(shop, "feeds", "newsletter", str(atom))
    assert json.loads(news.read_text(encoding="utf-8"))["items"]
    parsed = feedparser.parse(atom.read_bytes())
    assert parsed.version == "atom10" and not parsed.bozo
    tsv = tmp_path / "feed.tsv"
    cli(shop, "feeds", "google", "products", str(tsv))
    rows = list(csv.DictReader(io.StringIO(tsv.read_text(encoding="utf-8")), delimiter="\t"))
    assert {row["id"] for row in rows} == {"BK-1", "MAG-1"}


def test_a_shopify_export_imported_again_keeps_every_title(shop: Path, tmp_path: Path) -> None:
    """A one-copy book with a condition came back from its own Shopify export titled
    "Signals & Systems - used": the edit-prices-in-a-spreadsheet round trip renamed it."""
    exported = tmp_path / "shopify.csv"
    cli(shop, "catalog", "export", str(exported), "--format", "shopify")
    assert "0 new and 2 updated" in cli(shop, "catalog", "import", str(exported))
    titles = json.loads(cli(shop, "catalog", "list", "--json"))["items"]
    assert {item["sku"]: item["title"] for item in titles} == {
        "BK-1": "Signals & Systems",
        "MAG-1": "The Economist",
    }
