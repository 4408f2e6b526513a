"""A close-out counts what it names: an empty one is refused, a partial one leaves the rest."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.http.conftest import bearer


def _on_hand(client: TestClient, admin: dict[str, str], node: str) -> dict[str, int]:
    lines = client.get("/api/v1/stock", params={"node": node}, headers=admin).json()
    return {line["sku"]: line["on_hand"] for line in lines if line["on_hand"]}


def test_an_empty_close_out_is_refused_and_writes_nothing_off(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    before = _on_hand(client, admin, "shopfront")
    bodies: list[dict[str, object]] = [{"counts": []}, {"counts": [], "complete": True}]
    for body in bodies:
        refused = client.post("/api/v1/nodes/shopfront/closeout", json=body, headers=admin)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "nothing_counted" and "nothing" in error["message"]
    assert _on_hand(client, admin, "shopfront") == before


def test_a_close_out_counts_only_the_skus_it_names(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    before = _on_hand(client, admin, "shopfront")
    named = sorted(before)[0]
    body = {"counts": [{"sku": named, "quantity": before[named] - 1}]}
    closed = client.post("/api/v1/nodes/shopfront/closeout", json=body, headers=admin)
    assert closed.status_code == 200, closed.text
    day = closed.json()
    assert [c["sku"] for c in day["counts"]] == [named] and day["variance"] == -1
    assert _on_hand(client, admin, "shopfront") == {**before, named: before[named] - 1}


def test_a_close_out_said_complete_counts_the_skus_it_leaves_out_as_none(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    before = _on_hand(client, admin, "van")
    kept = sorted(before)[0]
    body = {"counts": [{"sku": kept, "quantity": before[kept]}], "complete": True}
    closed = client.post("/api/v1/nodes/van/closeout", json=body, headers=admin)
    assert closed.status_code == 200, closed.text
    assert len(closed.json()["counts"]) == len(before)
    assert _on_hand(client, admin, "van") == {kept: before[kept]}
