"""Product pages (JSON-LD read by extruct) agree with the local feed and the ledger; newsletter
feeds parse with feedparser and the JSON Feed 1.1 schema."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import extruct
import feedparser
import jsonschema

from microindex.adapters.channels.memory import ListWriter
from microindex.adapters.channels.newsletter_files import json_feed, write_atom, write_rss
from microindex.adapters.channels.page import page_shows, render_product_page
from microindex.domain.channels.mapping import Channel
from microindex.service import stock
from microindex.service.channel_history import newsletter_entries
from microindex.service.channel_views import availability, product_page
from microindex.service.channels import send
from tests.sales import sell

from .conftest import SETTINGS, T0, Shop

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "jsonfeed-1.1.schema.json").read_text())


def offer_of(html: str) -> dict[str, object]:
    found = extruct.extract(html, base_url="https://shop.example", syntaxes=["json-ld"])
    (product,) = found["json-ld"]
    assert product["@type"] == "Product"
    offer: dict[str, object] = product["offers"]
    return offer


def test_a_nodes_page_carries_a_schema_org_offer_at_that_node(shop: Shop) -> None:
    stock.receive(shop.workspace.node("shop"), "shop", "MUG-BLUE", 5, T0)
    html = render_product_page(product_page(shop.sources, "MUG-BLUE", "shop", shop.now()))
    offer = offer_of(html)
    assert offer["availability"] == "https://schema.org/InStock"
    assert (offer["price"], offer["priceCurrency"]) == ("12.50", "GBP")
    place = offer["availableAtOrFrom"]
    assert isinstance(place, dict) and place["name"] == "High Street shop"


def test_the_page_and_the_local_feed_agree_with_the_ledger_at_the_same_moment(shop: Shop) -> None:
    node = shop.workspace.node("shop")
    stock.receive(node, "shop", "MUG-BLUE", 3, T0)
    stock.receive(node, "shop", "PLATE-1", 1, T0)
    for moment, sold in ((T0 + timedelta(minutes=1), 1), (T0 + timedelta(minutes=2), 2)):
        sell(node, "shop", "MUG-BLUE", sold, moment)
        shop.at(moment)
        with node() as uow:
            on_hand = {line.sku: line.on_hand for line in uow.ledger.stock("shop")}
        feed = ListWriter()
        send(shop.sources, Channel.GOOGLE_LOCAL, feed, moment, record=False)
        local = {i["id"]: i for i in feed.items if i["store_code"] == "shop"}
        for sku in ("MUG-BLUE", "PLATE-1"):
            html = render_product_page(product_page(shop.sources, sku, "shop", moment))
            words = str(offer_of(html)["availability"]).rsplit("/", 1)[-1]
            assert int(local[sku]["quantity"]) == on_hand[sku]
            expected = {
                "in_stock": "InStock",
                "limited_availability": "LimitedAvailability",
                "out_of_stock": "OutOfStock",
            }
            assert expected[local[sku]["availability"]] == words


def test_a_withheld_figure_leaves_the_offer_without_availability(shop: Shop) -> None:
    stock.receive(shop.workspace.node("shop"), "shop", "MUG-BLUE", 5, T0)
    moment = T0 + timedelta(days=5)
    html = render_product_page(product_page(shop.sources, "MUG-BLUE", "shop", moment))
    assert "availability" not in offer_of(html)
    assert page_shows(html) == {"availability": "", "price": "12.50 GBP"}


def entries(shop: Shop) -> list:
    node = shop.workspace.node("van")
    stock.receive(node, "van", "MUG-BLUE", 2, T0)
    sell(node, "van", "MUG-BLUE", 2, T0 + timedelta(hours=1))
    stock.receive(node, "van", "MUG-BLUE", 4, T0 + timedelta(hours=2))
    ledgers = {code: shop.workspace.node(code) for code in ("shop", "van")}
    return newsletter_entries(shop.workspace.hub, ledgers, shop.sources.nodes, SETTINGS)


def test_the_rss_feed_lists_drops_and_restocks_with_stable_guids_and_dates(shop: Shop) -> None:
    found = entries(shop)
    out = io.StringIO()
    write_rss(out, "News", "https://shop.example", found, shop.now())
    parsed = feedparser.parse(out.getvalue())
    assert not parsed.bozo and parsed.version == "rss20"
    ids = [e.id for e in parsed.entries]
    assert ids[:2] == [
        "tag:shop.example,2026-03-02:restock/van/3",
        "tag:shop.example,2026-03-02:restock/van/1",
    ]
    assert "tag:shop.example,2026-03-01:drop/MUG-BLUE" in ids
    assert parsed.entries[0].published_parsed[:5] == (2026, 3, 2, 11, 0)
    ledgers = {code: shop.workspace.node(code) for code in ("shop", "van")}
    again = newsletter_entries(shop.workspace.hub, ledgers, shop.sources.nodes, SETTINGS)
    assert [e.guid for e in again] == ids  # the same history gives the same ids


def test_the_atom_feed_parses_with_ids_and_updated_times(shop: Shop) -> None:
    out = io.StringIO()
    write_atom(
        out,
        "News",
        "https://shop.example",
        "https://shop.example/feeds/news.atom",
        entries(shop),
        shop.now(),
    )
    parsed = feedparser.parse(out.getvalue())
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.entries[0].id == "tag:shop.example,2026-03-02:restock/van/3"
    assert parsed.entries[0].link == "https://shop.example/products/MUG-BLUE?store=van"


def test_the_json_feed_validates_against_the_json_feed_1_1_schema(shop: Shop) -> None:
    feed = json_feed(
        "News", "https://shop.example", "https://shop.example/feeds/news.json", entries(shop)
    )
    jsonschema.validate(feed, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert feed["items"][0]["id"] == "tag:shop.example,2026-03-02:restock/van/3"  # type: ignore[index]


def test_a_restock_sold_out_since_is_not_announced_where_the_rule_says_none(shop: Shop) -> None:
    found = entries(shop)  # the van restocked twice; 4 there now
    node = shop.workspace.node("van")
    ledgers = {code: shop.workspace.node(code) for code in ("shop", "van")}
    now = T0 + timedelta(hours=3)

    def still(code: str, sku: str) -> bool:
        return availability(shop.sources, code, sku, now).available

    kept = newsletter_entries(
        shop.workspace.hub, ledgers, shop.sources.nodes, SETTINGS, available=still
    )
    assert [e.guid for e in kept] == [e.guid for e in found]
    sell(node, "van", "MUG-BLUE", 4, T0 + timedelta(hours=3))
    gone = newsletter_entries(
        shop.workspace.hub, ledgers, shop.sources.nodes, SETTINGS, available=still
    )
    assert [e.change.value for e in gone] == ["new-drop"] * 3  # the drops stay: history
