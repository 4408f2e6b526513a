"""Transfers over the hub's API: an order's transfer shipped and received at its pickup node,
a transfer called off by its sender (an order's with its order), and the conflicts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace
from microindex.domain.promise.lifecycle import reservation_id
from tests.http.conftest import bearer


def _staff(client: TestClient, admin: dict[str, str], node: str) -> dict[str, str]:
    made = client.post("/api/v1/tokens", json={"role": "staff", "node": node}, headers=admin)
    return bearer(made.json()["secret"])


def _pickup_by_transfer(client: TestClient, admin: dict[str, str], key: str) -> str:
    """A pickup at the locker of a SKU only the shopfront holds: filled by a transfer, whose
    id this returns."""
    stock = client.get("/api/v1/stock", headers=admin).json()
    at_locker = {line["sku"] for line in stock if line["node"] == "locker"}
    sku = min(
        line["sku"]
        for line in stock
        if line["node"] == "shopfront" and line["on_hand"] > 1 and line["sku"] not in at_locker
    )
    body = {"lines": [{"sku": sku, "quantity": 1}], "method": "pickup", "pickup_node": "locker"}
    placed = client.post("/api/v1/orders", json=body, headers={**admin, "Idempotency-Key": key})
    assert [p["transfer_to"] for p in placed.json()["parts"]] == ["locker"], placed.text
    return f"{key}/shopfront"


def _lose_reservation(workspace: Workspace, order: str) -> None:
    """The order's reservations at its senders are called back while the order stays open."""
    with workspace.hub() as uow:
        record = uow.orders.get(order)
        assert record is not None
        for part in record.order.parts.values():
            account = uow.accounts.load(part.node)
            for sku, _ in part.lines:
                assert account.cancel(reservation_id(order, part.node, sku))
            uow.accounts.save(account)
        uow.commit()


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_an_orders_transfer_is_received_at_its_pickup_node_over_http(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin, locker = bearer(secrets["admin"]), bearer(secrets["staff_locker"])
    shopfront = _staff(client, admin, "shopfront")
    ident = _pickup_by_transfer(client, admin, "p-1")
    shipped = client.post(f"/api/v1/transfers/{ident}/ship", headers=shopfront)
    assert shipped.json()["state"] == "in_transit", shipped.text
    received = client.post(f"/api/v1/transfers/{ident}/receive", headers=locker)
    assert received.json()["state"] == "received", received.text
    order = client.get("/api/v1/orders/p-1", headers=admin).json()
    assert order["step"] == "packed"  # set aside at the locker: ready for pickup there
    assert order["parts"][0]["arrived_at"] is not None


def test_shipping_an_orders_transfer_whose_reservation_lapsed_is_a_conflict(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    ident = _pickup_by_transfer(client, admin, "p-2")
    _lose_reservation(workspace, "p-2")  # as a deficit or a refused set-aside loses it
    refused = client.post(f"/api/v1/transfers/{ident}/ship", headers=admin)
    _error(refused, 409, "not_set_aside")
    assert client.get(f"/api/v1/transfers/{ident}", headers=admin).json()["state"] == "requested"


def test_the_sender_calls_off_a_transfer_not_yet_shipped(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin, van = bearer(secrets["admin"]), bearer(secrets["staff_van"])
    shopfront = _staff(client, admin, "shopfront")
    stock = client.get("/api/v1/stock", params={"node": "shopfront"}, headers=admin).json()
    line = {"sku": stock[0]["sku"], "quantity": 1}
    asked = {"id": "t-off", "sender": "shopfront", "receiver": "van", "lines": [line]}
    assert client.post("/api/v1/transfers", json=asked, headers=van).status_code == 201
    assert client.post("/api/v1/transfers/t-off/pack", headers=shopfront).status_code == 200
    _error(client.post("/api/v1/transfers/t-off/cancel", headers=van), 403, "access_denied")
    called_off = client.post("/api/v1/transfers/t-off/cancel", headers=shopfront)
    assert called_off.status_code == 200, called_off.text
    assert called_off.json()["state"] == "cancelled"
    assert [e["state"] for e in called_off.json()["events"]] == [
        "requested", "packed", "cancelled"
    ]  # fmt: skip
    again = client.post("/api/v1/transfers/t-off/cancel", headers=shopfront)
    _error(again, 409, "transfer_refused")
    _error(client.post("/api/v1/transfers/t-off/ship", headers=shopfront), 409, "transfer_refused")
    listed = client.get("/api/v1/transfers", params={"state": "cancelled"}, headers=admin).json()
    assert [t["id"] for t in listed] == ["t-off"]


def test_an_orders_transfer_is_cancelled_with_its_order(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    ident = _pickup_by_transfer(client, admin, "p-3")
    _error(client.post(f"/api/v1/transfers/{ident}/cancel", headers=admin), 409, "order_still_open")
    assert client.post("/api/v1/orders/p-3/cancel", headers=admin).status_code == 200
    assert client.get(f"/api/v1/transfers/{ident}", headers=admin).json()["state"] == "cancelled"
