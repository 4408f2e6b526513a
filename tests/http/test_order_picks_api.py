"""Picked on the staff's API, an order's goods leave the node's ledger once; a shelf hold
collected leaves it too. On a SQLite and a PostgreSQL hub, the nodes' databases in the
hub's process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.domain.sync.account import State
from microindex.domain.sync.rights import Rights
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access, sync
from microindex.service import stock as stock_service
from microindex.service.catalog import ParsedCatalog, import_products, pull_catalog
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.http.conftest import bearer

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MUG = Product(Sku("MUG"), "Stoneware mug", Money(Decimal("12.50"), "GBP"))
CUSTOMER = {"lat": 51.54, "lon": -0.06}
GLN = "9520123456788"


@dataclass
class Api:
    client: TestClient
    ws: Workspace
    channel: dict[str, str]
    staff: dict[str, str]  # the shopfront's
    admin: dict[str, str]

    def sync(self, node: str = "shopfront") -> None:
        sync.sync_node(self.ws.node(node), node, self.ws.link(node), self.ws.clock())

    def node(self, node: str = "shopfront") -> tuple[int, Rights, int]:
        """On hand, the rights and the ledger's head at the node itself."""
        with self.ws.node(node)() as uow:
            ledger = uow.ledger.load(node, ["MUG"])
            return ledger.available("MUG"), sync.load_side(uow, node).get("MUG"), ledger.head

    def mirrored(self, node: str = "shopfront") -> tuple[int, Rights]:
        with self.ws.hub() as uow:
            ledger = uow.ledger.load(node, ["MUG"])
            return ledger.available("MUG"), uow.accounts.load(node).mirror["MUG"]

    def reservation(self, ident: str) -> State:
        with self.ws.hub() as uow:
            found = uow.accounts.reservation(ident)
        assert found is not None
        return found.state

    def on_hand(self, node: str = "shopfront") -> int:
        lines = self.client.get(f"/api/v1/stock?node={node}", headers=self.staff).json()
        return sum(line["on_hand"] for line in lines if line["sku"] == "MUG")


@pytest.fixture
def api(tmp_path: Path, hub_url: str | None) -> Iterator[Api]:
    """Three mugs at the shopfront, synced (its rights pooled at the hub); the other nodes
    heard from but empty."""
    ws = bootstrap(Settings(tmp_path / "ws", hub_url=hub_url), clock=lambda: TUESDAY_10)
    for node in NODES:  # never offline here: the hub holds all their rights
        add_node(ws.hub, replace(node, offline_gap_s=0.0))
    import_products(ws.hub, ParsedCatalog([MUG]), TUESDAY_10)
    shopfront = ws.node("shopfront")
    pull_catalog(ws.hub, shopfront)
    stock_service.receive(shopfront, "shopfront", "MUG", 3, TUESDAY_10, "delivery")
    store = token_store(ws)

    def token(grant: Grant) -> dict[str, str]:
        return bearer(access.issue(store, ws.hub, grant, TUESDAY_10).secret)

    with TestClient(create_app(ws)) as client:
        found = Api(
            client,
            ws,
            token(Grant(Role.CHANNEL)),
            token(Grant(Role.STAFF, "shopfront")),
            token(Grant(Role.ADMIN)),
        )
        for node in NODES:
            found.sync(node.code.value)
        yield found
    ws.close()


def _step(api: Api, order: str, step: str) -> int:
    body = {"node": "shopfront", "step": step}
    return api.client.post(
        f"/api/v1/orders/{order}/steps", json=body, headers=api.staff
    ).status_code


def test_an_order_picked_on_the_staff_api_leaves_the_nodes_stock_once(api: Api) -> None:
    order = {"lines": [{"sku": "MUG", "quantity": 2}], "method": "ship", "customer": CUSTOMER}
    placed = api.client.post(
        "/api/v1/orders", json=order, headers={**api.channel, "Idempotency-Key": "web-1"}
    )
    assert placed.status_code == 201, placed.text
    assert [part["node"] for part in placed.json()["parts"]] == ["shopfront"]
    api.sync()  # the node sets the two mugs aside
    assert (api.on_hand(), api.node()[1].reserved) == (3, (("web-1/shopfront/MUG", 2),))
    assert _step(api, "web-1", "confirmed") == 200
    assert _step(api, "web-1", "picked") == 200
    on_hand, rights, head = api.node()
    assert (on_hand, rights.reserved, api.on_hand()) == (1, (), 1)
    assert _step(api, "web-1", "picked") == 409  # a repeated step
    assert _step(api, "web-1", "packed") == 200
    assert api.node()[2] == head  # nothing picked again
    api.sync()
    assert api.mirrored() == api.node()[:2]
    assert api.reservation("web-1/shopfront/MUG") is State.FULFILLED


def test_a_picked_order_cancelled_stays_picked_until_the_staff_receive_it_back(api: Api) -> None:
    order = {"lines": [{"sku": "MUG", "quantity": 2}], "method": "ship", "customer": CUSTOMER}
    api.client.post(
        "/api/v1/orders", json=order, headers={**api.channel, "Idempotency-Key": "web-2"}
    )
    assert _step(api, "web-2", "picked") == 200
    cancelled = api.client.post("/api/v1/orders/web-2/cancel", headers=api.channel)
    assert cancelled.json()["step"] == "cancelled"
    api.sync()
    assert api.on_hand() == 1 and api.reservation("web-2/shopfront/MUG") is State.FULFILLED
    back = {"sku": "MUG", "quantity": 2, "reference": "web-2 cancelled"}
    assert api.client.post("/api/v1/nodes/shopfront/receive", json=back, headers=api.staff)
    assert api.on_hand() == 3
    api.sync()
    assert api.mirrored() == api.node()[:2]


def test_a_shelf_hold_collected_leaves_the_nodes_stock(api: Api) -> None:
    shelf = {"node": "shopfront", "sku": "MUG"}
    assert api.client.put(f"/api/v1/shelves/{GLN}/A1", json=shelf, headers=api.admin).is_success
    scan = DigitalLink.location(GLN, "A1").uri("https://shop.example")
    held = api.client.post(
        "/api/v1/reservations",
        json={"scan": scan},
        headers={**api.channel, "Idempotency-Key": "h-1"},
    )
    assert held.status_code == 201, held.text
    api.sync()  # the node sets the mug aside
    assert api.node()[1].reserved == (("h-1/shopfront/MUG", 1),)
    collected = api.client.post("/api/v1/reservations/h-1/collect", headers=api.staff)
    assert collected.json()["step"] == "handed_over", collected.text
    on_hand, rights, head = api.node()
    assert (on_hand, rights.reserved) == (2, ())
    again = api.client.post("/api/v1/reservations/h-1/collect", headers=api.staff)
    assert again.status_code == 409 and api.node()[2] == head
    api.sync()
    assert api.mirrored() == api.node()[:2]
    assert api.reservation("h-1/shopfront/MUG") is State.FULFILLED
