"""Time to fulfilment and order fill per node, read from the order lifecycle."""

from __future__ import annotations

from datetime import timedelta

from microindex.adapters.order_kpis import OrderHandovers, order_fill
from microindex.demo.scenario import NODES
from microindex.domain.promise.lifecycle import Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.service import promise
from tests.promise.conftest import Shop


def _pickup(shop: Shop, key: str) -> str:
    request = OrderRequest(
        (OrderLine("MUG-1", 1),), Method.PICKUP, shop.clock(), pickup_node="shopfront"
    )
    return promise.place_order(shop.hub, key, request, list(NODES)).record.order.ident


def test_a_handed_over_order_counts_its_hours_and_a_cancelled_one_lowers_the_fill(
    shop: Shop,
) -> None:
    shop.stock("shopfront", "MUG-1", 5)
    start = shop.clock()
    kept, dropped = _pickup(shop, "k-1"), _pickup(shop, "k-2")
    promise.advance(shop.hub, kept, "shopfront", Step.HANDED_OVER, shop.later(90))
    promise.cancel(shop.hub, dropped, shop.later(5))
    end = shop.later(1)
    handovers = list(OrderHandovers(shop.hub).handovers(start, end))
    assert [(h.order_id, h.node) for h in handovers] == [("k-1", "shopfront")]
    assert handovers[0].handed_over_at - handovers[0].promised_at == timedelta(minutes=90)
    (fill,) = order_fill(shop.hub, start, end)
    assert (fill.node, fill.promised, fill.handed_over, fill.rate) == ("shopfront", 2, 1, 0.5)
