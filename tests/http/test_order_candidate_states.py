"""An order placed through the API reads each node's state beyond the registry: the van where
today's round has it, the locker's free compartments for the parcel, the pop-up's last day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace
from microindex.service import stock
from microindex.service.sync import sync_node
from tests.http.conftest import bearer

# 8.8 km east of the van's base (beyond its 8 km), 6.8 km from the Victoria Park gate stop
# where today's round has the van at the demo's noon.
PAST_THE_BASE = {"lat": 51.539, "lon": 0.0717}
STALL = "market-stall"  # the demo's pop-up, closed last Sunday


def _post(client: TestClient, secrets: dict[str, str], key: str, body: Mapping[str, object]) -> Any:
    headers = {**bearer(secrets["channel"]), "Idempotency-Key": key}
    return client.post("/api/v1/orders", json=body, headers=headers)


def _stock(client: TestClient, admin: dict[str, str], node: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = client.get(
        "/api/v1/stock", params={"node": node}, headers=admin
    ).json()
    return found


def test_a_local_delivery_is_promised_from_where_the_vans_round_has_it_now(
    client: TestClient, secrets: dict[str, str]
) -> None:
    van = _stock(client, bearer(secrets["admin"]), "van")
    sku = str(max(van, key=lambda line: int(str(line["on_hand"])))["sku"])
    lines = [{"sku": sku, "quantity": 1}]
    body = {"lines": lines, "method": "local_delivery", "customer": PAST_THE_BASE}
    placed = _post(client, secrets, "web-round-1", body)
    assert placed.status_code == 201, placed.text
    (part,) = placed.json()["parts"]
    assert part["node"] == "van"
    on_the_road = datetime.fromisoformat(part["arrives_by"]) - datetime.fromisoformat(
        part["ready_by"]
    )
    assert on_the_road < timedelta(minutes=21)  # 6.8 km at 20 km/h: from the stop, not the base


def test_a_pickup_too_large_for_any_free_compartment_is_not_promised_at_the_locker(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    at_locker = {line["sku"] for line in _stock(client, admin, "locker")}
    shop = [line for line in _stock(client, admin, "shopfront") if line["sku"] not in at_locker]
    most = max(shop, key=lambda line: (int(str(line["on_hand"])), str(line["sku"])))
    lines = [{"sku": most["sku"], "quantity": 12}]  # twelve laid together: past the L1 (600 mm)
    body = {"lines": lines, "method": "pickup", "pickup_node": "locker"}
    refused = _post(client, secrets, "web-locker-big", body)
    assert refused.status_code == 409, refused.text
    assert "no free compartment fits the parcel" in refused.text
    small = {**body, "lines": [{"sku": most["sku"], "quantity": 1}]}
    assert _post(client, secrets, "web-locker-small", small).status_code == 201


def test_a_popup_past_its_closing_is_not_chosen(
    client: TestClient, secrets: dict[str, str], workspace: Workspace
) -> None:
    admin = bearer(secrets["admin"])
    gap = client.patch(f"/api/v1/nodes/{STALL}", json={"offline_gap_s": 0}, headers=admin)
    assert gap.status_code == 200, gap.text  # the hub holds all the stall's rights
    sku = str(_stock(client, admin, "shopfront")[0]["sku"])
    received = client.post(
        f"/api/v1/nodes/{STALL}/receive", json={"sku": sku, "quantity": 3}, headers=admin
    )
    assert received.status_code == 409, received.text  # a closed stall takes no goods...
    stock.receive(workspace.node(STALL), STALL, sku, 3, workspace.clock())  # ...left there
    sync_node(workspace.node(STALL), STALL, workspace.link(STALL), workspace.clock())
    body = {"lines": [{"sku": sku, "quantity": 1}], "method": "pickup", "pickup_node": STALL}
    refused = _post(client, secrets, "web-stall-1", body)
    assert refused.status_code == 409, refused.text
    assert "closes on 2026-11-22" in refused.text


def test_the_node_ranked_first_gets_the_order_once_its_priority_is_set(
    client: TestClient, secrets: dict[str, str]
) -> None:
    """`PATCH /nodes/van {"priority": 1}` is read by the next order's `node_priority` rule:
    with both the shopfront and the van holding the SKU online, the van, ranked last by name,
    gets the order once ranked first, and it is shown in the nodes API."""
    admin = bearer(secrets["admin"])
    online = {
        node: {str(line["sku"]): int(str(line["online"])) for line in _stock(client, admin, node)}
        for node in ("shopfront", "van")
    }
    both = sorted(s for s, n in online["shopfront"].items() if n > 0 and online["van"].get(s, 0))
    customer = {"lat": 51.54, "lon": -0.06}
    line = [{"sku": both[0], "quantity": 1}]
    body = {"lines": line, "method": "local_delivery", "customer": customer}
    ranked = {**body, "rules": ["node_priority", "fewest_splits"]}
    first = _post(client, secrets, "web-rank-1", ranked)
    assert first.status_code == 201, first.text
    assert [p["node"] for p in first.json()["parts"]] == ["shopfront"], first.text  # by name
    changed = client.patch("/api/v1/nodes/van", json={"priority": 1}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert client.get("/api/v1/nodes/van", headers=admin).json()["priority"] == 1
    second = _post(client, secrets, "web-rank-2", ranked)
    assert second.status_code == 201, second.text
    assert [p["node"] for p in second.json()["parts"]] == ["van"], second.text


def test_a_product_without_a_size_is_still_promised_away_from_the_locker(
    client: TestClient, secrets: dict[str, str], workspace: Workspace
) -> None:
    """A florist's bouquet has no size or weight in the catalog: the locker's compartments
    cannot be judged for it, which must not refuse a pickup at the shopfront."""
    admin = bearer(secrets["admin"])
    csv = "sku,title,price,currency\nROSE-RED-12,Red roses (12 stems),45.00,GBP\n"
    imported = client.post("/api/v1/catalog/import", content=csv.encode(), headers=admin)
    assert imported.status_code == 200, imported.text
    received = client.post(
        "/api/v1/nodes/shopfront/receive",
        json={"sku": "ROSE-RED-12", "quantity": 5},
        headers=admin,
    )
    assert received.status_code == 200, received.text
    sync_node(
        workspace.node("shopfront"), "shopfront", workspace.link("shopfront"), workspace.clock()
    )
    lines = [{"sku": "ROSE-RED-12", "quantity": 1}]
    body = {"lines": lines, "method": "pickup", "pickup_node": "shopfront"}
    placed = _post(client, secrets, "web-roses-1", body)
    assert placed.status_code == 201, placed.text
    assert [p["node"] for p in placed.json()["parts"]] == ["shopfront"]
