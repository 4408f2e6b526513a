"""Listing accuracy: what each channel was told (or showed) against the ledgers at that time."""

from __future__ import annotations

from datetime import timedelta

from microindex.adapters.channels.memory import ListWriter
from microindex.adapters.channels.page import page_shows, render_product_page
from microindex.domain.channels.accuracy import Basis
from microindex.domain.channels.mapping import Channel
from microindex.domain.codes import Sku
from microindex.domain.product import Product
from microindex.service import catalog as catalog_service
from microindex.service import stock
from microindex.service.channel_history import listing_accuracy
from microindex.service.channel_views import check_page
from microindex.service.channels import send
from tests.sales import sell

from .conftest import SETTINGS, T0, Shop, gbp

HOUR = timedelta(hours=1)


def push(shop: Shop, channel: Channel, hours: float) -> None:
    shop.at(T0 + hours * HOUR)
    send(shop.sources, channel, ListWriter(), shop.now())


def report(shop: Shop, hours: int = 4):
    ledgers = {code: shop.workspace.node(code) for code in ("shop", "van")}
    return listing_accuracy(
        shop.sources.store,
        shop.workspace.hub,
        ledgers,
        shop.sources.nodes,
        SETTINGS,
        (T0, T0 + hours * HOUR),
        window=HOUR,
        step=timedelta(minutes=10),
    )


def test_a_delayed_push_shows_as_mismatches_until_it_lands(shop: Shop) -> None:
    node = shop.workspace.node("shop")
    stock.receive(node, "shop", "MUG-BLUE", 5, T0)
    push(shop, Channel.GOOGLE_LOCAL, 0)
    push(shop, Channel.META, 0)
    sell(node, "shop", "MUG-BLUE", 5, T0 + HOUR)  # sold out at 10:00
    push(shop, Channel.GOOGLE_LOCAL, 1.1)  # local inventory told six minutes later
    push(shop, Channel.META, 3)  # meta's push delayed two hours
    result = report(shop)
    local = {
        (c.field, c.start): c
        for c in result.cells
        if c.channel == "google-local" and c.basis is Basis.TOLD
    }
    meta = {
        (c.field, c.start): c for c in result.cells if c.channel == "meta" and c.basis is Basis.TOLD
    }
    assert local["availability", T0].accuracy == 1.0
    assert local["quantity", T0 + HOUR].matched == local["quantity", T0 + HOUR].checked - 1
    assert local["availability", T0 + 2 * HOUR].accuracy == 1.0
    assert meta["availability", T0].accuracy == 1.0
    for hour in (1, 2):  # the mug (one of three items) wrong at all six samples of each hour
        cell = meta["availability", T0 + hour * HOUR]
        assert (cell.checked, cell.matched) == (18, 12)
    assert meta["availability", T0 + 3 * HOUR].accuracy == 1.0
    wrong = {
        (m.channel, m.at)
        for m in result.mismatches
        if m.field == "availability" and m.key == "MUG-BLUE"
    }
    assert len([1 for channel, _ in wrong if channel == "meta"]) == 12  # 10:00-12:00, every 10 min
    sample = next(m for m in result.mismatches if m.channel == "meta" and m.field == "availability")
    assert (sample.shown, sample.true) == ("in stock", "out of stock")


def test_prices_are_checked_too_and_a_push_on_time_is_always_right(shop: Shop) -> None:
    stock.receive(shop.workspace.node("van"), "van", "PLATE-1", 3, T0)
    push(shop, Channel.GOOGLE, 0)
    result = report(shop, hours=2)
    google = [c for c in result.cells if c.channel == "google" and c.basis is Basis.TOLD]
    assert {c.field for c in google} == {"availability", "price", "sale_price"}
    assert all(c.accuracy == 1.0 for c in google) and not result.mismatches


def test_our_own_page_is_read_back_and_measured_as_shown(shop: Shop) -> None:
    node = shop.workspace.node("shop")
    stock.receive(node, "shop", "MUG-BLUE", 3, T0)
    shop.at(T0)
    check_page(shop.sources, "MUG-BLUE", "shop", shop.now(), render_product_page, page_shows)
    sell(node, "shop", "MUG-BLUE", 3, T0 + HOUR)  # the page is not looked at again
    result = report(shop, hours=2)
    page = {c.start: c for c in result.cells if c.channel == "page" and c.field == "availability"}
    assert all(c.basis is Basis.SHOWN for c in page.values())
    assert page[T0].accuracy == 1.0 and page[T0 + HOUR].accuracy == 0.0


