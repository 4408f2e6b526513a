"""Promising real orders against the hub's stock rights, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from microindex.demo.scenario import NODES
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.service import promise, rights, sync
from tests.promise.conftest import Shop

HACKNEY = Location(51.5400, -0.0600)


def request(
    shop: Shop,
    method: Method,
    *lines: tuple[str, int],
    customer: Location | None = HACKNEY,
    **kw: Any,
) -> OrderRequest:
    return OrderRequest(
        tuple(OrderLine(s, q) for s, q in lines), method, shop.clock(), customer, **kw
    )


def test_an_order_goes_to_one_node_and_spends_its_rights(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 4)
    shop.stock("van", "MUG", 4)
    placed = promise.place_order(
        shop.hub, "o-1", request(shop, Method.LOCAL_DELIVERY, ("MUG", 3)), NODES
    )
    order = placed.record.order
    assert len(order.parts) == 1
    node = next(iter(order.parts))
    assert shop.held("MUG")[node] == 1
    assert placed.record.why[0].startswith(f"chose {node}")


def test_a_sku_and_key_with_quotes_and_percent_signs_are_promised_as_written(shop: Shop) -> None:
    """PostgreSQL sends a promise's writes with their values bound on the client: a value
    that looks like SQL or a placeholder is still only a value."""
    sku, key = "MUG-O'Brien\\%s;--", "o-'1'%(x)s"
    shop.stock("shopfront", sku, 4)
    placed = promise.place_order(
        shop.hub, key, request(shop, Method.LOCAL_DELIVERY, (sku, 3)), NODES
    )
    assert placed.created
    again = promise.get_order(shop.hub, key)
    assert again.order.parts["shopfront"].lines == ((sku, 3),)
    assert shop.held(sku)["shopfront"] == 1
    assert (
        promise.place_order(
            shop.hub, key, request(shop, Method.LOCAL_DELIVERY, (sku, 3)), NODES
        ).created
        is False
    )


def test_an_order_is_split_when_no_node_holds_it_all(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 2)
    shop.stock("van", "MUG", 2)
    order = promise.place_order(
        shop.hub, "o-1", request(shop, Method.LOCAL_DELIVERY, ("MUG", 3)), NODES
    ).record.order
    assert sorted(order.parts) == ["shopfront", "van"]
    assert sum(q for part in order.parts.values() for _, q in part.lines) == 3


def test_pickup_and_delivery_choose_differently(shop: Shop) -> None:
    shop.stock("locker", "MUG", 2)
    shop.stock("van", "MUG", 2)
    pickup = promise.place_order(
        shop.hub, "o-1", request(shop, Method.PICKUP, ("MUG", 1), pickup_node="locker"), NODES
    ).record.order
    delivery = promise.place_order(
        shop.hub, "o-2", request(shop, Method.LOCAL_DELIVERY, ("MUG", 1)), NODES
    ).record.order
    assert list(pickup.parts) == ["locker"]
    assert list(delivery.parts) == ["van"]


def test_a_retried_key_reserves_nothing_twice_and_a_reused_key_is_refused(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 3)
    asked = request(shop, Method.SHIP, ("MUG", 2))
    first = promise.place_order(shop.hub, "o-1", asked, NODES)
    again = promise.place_order(shop.hub, "o-1", asked, NODES)
    assert (first.created, again.created) == (True, False)
    assert again.record.order.parts == first.record.order.parts
    assert shop.held("MUG")["shopfront"] == 1
    with pytest.raises(promise.KeyReused):
        promise.place_order(shop.hub, "o-1", request(shop, Method.SHIP, ("MUG", 1)), NODES)


def test_an_unconfirmed_order_past_its_lease_releases_its_stock(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 2)
    promise.place_order(shop.hub, "o-1", request(shop, Method.SHIP, ("MUG", 2)), NODES)
    with pytest.raises(CannotPromise):
        promise.place_order(shop.hub, "o-3", request(shop, Method.SHIP, ("MUG", 1)), NODES)
    assert promise.release_lapsed(shop.hub, shop.later(10)) == []
    assert promise.release_lapsed(shop.hub, shop.later(6)) == ["o-1"]
    assert promise.get_order(shop.hub, "o-1").order.step is Step.RELEASED
    shop.sync("shopfront")  # the node undoes the set-aside: the rights are free again
    with shop.nodes["shopfront"]() as uow:
        rights = sync.load_side(uow, "shopfront").get("MUG")
    assert (rights.local + rights.granted, rights.reserved) == (2, ())
    held = shop.held("MUG")["shopfront"]
    assert held >= 1  # the rebalance may keep a walk-in share at the node
    promise.place_order(shop.hub, "o-4", request(shop, Method.SHIP, ("MUG", held)), NODES)


def test_a_confirmed_order_keeps_its_stock_past_the_lease(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 1)
    promise.place_order(shop.hub, "o-1", request(shop, Method.SHIP, ("MUG", 1)), NODES)
    promise.advance(shop.hub, "o-1", "shopfront", Step.CONFIRMED, shop.later(2))
    assert promise.release_lapsed(shop.hub, shop.later(60)) == []
    for step in (Step.PICKED, Step.PACKED, Step.HANDED_OVER, Step.DELIVERED):
        promise.advance(shop.hub, "o-1", "shopfront", step, shop.later(30))
    events = promise.order_events(shop.hub, shop.clock() - timedelta(days=1), shop.later(1))
    assert [e.step for e in events] == [
        Step.PROMISED,
        Step.CONFIRMED,
        Step.PICKED,
        Step.PACKED,
        Step.HANDED_OVER,
        Step.DELIVERED,
    ]
    assert promise.open_orders(shop.hub) == []


def test_fifty_concurrent_buyers_for_ten_units_end_with_exactly_ten_promised(shop: Shop) -> None:
    shop.stock("van", "MUG", 10)
    assert shop.held("MUG") == {"van": 10}
    won: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()

    def buy(i: int) -> None:
        asked = OrderRequest((OrderLine("MUG", 1),), Method.LOCAL_DELIVERY, shop.clock(), HACKNEY)
        try:
            promise.place_order(shop.hub, f"buyer-{i}", asked, NODES)
            outcome = won
        except CannotPromise:
            outcome = refused
        with lock:
            outcome.append(f"buyer-{i}")

    buyers = [threading.Thread(target=buy, args=(i,)) for i in range(50)]
    for thread in buyers:
        thread.start()
    for thread in buyers:
        thread.join()
    assert (len(won), len(refused)) == (10, 40)
    assert shop.held("MUG") == {"van": 0}


def test_placing_orders_records_the_online_demand_the_split_reads(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 4)
    for i in range(3):
        promise.place_order(shop.hub, f"o-{i}", request(shop, Method.SHIP, ("MUG", 1)), NODES)
        shop.later(10)
    with shop.hub() as uow:
        rate, at_s = uow.accounts.online_rate("MUG")
    assert rate > 0
    assert at_s == (shop.clock() - timedelta(minutes=10)).timestamp()


def test_an_order_that_cannot_be_promised_still_counts_as_online_demand(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 1)
    with pytest.raises(CannotPromise):
        promise.place_order(shop.hub, "o-1", request(shop, Method.SHIP, ("MUG", 3)), NODES)
    with shop.hub() as uow:
        assert uow.accounts.online_rate("MUG")[0] > 0


def _walk_ins(shop: Shop, node: str, sku: str, sales: int) -> None:
    for i in range(sales):
        rights.sell_walk_in(
            shop.nodes[node], node, sku, 1, shop.clock(), f"w{i}", shop.asking(node)
        )
        shop.later(5)
    shop.sync(node)


@pytest.mark.parametrize(
    ("busy", "spared_for_online"), [("shopfront", "van"), ("van", "shopfront")]
)
def test_keep_walk_in_spares_the_node_whose_walk_in_demand_the_hub_has_seen(
    shop: Shop, busy: str, spared_for_online: str
) -> None:
    shop.stock("shopfront", "MUG", 12)
    shop.stock("van", "MUG", 12)
    _walk_ins(shop, busy, "MUG", 6)
    settings = promise.PromiseSettings(chain=("keep_walk_in",))
    asked = request(shop, Method.LOCAL_DELIVERY, ("MUG", 1))
    nodes = [n for n in NODES if n.code.value != "locker"]
    order = promise.place_order(shop.hub, "o-1", asked, nodes, settings).record.order
    assert list(order.parts) == [spared_for_online]
