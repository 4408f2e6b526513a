"""A purchase-order receipt sent again (a phone's retry, a double tap) under its
Idempotency-Key is answered with the receipt first made and records nothing more, on either
hub; the same key with other goods is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access, purchasing
from microindex.service.catalog import pull_catalog
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import bearer

NODE = {"code": "shop", "kind": "store", "name": "Cog & Crema", "lat": 51.53, "lon": -0.06}
CATALOG = "sku,title,price,currency\nCHAIN-11,11-speed chain,24.00,GBP\n"


@pytest.fixture
def shop(tmp_path: Path, hub_url: str | None) -> Iterator[tuple[TestClient, dict[str, str]]]:
    workspace: Workspace = bootstrap(
        Settings(tmp_path / "ws", hub_url=hub_url), clock=Clock(DEMO_NOW)
    )
    issued = access.issue(
        token_store(workspace), workspace.hub, Grant(Role.ADMIN), workspace.clock(), "owner"
    )
    admin = bearer(issued.secret)
    try:
        with TestClient(create_app(workspace)) as client:
            assert client.post("/api/v1/nodes", json=NODE, headers=admin).status_code == 201
            catalog = CATALOG.encode()
            assert client.post("/api/v1/catalog/import", content=catalog, headers=admin).is_success
            po = {"id": "PO-7", "supplier": "Chains Ltd", "node": "shop"}
            assert client.post("/api/v1/purchase-orders", json=po, headers=admin).is_success
            line = {"sku": "CHAIN-11", "quantity": 10, "unit_cost": "9.00"}
            added = client.post("/api/v1/purchase-orders/PO-7/lines", json=line, headers=admin)
            assert added.is_success, added.text
            assert client.post("/api/v1/purchase-orders/PO-7/send", headers=admin).is_success
            yield client, admin
    finally:
        workspace.close()


def _on_hand(client: TestClient, admin: dict[str, str]) -> int:
    stock = client.get("/api/v1/stock", params={"node": "shop"}, headers=admin).json()
    return sum(line["on_hand"] for line in stock if line["sku"] == "CHAIN-11")


def test_a_receipt_sent_twice_under_its_key_is_received_once(
    shop: tuple[TestClient, dict[str, str]],
) -> None:
    client, admin = shop
    path = "/api/v1/purchase-orders/PO-7/receipts"
    body = {"lines": [{"sku": "CHAIN-11", "quantity": 4}]}
    keyed = {**admin, "Idempotency-Key": "delivery-0412"}
    first = client.post(path, json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = client.post(path, json=body, headers=keyed)
    assert again.status_code == 201, again.text
    assert again.json()["receipt"] == first.json()["receipt"] == 1
    assert again.json()["movements"] == []  # recorded nothing more
    order = client.get("/api/v1/purchase-orders/PO-7", headers=admin).json()
    assert [line["received"] for line in order["lines"]] == [4]
    assert len(order["receipts"]) == 1
    assert _on_hand(client, admin) == 4
    other = {"lines": [{"sku": "CHAIN-11", "quantity": 5}]}
    refused = client.post(path, json=other, headers=keyed)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert _on_hand(client, admin) == 4
    rest = client.post(path, json={"lines": [{"sku": "CHAIN-11", "quantity": 6}]}, headers=admin)
    assert rest.status_code == 201 and rest.json()["receipt"] == 2  # no key: a new receipt
    assert _on_hand(client, admin) == 10


class _HeldSave:
    """The hub's real purchase-order store, its first save held until `release` is set, so a
    retry arrives while the first receipt is in the ledger and not yet on the order."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.reached = threading.Event()
        self.release = threading.Event()
        self._held = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def save(self, order: Any, version: Any) -> bool:
        if not self._held:
            self._held = True
            self.reached.set()
            assert self.release.wait(30)
        return bool(self._store.save(order, version))


def test_a_retry_arriving_before_the_first_receipt_is_on_the_order_records_nothing(
    tmp_path: Path, hub_url: str | None
) -> None:
    workspace = bootstrap(Settings(tmp_path / "ws", hub_url=hub_url), clock=Clock(DEMO_NOW))
    try:
        with TestClient(create_app(workspace)) as client:
            admin = bearer(
                access.issue(
                    token_store(workspace), workspace.hub, Grant(Role.ADMIN), DEMO_NOW, "owner"
                ).secret
            )
            client.post("/api/v1/nodes", json=NODE, headers=admin)
            client.post("/api/v1/catalog/import", content=CATALOG.encode(), headers=admin)
            client.post(
                "/api/v1/purchase-orders",
                json={"id": "PO-7", "supplier": "Chains Ltd", "node": "shop"},
                headers=admin,
            )
            line = {"sku": "CHAIN-11", "quantity": 10, "unit_cost": "9.00"}
            client.post("/api/v1/purchase-orders/PO-7/lines", json=line, headers=admin)
            client.post("/api/v1/purchase-orders/PO-7/send", headers=admin)
            store = workspace.storage.purchase_orders()
            held = _HeldSave(store)
            node_db = workspace.node("shop")
            pull_catalog(workspace.hub, node_db)  # as the API does before a receipt

            def receive(on: Any) -> purchasing.Received:
                return purchasing.receive(
                    on, node_db, "PO-7", {"CHAIN-11": 4}, DEMO_NOW, "owner",
                    hub=workspace.hub, key="delivery-0412",
                )  # fmt: skip

            with ThreadPoolExecutor(1) as pool:
                first = pool.submit(receive, held)
                assert held.reached.wait(30), first
                retry = receive(store)  # the same delivery again, the first not on the order yet
                held.release.set()
                assert first.result(30).movements  # the first recorded the goods
            assert retry.movements == []
            order = client.get("/api/v1/purchase-orders/PO-7", headers=admin).json()
            assert [line["received"] for line in order["lines"]] == [4]
            assert _on_hand(client, admin) == 4
    finally:
        workspace.close()
