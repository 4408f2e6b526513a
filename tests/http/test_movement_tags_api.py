"""A reference a person types stays text: a receipt or a sale whose reference reads like an
internal tag (`unsetaside:<reservation>`, `transfer:<id>`) changes no reservation and no
transfer. On a SQLite and a PostgreSQL hub, over the hub's HTTP API."""

from __future__ import annotations

from microindex.domain.movement import MovementKind
from microindex.domain.sync.account import State
from tests.http.test_order_picks_api import CUSTOMER, Api
from tests.http.test_order_picks_api import api as api  # the fixture: three mugs, synced

HELD = "web-1/shopfront/MUG"


def _order(api: Api, key: str, units: int) -> int:
    order = {"lines": [{"sku": "MUG", "quantity": units}], "method": "ship", "customer": CUSTOMER}
    placed = api.client.post(
        "/api/v1/orders", json=order, headers={**api.channel, "Idempotency-Key": key}
    )
    return placed.status_code


def _on_hand(api: Api, node: str) -> int:
    lines = api.client.get(f"/api/v1/stock?node={node}", headers=api.admin).json()
    return sum(line["on_hand"] for line in lines if line["sku"] == "MUG")


def test_a_receipt_referenced_like_a_cancel_leaves_the_reservation_and_oversells_nothing(
    api: Api,
) -> None:
    assert _order(api, "web-1", 2) == 201
    api.sync()  # the node sets the two mugs aside
    typed = f"unsetaside:{HELD}"
    receipt = {"sku": "MUG", "quantity": 1, "reference": typed}
    made = api.client.post("/api/v1/nodes/shopfront/receive", json=receipt, headers=api.staff)
    assert made.status_code == 200, made.text
    assert (made.json()["reference"], made.json()["tag"]) == (typed, None)  # kept as typed
    api.sync()
    assert api.reservation(HELD) is State.ASIDE
    assert api.node()[1].reserved == ((HELD, 2),)
    assert api.mirrored() == api.node()[:2]
    # 4 on hand, 2 of them set aside for web-1: 3 more cannot be promised
    assert _order(api, "web-2", 3) == 409
    assert _order(api, "web-3", 2) == 201
    shown = api.client.get("/api/v1/orders/web-1", headers=api.channel).json()
    assert shown["step"] == "promised"


def test_a_sale_referenced_like_a_transfer_leaves_the_transfers_own_transfer_out(
    api: Api,
) -> None:
    line = {"sku": "MUG", "quantity": 2}
    asked = {"id": "t-1", "sender": "shopfront", "receiver": "van", "lines": [line]}
    assert api.client.post("/api/v1/transfers", json=asked, headers=api.admin).status_code == 201
    sale = {"sku": "MUG", "quantity": 1, "reference": "transfer:t-1"}
    sold = api.client.post("/api/v1/nodes/shopfront/sell", json=sale, headers=api.staff)
    assert sold.status_code == 200, sold.text
    shipped = api.client.post("/api/v1/transfers/t-1/ship", headers=api.staff)
    assert shipped.json()["state"] == "in_transit", shipped.text
    received = api.client.post("/api/v1/transfers/t-1/receive", headers=api.admin)
    assert received.json()["state"] == "received", received.text
    assert (_on_hand(api, "shopfront"), _on_hand(api, "van")) == (0, 2)  # 3 in, 1 sold
    with api.ws.node("shopfront")() as uow:
        kinds = [(m.kind, m.quantity) for m in uow.ledger.movements("shopfront")]
    assert (MovementKind.TRANSFER_OUT, -2) in kinds
