"""Low-stock alerts: a sale that takes a SKU to its reorder point at a node is heard once as
a signed `stock.low` webhook, from the hub's timer table (as the served hub runs it); a
purchase order received above the point clears it, to alert again next time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from microindex.bootstrap import Workspace
from microindex.domain.channels.webhook import EventKind
from microindex.service import purchasing, rights
from microindex.service.timers import run_due
from tests.channels.subscriber import Subscriber, listening
from tests.channels.test_webhooks import run, subscribe
from tests.clock import Clock
from tests.demo import open_copy


@pytest.fixture
def shop(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(pristine_demo, tmp_path / "shop")
    yield ws
    ws.close()


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    with listening(Subscriber()) as listening_now:
        yield listening_now


def _timers(ws: Workspace, by: str) -> set[str]:
    ran = run_due(ws.timers(), ws.timer_claims(), ws.clock(), by)
    return {r.timer for r in ran if r.outcome == "ok"}


def test_a_sale_to_the_reorder_point_is_heard_once_until_restocked(
    shop: Workspace, subscriber: Subscriber
) -> None:
    subscribe(shop, subscriber, EventKind.STOCK_LOW)
    clock = shop.clock
    assert isinstance(clock, Clock)
    node_db = shop.node("shopfront")
    with node_db() as uow:
        line = max(uow.ledger.stock("shopfront"), key=lambda x: (x.on_hand, x.sku))
    sku, held = line.sku, line.on_hand
    points = shop.storage.reorder_points()
    purchasing.set_point(
        points, shop.hub, shop.storage.kits(), "shopfront", sku, held - 2, held + 5
    )
    assert "low-stock" in _timers(shop, "hub-0")
    run(shop)
    assert subscriber.received == []  # above its point: nothing said
    rights.sell_walk_in(node_db, "shopfront", sku, 2, shop.clock(), "", shop.ask_hub("shopfront"))
    clock.advance(timedelta(minutes=6))
    assert "low-stock" in _timers(shop, "hub-0")
    run(shop)
    [heard] = subscriber.received
    assert heard.kind == "stock.low" and heard.signed
    data = heard.body["data"]
    assert (data["node"], data["sku"], data["on_hand"], data["suggested"]) == (
        "shopfront", sku, held - 2, 7,
    )  # fmt: skip
    clock.advance(timedelta(minutes=6))
    _timers(shop, "hub-1")
    run(shop)
    assert len(subscriber.received) == 1  # said once while it stays low

    orders = shop.storage.purchase_orders()
    purchasing.draft(orders, shop.hub, "PO-LOW", "Maker", "shopfront", shop.clock())
    purchasing.add_line(orders, shop.hub, "PO-LOW", sku, 7, "2.00", "GBP", shop.storage.kits())
    purchasing.send(orders, "PO-LOW", shop.clock())
    purchasing.receive(orders, node_db, "PO-LOW", {sku: 7}, shop.clock())
    assert purchasing.alert_low(points, shop.hub, {"shopfront": node_db}, shop.clock()) == []
    assert points.alerted() == set()  # restocked: cleared
    rights.sell_walk_in(node_db, "shopfront", sku, 7, shop.clock(), "", shop.ask_hub("shopfront"))
    again = purchasing.alert_low(points, shop.hub, {"shopfront": node_db}, shop.clock())
    assert [(a.sku, a.on_hand) for a in again] == [(sku, held - 2)]
