"""A walk-in sale's idempotency key is answered for 30 days (ADR 0058), then forgotten on the
nightly path: the hub's `prune-sale-keys` timer (on either hub) and a node agent's first loop of
each day. The same key after that is a new sale. All on a stopped clock."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.service.rights import SALE_KEYS_KEPT
from microindex.service.sync_worker import run_node
from microindex.service.timers import run_due
from microindex.settings import Settings
from tests.clock import Clock
from tests.http.conftest import bearer
from tests.sync.test_sale_key_http import JUG, SKU, TUESDAY_10, Till, till

__all__ = ["till"]  # the fixture: a van's own agent beside a hub, on either hub

NIGHT = TUESDAY_10.replace(hour=3, minute=30, second=10)  # the timer's slot, just after


def test_the_hub_forgets_a_sale_key_on_the_night_after_its_30_days(
    tmp_path: Path, hub_url: str | None
) -> None:
    assert timedelta(days=30) == SALE_KEYS_KEPT
    clock = Clock(TUESDAY_10)
    ws = bootstrap(Settings(tmp_path / "hub", hub_url=hub_url), clock=clock)
    try:
        for node in NODES:
            add_node(ws.hub, node)
        import_products(ws.hub, ParsedCatalog([JUG]), TUESDAY_10)
        admin = bearer(access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), TUESDAY_10).secret)
        with TestClient(create_app(ws)) as hub:

            def sell(key: str) -> int:
                body = {"sku": SKU, "quantity": 1}
                sold = hub.post(
                    "/api/v1/nodes/shopfront/sell",
                    json=body,
                    headers={**admin, "Idempotency-Key": key},
                )
                assert sold.status_code == 200, sold.text
                return int(sold.json()["seq"])

            def night(days: int) -> str:
                clock.set(NIGHT + timedelta(days=days))
                ran = run_due(ws.timers(), ws.timer_claims(), clock(), "hub-0")
                (pruned,) = [r for r in ran if r.timer == "prune-sale-keys"]
                assert pruned.outcome == "ok", pruned
                return pruned.summary

            received = {"sku": SKU, "quantity": 10}
            done = hub.post("/api/v1/nodes/shopfront/receive", json=received, headers=admin)
            assert done.status_code == 200, done.text
            first = sell("till-0001")
            assert night(30).startswith("0 sale keys")  # 29 days and 17.5 hours old
            assert sell("till-0001") == first  # a retry is still answered with the sale made
            assert night(31).startswith("1 sale keys")
            assert sell("till-0001") > first  # forgotten: the same key is a new sale
    finally:
        ws.close()


def test_a_node_agent_forgets_a_sale_key_on_its_first_loop_after_30_days(till: Till) -> None:
    first = till.sell(2, key="till1-0009")
    assert first.status_code == 200, first.text
    link = HttpTransport("http://testserver", "van", till.ws.secrets.ensure("van"), till.hub)
    waits: list[float] = []

    def loop_once_at(days: int) -> Any:
        clock = Clock(TUESDAY_10 + timedelta(days=days))
        once = itertools.count()
        return run_node(till.own, "van", link, clock, waits.append, lambda: next(once) < 1)

    loop_once_at(29)
    assert till.sell(2, key="till1-0009").json() == first.json()
    assert till.sales_at_van() == 1
    loop_once_at(31)
    again = till.sell(2, key="till1-0009")
    assert again.status_code == 200, again.text
    assert again.json()["seq"] > first.json()["seq"]  # forgotten: a new sale
    assert till.sales_at_van() == 2
