"""Kits in the channel feeds (issue 23): a kit holds no stock, so each channel is told what its
parts make, node by node, under the one availability rule (ADR 0006): at each node as many kits
as the scarcest part's published units allow, said no surer than any part. Google marks it a
bundle (`is_bundle`); Meta and the product page's JSON-LD carry its quantity and availability.
Driven through the CLI on a fresh workspace and read back with real parsers."""

import csv
from pathlib import Path

from lxml import etree

from microindex.adapters.channels.merchant_api import product_input
from tests.e2e.test_cli_kits_purchasing import KIT, PARTS, _stocked, cli

G = "{http://base.google.com/ns/1.0}"


def _rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _google(ws: Path, out: Path) -> dict[str, dict[str, str]]:
    cli(ws, "feeds", "google", "products", str(out))
    items = etree.parse(str(out)).getroot().iter("item")
    return {
        str(item.findtext(f"{G}id")): {child.tag.replace(G, ""): child.text or "" for child in item}
        for item in items
    }


def _local(ws: Path, out: Path) -> dict[tuple[str, str], dict[str, str]]:
    cli(ws, "feeds", "google", "local", str(out))
    return {(row["store_code"], row["id"]): row for row in _rows(out, "\t")}


def _meta(ws: Path, out: Path) -> dict[str, dict[str, str]]:
    cli(ws, "feeds", "meta", str(out))
    return {row["id"]: row for row in _rows(out, ",")}


def test_a_kit_is_a_bundle_in_every_feed_as_many_as_its_scarcest_part(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)  # the shop holds 6, 4 and 3 of parts taken 2, 1 and 1 a kit
    google = _google(ws, tmp_path / "google.xml")
    assert google[KIT]["is_bundle"] == "yes" and google[KIT]["availability"] == "in_stock"
    assert "is_bundle" not in google["MUG-TIDE-250"]  # a part is not a bundle
    local = _local(ws, tmp_path / "local.tsv")
    assert local[("shop", KIT)]["quantity"] == "3"  # min(6 // 2, 4 // 1, 3 // 1)
    # by the hand count, from the parts' own rows in the same feed
    parts = {sku: int(local[("shop", sku)]["quantity"]) for sku in PARTS}
    assert min(parts[sku] // need for sku, need in PARTS.items()) == 3
    assert ("van", KIT) not in local  # the van holds none of its parts
    assert _meta(ws, tmp_path / "meta.csv")[KIT]["quantity_to_sell_on_facebook"] == "3"

    cli(ws, "stock", "sell", "shop", "BWL-MOSS-S", "2")  # one bowl left: one kit
    local = _local(ws, tmp_path / "local2.tsv")
    assert (local[("shop", KIT)]["quantity"], local[("shop", KIT)]["availability"]) == (
        "1",
        "limited availability",
    )
    assert _meta(ws, tmp_path / "meta2.csv")[KIT]["quantity_to_sell_on_facebook"] == "1"
    cli(ws, "stock", "sell", "shop", "BWL-MOSS-S", "1")  # no bowls: no kits, whatever else
    assert _google(ws, tmp_path / "google3.xml")[KIT]["availability"] == "out_of_stock"
    assert _meta(ws, tmp_path / "meta3.csv")[KIT]["availability"] == "out of stock"


def test_the_google_tsv_and_the_merchant_api_carry_the_bundle_flag(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    out = tmp_path / "google.tsv"
    cli(ws, "feeds", "google", "products", str(out), "--format", "tsv")
    rows = {row["id"]: row for row in _rows(out, "\t")}
    assert rows[KIT]["is_bundle"] == "yes" and rows["BWL-MOSS-S"]["is_bundle"] == ""
    body = product_input(rows[KIT], "en", "GB")  # as `feeds push google` sends it
    assert body["productAttributes"]["isBundle"] is True
