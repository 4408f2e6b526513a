"""Search over HTTP: the hub's index and a node's, near a customer, and who sees which stock."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.http.conftest import bearer


def test_any_role_searches_the_catalog_and_finds_mugs(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    for role in ("admin", "staff_van", "channel"):
        found = shared_client.get(
            "/api/v1/search", params={"q": "mug"}, headers=bearer(shared_secrets[role])
        )
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["total"] > 0 and "mug" in body["hits"][0]["title"].lower()
        assert "category" in body["facets"]


def test_a_staff_token_sees_only_its_own_nodes_stock_in_hits(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    found = shared_client.get(
        "/api/v1/search",
        params={"q": "mug", "in_stock": True, "limit": 20},
        headers=bearer(shared_secrets["staff_van"]),
    ).json()
    assert all(set(hit["stock"]) <= {"van"} for hit in found["hits"])


def test_a_staff_token_searches_its_own_nodes_index_but_not_anothers(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    headers = bearer(shared_secrets["staff_van"])
    own = shared_client.get(
        "/api/v1/search", params={"node": "van", "in_stock": True}, headers=headers
    )
    assert own.status_code == 200
    assert all(hit["stock"].get("van", 0) > 0 for hit in own.json()["hits"])
    other = shared_client.get("/api/v1/search", params={"node": "locker"}, headers=headers)
    assert other.status_code == 403


def test_a_sale_is_searchable_at_once(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    headers = bearer(shared_secrets["admin"])
    hit = shared_client.get(
        "/api/v1/search", params={"node": "shopfront", "in_stock": True}, headers=headers
    ).json()["hits"][0]
    held = hit["stock"]["shopfront"]
    sold = shared_client.post(
        "/api/v1/nodes/shopfront/sell", json={"sku": hit["sku"], "quantity": 1}, headers=headers
    )
    assert sold.status_code == 200, sold.text
    again = shared_client.get(
        "/api/v1/search", params={"q": hit["sku"], "node": "shopfront"}, headers=headers
    ).json()["hits"]
    assert next(h for h in again if h["sku"] == hit["sku"])["stock"].get("shopfront", 0) == held - 1


def test_near_a_customer_in_hackney_says_where_and_by_when(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    found = shared_client.get(
        "/api/v1/search/near",
        params={"q": "mug", "lat": 51.545, "lon": -0.055, "pickup_km": 10},
        headers=bearer(shared_secrets["channel"]),
    )
    assert found.status_code == 200, found.text
    hits = found.json()["hits"]
    assert hits and all(hit["reach"] for hit in hits)


def test_a_bad_attribute_filter_is_a_422(
    shared_client: TestClient, shared_secrets: dict[str, str]
) -> None:
    bad = shared_client.get(
        "/api/v1/search", params={"attr": "colour"}, headers=bearer(shared_secrets["admin"])
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["data"]["field"] == "attr"
