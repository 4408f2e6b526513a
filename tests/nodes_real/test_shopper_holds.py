"""A shopper's hold from a scan page: at the node they chose, only where it can be handed over,
for half an hour from when it is ready; the same form twice is one hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microindex.demo.scenario import NODES
from microindex.domain.errors import InvalidValue
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.promise.holds import NodeClosed, NoPickupHere, NotReservable
from microindex.service import promise, shelf_holds, shopper_scan
from tests.nodes_real.conftest import MUG, Site

GLN = "9520123456788"
SHELF = DigitalLink.location(GLN, "A1").uri("https://shop.example")


def test_a_hold_lasts_half_an_hour_from_when_it_is_ready_and_a_repeat_is_the_same_hold(
    site: Site,
) -> None:
    shop = site.shop
    shelf_holds.add_shelf(site.ops, GLN, "A1", "shopfront", "MUG")
    shop.stock("shopfront", "MUG", 3)
    rights = shop.held("MUG")["shopfront"]
    at = shop.clock()
    held = shopper_scan.hold(shop.hub, site.ops, NODES, "h-1", SHELF, "shopfront", 2, at)
    assert (held.node.code.value, held.product.sku.value, held.quantity) == ("shopfront", "MUG", 2)
    assert held.ready_by == at + timedelta(minutes=20)  # the shopfront's preparation
    assert held.until == at + timedelta(minutes=50) and held.created
    assert shop.held("MUG")["shopfront"] == rights - 2
    again = shopper_scan.hold(shop.hub, site.ops, NODES, "h-1", SHELF, "shopfront", 2, at)
    assert (again.reference, again.created) == ("h-1", False)  # though fewer are left now
    assert promise.release_lapsed(shop.hub, at + timedelta(minutes=49)) == []
    assert promise.release_lapsed(shop.hub, at + timedelta(minutes=51)) == ["h-1"]


def test_a_product_qr_holds_at_the_node_the_shopper_chose(site: Site) -> None:
    site.shop.stock("shopfront", "MUG", 1)
    assert MUG.gtin is not None
    scan = DigitalLink.product(MUG.gtin).uri("https://shop.example")
    held = shopper_scan.hold(
        site.shop.hub, site.ops, NODES, "h-1", scan, "shopfront", 1, site.shop.clock()
    )
    assert held.node.code.value == "shopfront" and held.quantity == 1


def test_a_hold_is_refused_where_it_cannot_be_handed_over_or_is_not_there(site: Site) -> None:
    shop = site.shop
    shelf_holds.add_shelf(site.ops, GLN, "A1", "shopfront", "MUG")
    for node in ("shopfront", "van", "locker"):
        shop.stock(node, "MUG", 2)
    rights = shop.held("MUG")["shopfront"]

    def hold(node: str, quantity: int = 1, minutes: float = 0) -> None:
        at = shop.clock() + timedelta(minutes=minutes)
        shopper_scan.hold(shop.hub, site.ops, NODES, "h-x", SHELF, node, quantity, at)

    with pytest.raises(NoPickupHere):
        hold("van")  # no counter to hand it over
    with pytest.raises(NoPickupHere):
        hold("locker")  # parcels go through its compartments
    with pytest.raises(InvalidValue, match="hold 1 to 5"):
        hold("shopfront", 6)
    with pytest.raises(NotReservable) as short:
        hold("shopfront", rights + 1)
    assert (short.value.requested, short.value.available) == (rights + 1, rights)
    with pytest.raises(NodeClosed) as closed:
        hold("shopfront", minutes=10 * 60)  # 20:00 on a Tuesday
    assert closed.value.ready_by == shop.clock() + timedelta(days=1, minutes=20)
    assert shop.held("MUG")["shopfront"] == rights  # nothing was held
