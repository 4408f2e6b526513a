"""A shopper scans a shelf QR and the item is held for pickup, briefly."""

from __future__ import annotations

import pytest

from microindex.demo.scenario import NODES
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.promise.lifecycle import Step
from microindex.domain.promise.plans import CannotPromise
from microindex.service import promise, shelf_holds, sync
from tests.nodes_real.conftest import MUG, Site

GLN = "9520123456788"
SHELF = DigitalLink.location(GLN, "A1").uri("https://shop.example")


def test_a_shelf_reservation_holds_the_item_and_its_expiry_releases_the_stock(site: Site) -> None:
    shop = site.shop
    shelf_holds.add_shelf(site.ops, GLN, "A1", "shopfront", "MUG")
    shop.stock("shopfront", "MUG", 1)
    held = shelf_holds.hold_from_scan(shop.hub, site.ops, "h-1", SHELF, NODES, shop.clock())
    assert list(held.record.order.parts) == ["shopfront"]
    assert shop.held("MUG")["shopfront"] == 0
    with pytest.raises(CannotPromise):  # the unit is held: nobody else can have it
        shelf_holds.hold_from_scan(shop.hub, site.ops, "h-2", SHELF, NODES, shop.clock())
    assert promise.release_lapsed(shop.hub, shop.later(20)) == []
    assert promise.release_lapsed(shop.hub, shop.later(11)) == ["h-1"]
    assert promise.get_order(shop.hub, "h-1").order.step is Step.RELEASED
    shop.sync("shopfront")  # the node hears of the release: nothing is set aside any more
    with shop.nodes["shopfront"]() as uow:
        rights = sync.load_side(uow, "shopfront").get("MUG")
        on_hand = uow.ledger.load("shopfront", ["MUG"]).available("MUG")
    assert (on_hand, rights.local + rights.granted, rights.reserved) == (1, 1, ())


def test_a_product_qr_holds_at_the_node_it_was_scanned_at(site: Site) -> None:
    site.shop.stock("shopfront", "MUG", 1)
    assert MUG.gtin is not None
    scan = DigitalLink.product(MUG.gtin).uri("https://shop.example")
    held = shelf_holds.hold_from_scan(
        site.shop.hub, site.ops, "h-1", scan, NODES, site.shop.clock(), node="shopfront"
    )
    assert held.record.order.parts["shopfront"].lines == (("MUG", 1),)


def test_an_unknown_shelf_is_refused(site: Site) -> None:
    other = DigitalLink.location(GLN, "Z9").uri("https://shop.example")
    with pytest.raises(shelf_holds.UnknownShelf):
        shelf_holds.hold_from_scan(site.shop.hub, site.ops, "h-1", other, NODES, site.shop.clock())
