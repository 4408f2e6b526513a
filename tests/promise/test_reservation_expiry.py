"""A reservation past its hold, on the hub's clock: the order it holds goods for is cancelled
with it (never left promised without its reservation), and its rights come back."""

from __future__ import annotations

from datetime import timedelta

from microindex.demo.scenario import NODES
from microindex.domain.promise.lifecycle import Step
from microindex.domain.promise.order import Method
from microindex.service import promise, reservations
from tests.promise.conftest import TUESDAY_10, Shop
from tests.promise.test_promise_service import request

FOURTEEN_DAYS = 14 * 24 * 60


def test_an_order_whose_reservation_ran_past_its_hold_is_cancelled_and_its_rights_freed(
    shop: Shop,
) -> None:
    shop.stock("shopfront", "MUG", 2)
    promise.place_order(shop.hub, "o-1", request(shop, Method.SHIP, ("MUG", 2)), NODES)
    promise.advance(shop.hub, "o-1", "shopfront", Step.CONFIRMED, shop.later(2))
    assert reservations.expire(shop.hub, shop.later(60)) == []  # still within its hold
    assert promise.get_order(shop.hub, "o-1").order.step is Step.CONFIRMED
    assert reservations.expire(shop.hub, shop.later(FOURTEEN_DAYS)) == ["o-1"]
    order = promise.get_order(shop.hub, "o-1").order
    assert order.step is Step.CANCELLED
    events = promise.order_events(shop.hub, TUESDAY_10, shop.clock() + timedelta(minutes=1))
    assert [(e.step, e.actor) for e in events if e.order == "o-1"][-1] == (
        Step.CANCELLED, "hold-expired",
    )  # fmt: skip
    assert reservations.expire(shop.hub, shop.later(1)) == []  # once
    shop.sync("shopfront")  # the node undoes the set-aside: the hub may promise them again
    promise.place_order(shop.hub, "o-2", request(shop, Method.SHIP, ("MUG", 1)), NODES)