def test_a_sku_with_a_slash_is_measured_on_every_channel(shop: Shop) -> None:
    box = Product(Sku("BOX/12"), "Box of twelve", gbp("3.00"))
    catalog_service.import_products(
        shop.workspace.hub, catalog_service.ParsedCatalog([box], [], 1), T0 - HOUR
    )
    catalog_service.pull_catalog(shop.workspace.hub, shop.workspace.node("shop"))
    stock.receive(shop.workspace.node("shop"), "shop", "BOX/12", 5, T0)
    push(shop, Channel.GOOGLE, 0)
    push(shop, Channel.GOOGLE_LOCAL, 0)
    checked = {
        (c.channel, c.field): c.checked for c in report(shop, 1).cells if c.basis is Basis.TOLD
    }
    items = {"google": 4, "google-local": 1}  # one sample per 10 minutes over the hour: 6
    assert checked["google", "availability"] == 6 * items["google"]
    assert checked["google-local", "availability"] == 6 * items["google-local"]


def test_a_movement_recorded_late_counts_from_its_own_time(shop: Shop) -> None:
    """A sale typed in after a later one (a till roll keyed in late) is replayed at its time."""
    node = shop.workspace.node("shop")
    stock.receive(node, "shop", "MUG-BLUE", 5, T0)
    push(shop, Channel.GOOGLE_LOCAL, 0)  # told 5, exact
    sell(node, "shop", "MUG-BLUE", 2, T0 + 2 * HOUR)
    sell(node, "shop", "MUG-BLUE", 1, T0 + HOUR)  # recorded after, happened before
    result = report(shop, hours=3)
    true = {
        m.at.hour - T0.hour: m.true
        for m in result.mismatches
        if m.channel == "google-local" and m.field == "quantity"
    }
    assert true == {1: "4", 2: "2"}  # 5 - 1 from 10:00, 5 - 1 - 2 from 11:00


def test_units_a_safety_buffer_held_back_are_not_errors_but_promising_too_many_is(
    shop: Shop,
) -> None:
    node = shop.workspace.node("shop")
    stock.receive(node, "shop", "MUG-BLUE", 20, T0 - 96 * HOUR)
    for day in range(4):  # two a day: the node's own rate
        sell(node, "shop", "MUG-BLUE", 2, T0 - (72 - 24 * day) * HOUR)
    stock.receive(node, "shop", "PLATE-1", 1, T0)  # the ledger's last movement: 09:00
    push(shop, Channel.GOOGLE_LOCAL, 6)  # at 15:00 the figure is six hours old
    (told,) = [
        (at, item)
        for at, item in shop.sources.store.history("google-local", shop.now())
        if item.key == "shop/MUG-BLUE"
    ]
    assert (told[1].fields["quantity"], told[1].held) == ("9", 3)  # 12 on hand, 3 held back
    sell(node, "shop", "MUG-BLUE", 2, T0 + 7 * HOUR)  # 10 left: the buffer covers it
    sell(node, "shop", "MUG-BLUE", 2, T0 + 8 * HOUR)  # 8 left: 9 is a promise too many
    result = listing_accuracy(
        shop.sources.store,
        shop.workspace.hub,
        {code: shop.workspace.node(code) for code in ("shop", "van")},
        shop.sources.nodes,
        SETTINGS,
        (T0 + 6 * HOUR, T0 + 9 * HOUR),
        window=HOUR,
        step=timedelta(minutes=10),
    )
    quantity = {
        c.start: (c.checked, c.matched)
        for c in result.cells
        if c.channel == "google-local" and c.field == "quantity" and c.basis is Basis.TOLD
    }
    assert quantity[T0 + 6 * HOUR] == (12, 12)  # two items, six samples, the mug 3 short
    assert quantity[T0 + 7 * HOUR] == (12, 12)
    assert quantity[T0 + 8 * HOUR] == (12, 6)  # the mug promised 9 of 8
    wrong = {m.true for m in result.mismatches if m.key == "shop/MUG-BLUE"}
    assert wrong == {"8"}


def test_a_discontinued_product_told_out_of_stock_is_counted_right(shop: Shop) -> None:
    """Units left on a shelf of a discontinued product are for the till: the local feed says
    0 and out of stock, and accuracy judges it against that, not against the shelf."""
    gone = Product(Sku("GONE-1"), "Old bowl", gbp("6"), tags=("discontinued",))
    catalog_service.import_products(
        shop.workspace.hub, catalog_service.ParsedCatalog([gone], [], 1), T0 - HOUR
    )
    catalog_service.pull_catalog(shop.workspace.hub, shop.workspace.node("shop"))
    stock.receive(shop.workspace.node("shop"), "shop", "GONE-1", 4, T0)
    push(shop, Channel.GOOGLE_LOCAL, 0.1)
    sent = {i.key: i.fields for _, i in shop.sources.store.history("google-local", shop.now())}
    assert (sent["shop/GONE-1"]["quantity"], sent["shop/GONE-1"]["availability"]) == (
        "0",
        "out_of_stock",
    )
    assert not [m for m in report(shop, 1).mismatches if m.key == "shop/GONE-1"]
