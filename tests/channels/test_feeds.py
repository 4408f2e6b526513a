"""Google and Meta feeds from a real workspace, parsed back with real parsers."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from lxml import etree

from microindex.adapters.channels import feed_files
from microindex.adapters.channels.memory import ListWriter
from microindex.domain.channels.mapping import Channel
from microindex.service import stock
from microindex.service.channels import Mode, send
from tests.sales import sell

from .conftest import NODES, T0, Shop

G = "{http://base.google.com/ns/1.0}"


def read_rows(path: Path, delimiter: str = "\t") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def stock_up(shop: Shop) -> None:
    stock.receive(shop.workspace.node("shop"), "shop", "MUG-BLUE", 5, T0)
    stock.receive(shop.workspace.node("shop"), "shop", "PLATE-1", 2, T0)
    stock.receive(shop.workspace.node("van"), "van", "MUG-BLUE", 1, T0)


def google_xml(shop: Shop, path: Path, mode: Mode = Mode.FULL) -> int:
    with feed_files.replaced(path) as handle:
        writer = feed_files.GoogleXmlWriter(handle, "Shop", "https://shop.example", "Feed")
        record = send(shop.sources, Channel.GOOGLE, writer, shop.now(), mode)
        writer.close()
    return record.items


def test_the_google_product_feed_is_rss_with_the_g_namespace_and_every_field_rule(
    shop: Shop, tmp_path: Path
) -> None:
    stock_up(shop)
    assert google_xml(shop, tmp_path / "feed.xml") == 3
    root = etree.parse(str(tmp_path / "feed.xml")).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = {i.findtext(f"{G}id"): i for i in root.iter("item")}
    mug, plate, vase = items["MUG-BLUE"], items["PLATE-1"], items["VASE-9"]
    assert mug.findtext(f"{G}availability") == "in_stock"
    assert mug.findtext(f"{G}price") == "12.50 GBP"
    assert mug.findtext(f"{G}gtin") == "5012345678900"
    assert mug.findtext("title") == "Blue stoneware mug"
    assert mug.findtext("link") == "https://shop.example/products/MUG-BLUE"
    assert mug.find(f"{G}identifier_exists") is None
    assert mug.findtext(f"{G}shipping/{G}price") == "4.95 GBP"
    assert mug.findtext(f"{G}shipping/{G}country") == "GB"
    assert plate.findtext(f"{G}sale_price") == "15.00 GBP"
    assert (
        plate.findtext(f"{G}sale_price_effective_date")
        == "2026-03-01T00:00:00Z/2026-03-31T23:59:59Z"
    )
    assert plate.findtext(f"{G}identifier_exists") == "no"
    assert vase.findtext(f"{G}availability") == "preorder"
    assert vase.findtext(f"{G}availability_date") == "2026-04-01T00:00+0000"
    assert mug.findtext(f"{G}condition") == "new"


def test_the_tsv_feed_has_the_same_items_as_the_xml(shop: Shop, tmp_path: Path) -> None:
    stock_up(shop)
    with feed_files.replaced(tmp_path / "feed.tsv") as handle:
        send(shop.sources, Channel.GOOGLE, feed_files.google_tsv(handle), shop.now())
    rows = read_rows(tmp_path / "feed.tsv")
    assert [r["id"] for r in rows] == ["MUG-BLUE", "PLATE-1", "VASE-9"]
    assert rows[0]["price"] == "12.50 GBP" and rows[0]["shipping"] == "GB::Standard:4.95 GBP"
    assert rows[1]["identifier_exists"] == "no"


def test_the_local_inventory_feed_is_keyed_by_store_code_and_id_with_pickup(
    shop: Shop, tmp_path: Path
) -> None:
    stock_up(shop)
    with feed_files.replaced(tmp_path / "local.tsv") as handle:
        send(
            shop.sources,
            Channel.GOOGLE_LOCAL,
            feed_files.google_tsv(handle, local=True),
            shop.now(),
        )
    rows = read_rows(tmp_path / "local.tsv")
    found = {(r["store_code"], r["id"]): r for r in rows}
    assert set(found) == {("shop", "MUG-BLUE"), ("shop", "PLATE-1"), ("van", "MUG-BLUE")}
    assert found["van", "MUG-BLUE"]["quantity"] == "1"
    assert found["shop", "MUG-BLUE"]["pickup_method"] == "buy"
    assert found["van", "MUG-BLUE"]["pickup_method"] == "not supported"


def test_the_local_inventory_tsv_writes_the_spaced_values_of_googles_text_feeds(
    shop: Shop, tmp_path: Path
) -> None:
    """Google's tab-delimited local inventory feed takes `in stock`, `limited availability`,
    `out of stock` and pickup_sla `same day` / `next day` (the XML and API take underscores)."""
    stock_up(shop)
    sell(shop.workspace.node("van"), "van", "MUG-BLUE", 1, T0 + timedelta(minutes=1))
    slow = replace(NODES[0].capabilities, preparation_minutes=24 * 60)
    shop.sources.nodes = [replace(NODES[0], capabilities=slow), NODES[1]]
    shop.at(T0 + timedelta(minutes=2))
    with feed_files.replaced(tmp_path / "local.tsv") as handle:
        send(
            shop.sources,
            Channel.GOOGLE_LOCAL,
            feed_files.google_tsv(handle, local=True),
            shop.now(),
        )
    found = {(r["store_code"], r["id"]): r for r in read_rows(tmp_path / "local.tsv")}
    assert found["shop", "MUG-BLUE"]["availability"] == "in stock"
    assert found["shop", "PLATE-1"]["availability"] == "limited availability"
    assert found["van", "MUG-BLUE"]["availability"] == "out of stock"
    assert found["shop", "MUG-BLUE"]["pickup_sla"] == "next day"
    assert found["van", "MUG-BLUE"]["pickup_method"] == "not supported"
    assert all("_" not in r["availability"] + r["pickup_sla"] for r in found.values())


def test_the_meta_catalog_uses_metas_availability_words(shop: Shop, tmp_path: Path) -> None:
    stock_up(shop)
    with feed_files.replaced(tmp_path / "meta.csv") as handle:
        send(shop.sources, Channel.META, feed_files.meta_csv(handle), shop.now())
    rows = {r["id"]: r for r in read_rows(tmp_path / "meta.csv", ",")}
    assert rows["MUG-BLUE"]["availability"] == "in stock"
    assert rows["VASE-9"]["availability"] == "preorder"
    assert rows["PLATE-1"]["price"] == "20.00 GBP" and rows["PLATE-1"]["sale_price"] == "15.00 GBP"


def test_a_delta_feed_sends_only_items_whose_fields_changed_since_the_last_push(
    shop: Shop, tmp_path: Path
) -> None:
    stock_up(shop)
    google_xml(shop, tmp_path / "full.xml")
    assert google_xml(shop, tmp_path / "none.xml", Mode.DELTA) == 0
    sell(shop.workspace.node("shop"), "shop", "PLATE-1", 2, T0 + timedelta(minutes=5))
    shop.at(T0 + timedelta(minutes=6))
    assert google_xml(shop, tmp_path / "delta.xml", Mode.DELTA) == 1
    root = etree.parse(str(tmp_path / "delta.xml")).getroot()
    assert [i.findtext(f"{G}availability") for i in root.iter("item")] == ["out_of_stock"]


def test_every_item_sent_is_recorded_with_its_fields_and_a_dry_run_records_nothing(
    shop: Shop,
) -> None:
    stock_up(shop)
    send(shop.sources, Channel.GOOGLE_LOCAL, ListWriter(), shop.now(), record=False)
    assert shop.sources.store.pushes() == []
    record = send(shop.sources, Channel.GOOGLE_LOCAL, ListWriter(), shop.now())
    sent = dict(
        (s.key, s.fields) for _, s in shop.sources.store.history("google-local", shop.now())
    )
    assert record.items == 3 and sent["van/MUG-BLUE"]["quantity"] == "1"


def test_a_stale_node_figure_is_downgraded_in_the_local_feed(shop: Shop) -> None:
    stock_up(shop)
    shop.at(T0 + timedelta(days=1))  # a day with no movement at either node
    writer = ListWriter()
    send(shop.sources, Channel.GOOGLE_LOCAL, writer, shop.now(), record=False)
    mug = next(i for i in writer.items if i["store_code"] == "shop" and i["id"] == "MUG-BLUE")
    assert int(mug["quantity"]) < 5
    shop.at(T0 + timedelta(days=3))  # past the local rule's two days: nothing promised
    writer = ListWriter()
    send(shop.sources, Channel.GOOGLE_LOCAL, writer, shop.now(), record=False)
    assert {i["availability"] for i in writer.items} == {"out_of_stock"}
