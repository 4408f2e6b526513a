"""`POST /nodes/{node}/transfers` is a transfer order done at once (request, ship, receive):
it ships only what the sender may release, never units set aside for an order. On a SQLite
and a PostgreSQL hub."""

from __future__ import annotations

from microindex.domain.sync.account import State
from tests.http.test_order_picks_api import CUSTOMER, Api
from tests.http.test_order_picks_api import api as api  # the fixture: three mugs, synced


def _on_hand(api: Api, node: str) -> int:
    lines = api.client.get(f"/api/v1/stock?node={node}", headers=api.admin).json()
    return sum(line["on_hand"] for line in lines if line["sku"] == "MUG")


def test_a_stock_transfer_of_units_set_aside_for_an_order_is_refused(api: Api) -> None:
    order = {"lines": [{"sku": "MUG", "quantity": 3}], "method": "ship", "customer": CUSTOMER}
    placed = api.client.post(
        "/api/v1/orders", json=order, headers={**api.channel, "Idempotency-Key": "web-1"}
    )
    assert placed.status_code == 201, placed.text
    api.sync()  # the three mugs are set aside at the shopfront
    move = {"to": "van", "sku": "MUG", "quantity": 3}
    refused = api.client.post("/api/v1/nodes/shopfront/transfers", json=move, headers=api.staff)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "not_enough_rights"
    assert error["data"] == {"sku": "MUG", "node": "shopfront", "requested": 3, "held": 0}
    assert error["message"] == "only 0 of MUG in stock rights at shopfront, not 3"
    api.sync()
    assert api.reservation("web-1/shopfront/MUG") is State.ASIDE
    assert (_on_hand(api, "shopfront"), _on_hand(api, "van")) == (3, 0)
    asked = api.client.get("/api/v1/transfers", headers=api.admin).json()
    assert [t["state"] for t in asked] == ["cancelled"]  # called off, nothing moved


def test_a_stock_transfer_is_a_transfer_order_requested_shipped_and_received(api: Api) -> None:
    move = {"to": "van", "sku": "MUG", "quantity": 2, "reference": "van restock"}
    moved = api.client.post("/api/v1/nodes/shopfront/transfers", json=move, headers=api.staff)
    assert moved.status_code == 200, moved.text
    done = moved.json()
    assert (done["sender"], done["receiver"], done["state"]) == ("shopfront", "van", "received")
    assert done["shipped"] == done["arrived"] == [{"sku": "MUG", "quantity": 2}]
    shown = api.client.get(f"/api/v1/transfers/{done['id']}", headers=api.admin).json()
    assert shown["state"] == "received"
    assert (_on_hand(api, "shopfront"), _on_hand(api, "van")) == (1, 2)
