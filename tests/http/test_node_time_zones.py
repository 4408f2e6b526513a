"""A node's opening hours are its own local time: search near and order place agree on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace
from tests.clock import Clock
from tests.http.conftest import bearer, shopfront_only_sku


def _ready_by_near_and_ordered(
    client: TestClient, admin: dict[str, str], sku: str, key: str
) -> tuple[datetime, datetime]:
    shop = client.get("/api/v1/nodes/shopfront", headers=admin).json()
    where = {"lat": shop["lat"], "lon": shop["lon"], "q": sku, "pickup_km": 1}
    hits = client.get("/api/v1/search/near", params=where, headers=admin).json()["hits"]
    reach = next(r for h in hits if h["sku"] == sku for r in h["reach"] if r["node"] == "shopfront")
    order = {"lines": [{"sku": sku, "quantity": 1}], "method": "pickup", "pickup_node": "shopfront"}
    placed = client.post("/api/v1/orders", json=order, headers={**admin, "Idempotency-Key": key})
    assert placed.status_code == 201, placed.text
    (part,) = placed.json()["parts"]
    return datetime.fromisoformat(reach["ready_by"]), datetime.fromisoformat(part["ready_by"])


def test_ten_minutes_before_closing_search_near_and_order_place_both_say_the_next_morning(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    """The demo's shopfront (Europe/London, 10:00-18:00, 20 minutes to prepare) at 17:50."""
    admin, clock = bearer(secrets["admin"]), workspace.clock
    assert isinstance(clock, Clock)
    sku = shopfront_only_sku(client, admin)
    clock.set(datetime(2026, 11, 26, 17, 50, tzinfo=UTC))  # GMT: 17:50 local
    near, ordered = _ready_by_near_and_ordered(client, admin, sku, "gmt")
    assert (
        near == ordered == datetime(2026, 11, 27, 10, 10, tzinfo=UTC)
    )  # 10 minutes tonight, 10 at opening
    clock.set(datetime(2027, 7, 15, 16, 50, tzinfo=UTC))  # BST: 17:50 local
    near, ordered = _ready_by_near_and_ordered(client, admin, sku, "bst")
    assert near == ordered == datetime(2027, 7, 16, 9, 10, tzinfo=UTC)  # 10:10 BST
    assert near.utcoffset() == timedelta(hours=1)


def test_a_nodes_zone_is_set_through_the_api_and_an_unknown_zone_is_refused(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    assert client.get("/api/v1/nodes/shopfront", headers=admin).json()["zone"] == "Europe/London"
    moved = client.patch(
        "/api/v1/nodes/shopfront", json={"zone": "America/New_York"}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["zone"] == "America/New_York"
    refused = client.patch("/api/v1/nodes/shopfront", json={"zone": "Mars/Olympus"}, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_value"
    assert "IANA time zone" in refused.json()["error"]["message"]
    assert client.get("/api/v1/nodes/shopfront", headers=admin).json()["zone"] == (
        "America/New_York"
    )
