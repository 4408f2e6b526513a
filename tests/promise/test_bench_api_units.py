"""bench/api.py's order promises draw their units from what the hub may promise for shipping.

It drew them from every unit on hand, and its default run (400 orders each way) stopped with
409 `cannot_promise` at a unit only the van held or the shopfront kept for walk-ins. Each unit
it draws is promised here, in turn, as the bench promises them."""

from __future__ import annotations

from pathlib import Path

from bench.api import CUSTOMER, ORDER_CAP, units_promisable

from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.service import promise
from microindex.service.nodes import list_nodes
from tests.demo import open_copy


def test_every_unit_the_api_bench_orders_is_promised_for_shipping(
    pristine_demo: Path, tmp_path: Path
) -> None:
    ws = open_copy(pristine_demo, tmp_path / "shop")
    try:
        units = units_promisable(ws)
        assert len(units) >= 2 * ORDER_CAP  # both ways of the bench
        nodes = list_nodes(ws.hub)
        for i, sku in enumerate(units):
            request = OrderRequest((OrderLine(sku, 1),), Method.SHIP, ws.clock(), CUSTOMER)
            promise.place_order(ws.hub, f"bench-{i}", request, nodes)
    finally:
        ws.close()
