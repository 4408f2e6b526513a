"""`microindex feeds ...` for a Japanese-and-Welsh stationery shop built through the CLI:
in-store (variable measure) codes, JPY and BHD prices, titles in Japanese, Welsh and Arabic."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from lxml import etree
from typer.testing import CliRunner

from microindex.domain.gtin import gs1_check_digit
from microindex.entrypoints.cli import feeds
from microindex.entrypoints.cli.app import app as root
from tests.clock import on_demo_day

runner = CliRunner()
G = "{http://base.google.com/ns/1.0}"


def gtin(body: str) -> str:
    return body + str(gs1_check_digit(body))


# A variable-measure code (prefix 2) and an in-store one (02), as a till prints them; and
# a GTIN-12 whose number system 4 is the shop's own: GS1 keeps them off the global register.
WASHI = gtin("201234500000")
INK = gtin("020000001234")
PAD = gtin("40000000123")
GLOBAL = gtin("490123456789")
CATALOG = [
    ("WASHI-M", WASHI, "Washi tape, per metre", "", "0.50", "GBP"),
    ("INK-JP", INK, "万年筆インク ブルーブラック", "パイロット", "1500", "JPY"),
    ("PAD-CY", PAD, "Llyfr nodiadau ŵ ŷ", "", "4.50", "GBP"),
    ("PEN-AR", GLOBAL, "قلم حبر — محمد", "Qalam", "1.005", "BHD"),
]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    if not any(group.name == "feeds" for group in root.registered_groups):
        root.add_typer(feeds.app, name="feeds")
    return root


def cli(app: typer.Typer, workspace: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def shop(app: typer.Typer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("siop")
    workspace = folder / "ws"
    cli(app, workspace, "init", "--currency", "GBP")
    with (workspace / "microindex.toml").open("a", encoding="utf-8") as settings:
        settings.write('\n[channels]\nbase_url = "https://siop.example"\n')
    sheet = folder / "catalog.csv"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["sku", "gtin", "title", "brand", "price", "currency"])
        rows.writerows(CATALOG)
    cli(app, workspace, "catalog", "import", str(sheet))
    cli(
        app,
        workspace,
        "node",
        "add",
        "siop",
        "--kind",
        "store",
        "--name",
        "Siop ŵ",
        "--lat",
        "51.48",
        "--lon",
        "-3.18",
    )
    for sku, *_ in CATALOG:
        cli(app, workspace, "stock", "receive", "siop", sku, "4")
    cli(app, workspace, "sync")
    return workspace


def test_in_store_codes_are_not_sent_as_gtins_and_the_item_says_it_has_none(
    app: typer.Typer, shop: Path, tmp_path: Path
) -> None:
    """Google refuses a GTIN of the restricted ranges (prefixes 02, 04 and 2: "Unsupported
    value due to restricted prefix"); the item goes without it, as one with no GTIN."""
    cli(app, shop, "feeds", "google", "products", str(tmp_path / "g.xml"))
    items = {
        i.findtext(f"{G}id"): i for i in etree.parse(str(tmp_path / "g.xml")).iterfind(".//item")
    }
    assert items["PEN-AR"].findtext(f"{G}gtin") == GLOBAL.zfill(13)
    for sku in ("WASHI-M", "INK-JP", "PAD-CY"):
        assert items[sku].findtext(f"{G}gtin") is None
    assert items["WASHI-M"].findtext(f"{G}identifier_exists") == "no"
    cli(app, shop, "feeds", "meta", str(tmp_path / "m.csv"))
    rows = csv.DictReader(io.StringIO((tmp_path / "m.csv").read_text(encoding="utf-8")))
    assert {r["id"]: r["gtin"] for r in rows}["INK-JP"] == ""
    dry = json.loads(cli(app, shop, "feeds", "push", "google", "--dry-run"))
    assert all("gtins" not in b.get("productAttributes", {}) for b in dry["first"][:1])
    page = cli(app, shop, "feeds", "page", "WASHI-M", "siop")
    assert WASHI not in page.split("<body>")[0]


def test_the_product_feed_links_each_store_s_page_for_a_local_listing(
    app: typer.Typer, shop: Path, tmp_path: Path
) -> None:
    """Google's merchant-hosted local storefront sends a local listing's click to
    `link_template` with `{store_code}` filled in: the node's own page of the product."""
    cli(app, shop, "feeds", "google", "products", str(tmp_path / "g.xml"))
    item = etree.parse(str(tmp_path / "g.xml")).find(".//item")
    assert item is not None
    template = item.findtext(f"{G}link_template") or ""
    assert template == f"{item.findtext('link')}?store={{store_code}}"
    cli(app, shop, "feeds", "google", "products", str(tmp_path / "g.tsv"), "--format", "tsv")
    rows = csv.DictReader(
        io.StringIO((tmp_path / "g.tsv").read_text(encoding="utf-8")), delimiter="\t"
    )
    assert {r["link_template"] for r in rows} >= {
        "https://siop.example/products/INK-JP?store={store_code}"
    }
    dry = json.loads(cli(app, shop, "feeds", "push", "google", "--dry-run"))
    attributes = dry["first"][0]["productAttributes"]
    assert attributes["linkTemplate"] == attributes["link"] + "?store={store_code}"
