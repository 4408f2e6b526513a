"""The orders API on the demo shop: place once per key, follow the steps, cancel, refuse."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.http.conftest import bearer, shopfront_only_sku

EAST = {"lat": 51.545, "lon": 0.04}  # beyond the shopfront's radius: only the van delivers


def _van_sku(client: TestClient, admin: dict[str, str]) -> str:
    van = client.get("/api/v1/stock", params={"node": "van"}, headers=admin).json()
    return str(max(van, key=lambda line: line["on_hand"])["sku"])


def _order(sku: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    lines = [{"sku": sku, "quantity": quantity}]
    return {"lines": lines, "method": "local_delivery", "customer": EAST, **extra}


def test_a_replayed_key_gets_the_first_answer_and_another_body_is_refused(
    client: TestClient, secrets: dict[str, str]
) -> None:
    channel = {**bearer(secrets["channel"]), "Idempotency-Key": "web-1001"}
    sku = _van_sku(client, bearer(secrets["admin"]))
    first = client.post("/api/v1/orders", json=_order(sku), headers=channel)
    assert first.status_code == 201, first.text
    assert first.json()["parts"][0]["node"] == "van" and first.json()["why"]
    again = client.post("/api/v1/orders", json=_order(sku), headers=channel)
    assert again.status_code == 200 and again.json() == first.json()
    other = client.post("/api/v1/orders", json=_order(sku, 2), headers=channel)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_staff_follow_a_van_order_to_delivery_and_it_leaves_the_open_list(
    client: TestClient, secrets: dict[str, str]
) -> None:
    channel = {**bearer(secrets["channel"]), "Idempotency-Key": "web-1002"}
    van = bearer(secrets["staff_van"])
    client.post("/api/v1/orders", json=_order(_van_sku(client, van)), headers=channel)
    assert [o["id"] for o in client.get("/api/v1/orders?node=van", headers=van).json()] == [
        "web-1002"
    ]
    for step in ("confirmed", "picked", "packed", "handed_over", "delivered"):
        moved = client.post(
            "/api/v1/orders/web-1002/steps", json={"node": "van", "step": step}, headers=van
        )
        assert moved.status_code == 200 and moved.json()["step"] == step
    open_ids = [o["id"] for o in client.get("/api/v1/orders?node=van", headers=van).json()]
    assert "web-1002" not in open_ids
    closed = client.get("/api/v1/orders?node=van&open=false", headers=van).json()
    assert [o["step"] for o in closed if o["id"] == "web-1002"] == ["delivered"]


def test_a_step_backwards_or_a_cancel_after_handover_is_a_conflict(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = {**bearer(secrets["admin"]), "Idempotency-Key": "web-1003"}
    client.post("/api/v1/orders", json=_order(_van_sku(client, admin)), headers=admin)
    step = {"node": "van", "step": "handed_over"}
    assert client.post("/api/v1/orders/web-1003/steps", json=step, headers=admin).is_success
    back = client.post(
        "/api/v1/orders/web-1003/steps", json={"node": "van", "step": "picked"}, headers=admin
    )
    assert back.status_code == 409 and back.json()["error"]["code"] == "step_refused"
    cancel = client.post("/api/v1/orders/web-1003/cancel", headers=admin)
    assert cancel.status_code == 409


def test_the_last_units_are_promised_once_and_a_cancelled_order_is_no_longer_open(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    van = client.get("/api/v1/stock", params={"node": "van"}, headers=admin).json()
    line = max(van, key=lambda line: line["online"])  # what the hub may promise from the van
    everything = _order(line["sku"], line["online"])
    first = client.post(
        "/api/v1/orders", json=everything, headers={**admin, "Idempotency-Key": "a"}
    )
    assert first.status_code == 201, first.text
    more = client.post(
        "/api/v1/orders", json=_order(line["sku"]), headers={**admin, "Idempotency-Key": "b"}
    )
    assert more.status_code == 409 and more.json()["error"]["code"] == "cannot_promise"
    assert client.post("/api/v1/orders/a/cancel", headers=admin).json()["step"] == "cancelled"
    assert client.get("/api/v1/orders?node=van", headers=admin).json() == []


def test_unknown_orders_missing_keys_and_unknown_fields_are_refused(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    missing = client.get("/api/v1/orders/nope", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_order"
    no_key = client.post("/api/v1/orders", json=_order("MUG-1"), headers=admin)
    assert no_key.status_code == 422
    keyed = {**admin, "Idempotency-Key": "web-x"}
    extra = client.post("/api/v1/orders", json=_order("MUG-1", note="hi"), headers=keyed)
    assert extra.status_code == 422
    twice = _order("MUG-1")
    twice["lines"] *= 2
    assert client.post("/api/v1/orders", json=twice, headers=keyed).status_code == 422
    bad_rule = client.post(
        "/api/v1/orders", json=_order("MUG-1", rules=["cheapest"]), headers=keyed
    )
    assert bad_rule.status_code == 422


def test_a_pickup_where_the_goods_are_not_is_moved_there_by_the_chosen_rules(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    body = {
        "lines": [{"sku": shopfront_only_sku(client, admin), "quantity": 1}],
        "method": "pickup",
        "pickup_node": "locker",
        "rules": ["fewest_transfers", "fastest"],
    }
    placed = client.post("/api/v1/orders", json=body, headers={**admin, "Idempotency-Key": "p-1"})
    assert placed.status_code == 201, placed.text
    (part,) = placed.json()["parts"]
    assert (part["transfer_to"], part["arrived_at"]) == ("locker", None)
    assert "rules: fewest_transfers, fastest" in placed.json()["why"][0]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["OrderIn"]
    assert "fewest_transfers" in schema["properties"]["rules"]["description"]


def test_staff_at_the_pickup_node_see_an_order_sent_there_and_record_its_handover(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin, locker, van = (bearer(secrets[k]) for k in ("admin", "staff_locker", "staff_van"))
    body = {
        "lines": [{"sku": shopfront_only_sku(client, admin), "quantity": 1}],
        "method": "pickup",
        "pickup_node": "locker",
    }
    placed = client.post("/api/v1/orders", json=body, headers={**admin, "Idempotency-Key": "p-2"})
    assert [p["transfer_to"] for p in placed.json()["parts"]] == ["locker"], placed.text
    assert "p-2" in [
        o["id"] for o in client.get("/api/v1/orders?node=locker", headers=locker).json()
    ]
    assert client.get("/api/v1/orders/p-2", headers=locker).status_code == 200
    assert client.get("/api/v1/orders/p-2", headers=van).status_code == 403
    handover = {"node": "locker", "step": "handed_over"}
    early = client.post("/api/v1/orders/p-2/steps", json=handover, headers=locker)
    assert early.status_code == 409 and "on its way to locker" in early.text
    for step, who in (("ship", admin), ("receive", locker)):
        moved = client.post(f"/api/v1/transfers/p-2/shopfront/{step}", headers=who)
        assert moved.status_code == 200, moved.text
    done = client.post("/api/v1/orders/p-2/steps", json=handover, headers=locker)
    assert done.status_code == 200 and done.json()["step"] == "handed_over", done.text
    assert "p-2" not in [
        o["id"] for o in client.get("/api/v1/orders?node=locker", headers=locker).json()
    ]
    closed = client.get("/api/v1/orders?node=locker&open=false", headers=locker).json()
    assert [o["step"] for o in closed if o["id"] == "p-2"] == ["handed_over"]
