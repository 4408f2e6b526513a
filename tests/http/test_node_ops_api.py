"""The nodes as they really are, over the hub's API: locker pickups, transfers, the van's
round and close-out, pop-ups, shelf-QR holds. Each test works on its own copy of the demo."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace
from microindex.domain.gs1.digital_link import DigitalLink
from tests.http.conftest import bearer, shopfront_only_sku

GLN = "9520123456788"
SHELF = DigitalLink.location(GLN, "A1").uri("https://shop.example")


def _frozen(workspace: Workspace) -> datetime:
    """Stop the workspace's clock at now; returns that moment."""
    now = workspace.clock()
    workspace.clock = lambda: now
    return now


def _later(workspace: Workspace, delta: timedelta) -> None:
    moment = workspace.clock() + delta
    workspace.clock = lambda: moment


def _held_skus(workspace: Workspace, node: str) -> list[str]:
    """SKUs on hand at `node`, those whose stock rights the hub holds for it first."""
    with workspace.node(node)() as uow:
        skus = sorted(line.sku for line in uow.ledger.stock(node) if line.on_hand > 0)
    with workspace.hub() as uow:
        held = {sku: uow.accounts.held(sku).get(node, 0) for sku in skus}
    return sorted((s for s in skus if held[s] > 0), key=lambda s: -held[s])


def _staff(client: TestClient, admin: dict[str, str], node: str) -> dict[str, str]:
    made = client.post("/api/v1/tokens", json={"role": "staff", "node": node}, headers=admin)
    return bearer(made.json()["secret"])


def _on_hand(client: TestClient, admin: dict[str, str], node: str) -> dict[str, int]:
    lines = client.get("/api/v1/stock", params={"node": node}, headers=admin).json()
    return {line["sku"]: line["on_hand"] for line in lines}


def _pickup_at_locker(client: TestClient, workspace: Workspace, channel: dict[str, str]) -> str:
    """A web order for pickup at the locker, filled from the locker's own stock."""
    for sku in _held_skus(workspace, "locker"):
        order = {
            "lines": [{"sku": sku, "quantity": 1}],
            "method": "pickup",
            "pickup_node": "locker",
        }
        headers = {**channel, "Idempotency-Key": f"pickup-{sku.replace('/', '-')}"}
        placed = client.post("/api/v1/orders", json=order, headers=headers)
        if placed.status_code == 201 and [p["node"] for p in placed.json()["parts"]] == ["locker"]:
            return str(placed.json()["id"])
    raise AssertionError("no SKU at the locker to promise for pickup")


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_a_locker_pickup_is_collected_with_its_code_and_a_wrong_code_is_refused(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin, locker = bearer(secrets["admin"]), bearer(secrets["staff_locker"])
    big = {"length_mm": 900, "width_mm": 900, "height_mm": 900}
    assert client.put("/api/v1/nodes/locker/compartments/XL1", json=big, headers=admin).json() == {
        "code": "XL1",
        **big,
        "order": None,
    }
    order = _pickup_at_locker(client, workspace, bearer(secrets["channel"]))
    staff_van = bearer(secrets["staff_van"])
    refused = client.post("/api/v1/nodes/locker/pickups", json={"order": order}, headers=staff_van)
    _error(refused, 403, "access_denied")

    made = client.post("/api/v1/nodes/locker/pickups", json={"order": order}, headers=locker)
    assert made.status_code == 201, made.text
    assigned = made.json()
    code, compartment = assigned["code"], assigned["compartment"]
    assert assigned["state"] == "assigned" and len(code) == 6
    busy = client.get("/api/v1/nodes/locker/compartments", headers=locker).json()
    assert {c["code"]: c["order"] for c in busy}[compartment] == order

    wrong = "000000" if code != "000000" else "111111"
    collect = "/api/v1/nodes/locker/pickups/collect"
    _error(client.post(collect, json={"code": wrong}, headers=locker), 403, "wrong_pickup_code")
    placed = client.get(f"/api/v1/orders/{order}", headers=admin).json()
    assert placed["step"] == "confirmed"  # in a compartment: no checkout lease releases it

    sku = placed["parts"][0]["lines"][0]["sku"]
    before = _on_hand(client, admin, "locker")[sku]
    opened = client.post(collect, json={"code": code}, headers=locker)
    assert opened.status_code == 200, opened.text
    assert (opened.json()["order"], opened.json()["state"]) == (order, "collected")
    assert client.get(f"/api/v1/orders/{order}", headers=admin).json()["step"] == "handed_over"
    assert _on_hand(client, admin, "locker").get(sku, 0) == before - 1  # picked out of the locker
    free = client.get("/api/v1/nodes/locker/compartments", headers=locker).json()
    assert {c["code"]: c["order"] for c in free}[compartment] is None
    _error(client.post(collect, json={"code": code}, headers=locker), 403, "wrong_pickup_code")


def test_a_locker_that_took_too_many_wrong_codes_takes_none_for_a_while(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    locker = bearer(secrets["staff_locker"])
    _frozen(workspace)
    collect = "/api/v1/nodes/locker/pickups/collect"
    answers = [client.post(collect, json={"code": "000000"}, headers=locker) for _ in range(6)]
    assert [a.status_code for a in answers] == [403] * 5 + [429]
    _error(answers[-1], 429, "too_many_wrong_codes")
    _later(workspace, timedelta(minutes=16))
    _error(client.post(collect, json={"code": "000000"}, headers=locker), 403, "wrong_pickup_code")


def test_a_parcel_not_collected_in_time_is_swept_and_its_order_cancelled(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin, locker = bearer(secrets["admin"]), bearer(secrets["staff_locker"])
    _frozen(workspace)
    big = {"length_mm": 900, "width_mm": 900, "height_mm": 900}
    client.put("/api/v1/nodes/locker/compartments/XL1", json=big, headers=admin)
    order = _pickup_at_locker(client, workspace, bearer(secrets["channel"]))
    body = {"order": order, "hours": 2}
    assert client.post("/api/v1/nodes/locker/pickups", json=body, headers=locker).status_code == 201
    assert client.post("/api/v1/lockers/sweep", headers=admin).json() == []
    _later(workspace, timedelta(hours=3))
    _error(client.post("/api/v1/lockers/sweep", headers=locker), 403, "access_denied")
    swept = client.post("/api/v1/lockers/sweep", headers=admin).json()
    assert [(s["order"], s["state"]) for s in swept] == [(order, "expired")]
    assert client.get(f"/api/v1/orders/{order}", headers=admin).json()["step"] == "cancelled"


def test_a_pickup_a_transfer_brings_goes_in_the_locker_once_arrived_and_is_collected(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin, locker = bearer(secrets["admin"]), bearer(secrets["staff_locker"])
    _frozen(workspace)
    big = {"length_mm": 900, "width_mm": 900, "height_mm": 900}
    client.put("/api/v1/nodes/locker/compartments/XL1", json=big, headers=admin)
    sku = shopfront_only_sku(client, admin)
    body = {"lines": [{"sku": sku, "quantity": 1}], "method": "pickup", "pickup_node": "locker"}
    placed = client.post("/api/v1/orders", json=body, headers={**admin, "Idempotency-Key": "t-1"})
    assert [p["transfer_to"] for p in placed.json()["parts"]] == ["locker"], placed.text
    pickups = "/api/v1/nodes/locker/pickups"
    early = client.post(pickups, json={"order": "t-1"}, headers=locker)
    _error(early, 409, "pickup_refused")
    assert "its goods from shopfront have not arrived yet" in early.json()["error"]["message"]
    for step, who in (("ship", admin), ("receive", locker)):
        moved = client.post(f"/api/v1/transfers/t-1/shopfront/{step}", headers=who)
        assert moved.status_code == 200, moved.text
    made = client.post(pickups, json={"order": "t-1"}, headers=locker)
    assert made.status_code == 201, made.text
    _later(workspace, timedelta(hours=2))  # long past the checkout lease
    lapsed = client.post("/api/v1/reservations/expire", headers=admin).json()["released"]
    assert "t-1" not in lapsed
    before = _on_hand(client, admin, "locker")[sku]
    opened = client.post(f"{pickups}/collect", json={"code": made.json()["code"]}, headers=locker)
    assert opened.status_code == 200, opened.text
    assert client.get("/api/v1/orders/t-1", headers=locker).json()["step"] == "handed_over"
    assert _on_hand(client, admin, "locker").get(sku, 0) == before - 1


def test_a_transfer_is_requested_packed_shipped_and_received_short_as_a_discrepancy(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin, van = bearer(secrets["admin"]), bearer(secrets["staff_van"])
    shopfront = _staff(client, admin, "shopfront")
    before = {n: _on_hand(client, admin, n) for n in ("shopfront", "van")}
    sku = max(before["shopfront"], key=lambda s: before["shopfront"][s])
    asked = {"sender": "shopfront", "receiver": "van", "lines": [{"sku": sku, "quantity": 3}]}
    requested = client.post("/api/v1/transfers", json={**asked, "id": "t-van-1"}, headers=van)
    assert requested.status_code == 201, requested.text
    assert requested.json()["state"] == "requested"
    _error(client.post("/api/v1/transfers/t-van-1/pack", headers=van), 403, "access_denied")

    packed = client.post("/api/v1/transfers/t-van-1/pack", headers=shopfront)
    assert packed.json()["state"] == "packed", packed.text
    shipped = client.post("/api/v1/transfers/t-van-1/ship", headers=shopfront)
    assert shipped.json()["state"] == "in_transit", shipped.text
    assert _on_hand(client, admin, "shopfront")[sku] == before["shopfront"][sku] - 3
    assert _on_hand(client, admin, "van").get(sku, 0) == before["van"].get(sku, 0)  # in transit

    arrived = {"arrived": [{"sku": sku, "quantity": 2}]}
    refused = client.post("/api/v1/transfers/t-van-1/receive", json=arrived, headers=shopfront)
    _error(refused, 403, "access_denied")
    received = client.post("/api/v1/transfers/t-van-1/receive", json=arrived, headers=van)
    assert received.status_code == 200, received.text
    done = received.json()
    assert done["state"] == "discrepancy"
    assert done["shortfalls"] == [{"sku": sku, "shipped": 3, "arrived": 2, "missing": 1}]
    assert [e["state"] for e in done["events"]] == [
        "requested", "packed", "in_transit", "discrepancy"
    ]  # fmt: skip
    assert _on_hand(client, admin, "van")[sku] == before["van"].get(sku, 0) + 2
    listed = client.get(
        "/api/v1/transfers", params={"node": "van", "state": "discrepancy"}, headers=van
    )
    assert [t["id"] for t in listed.json()] == ["t-van-1"]
    again = client.post("/api/v1/transfers/t-van-1/receive", json=arrived, headers=van)
    _error(again, 409, "transfer_refused")
    _error(client.get("/api/v1/transfers", headers=van), 403, "access_denied")
    _error(client.get("/api/v1/transfers/t-none", headers=admin), 404, "unknown_transfer")


def test_the_vans_position_follows_its_round_and_its_close_out_settles_the_day(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin, van = bearer(secrets["admin"]), bearer(secrets["staff_van"])
    now = _frozen(workspace)
    stops: list[dict[str, Any]] = [
        {"arrives": now - timedelta(hours=2), "leaves": now - timedelta(hours=1),
         "lat": 51.54, "lon": -0.06, "label": "Market"},
        {"arrives": now + timedelta(hours=1), "leaves": now + timedelta(hours=2),
         "lat": 51.56, "lon": -0.02, "label": "Park"},
    ]  # fmt: skip
    body = {"stops": [{**s, "arrives": s["arrives"].isoformat(), "leaves": s["leaves"].isoformat()}
                      for s in stops]}  # fmt: skip
    path = f"/api/v1/nodes/van/rounds/{now.date()}"
    _error(client.put(path, json=body, headers=van), 403, "access_denied")
    assert client.put(path, json=body, headers=admin).status_code == 200
    assert [s["label"] for s in client.get(path, headers=van).json()["stops"]] == [
        "Market", "Park"
    ]  # fmt: skip

    here = client.get("/api/v1/nodes/van/position", headers=van).json()
    assert here["on_round"] and here["stop"] is None  # on the road, half way
    assert (here["lat"], here["lon"]) == pytest.approx((51.55, -0.04))
    met = client.get("/api/v1/nodes/van/meet", params={"lat": 51.56, "lon": -0.03}, headers=van)
    assert met.json()["stop"]["label"] == "Park", met.text

    on_hand = _on_hand(client, admin, "van")
    short = max(on_hand, key=lambda s: on_hand[s])  # one fewer than the ledger says
    counts = [{"sku": s, "quantity": q - (s == short)} for s, q in sorted(on_hand.items())]
    refused = client.post(
        "/api/v1/nodes/van/closeout",
        json={"counts": counts},
        headers=bearer(secrets["staff_locker"]),
    )
    _error(refused, 403, "access_denied")
    closed = client.post("/api/v1/nodes/van/closeout", json={"counts": counts}, headers=van)
    assert closed.status_code == 200, closed.text
    day = closed.json()
    assert day["synced"] and day["variance"] == -1
    assert len(day["counts"]) == len(on_hand)
    left = {s: q - (s == short) for s, q in on_hand.items()}
    assert {line["sku"]: line["quantity"] for line in day["on_hand"]} == left
    with workspace.hub() as uow:
        mirror = {line.sku: line.on_hand for line in uow.ledger.stock("van") if line.on_hand}
    assert mirror == left  # the hub saw the count


def test_a_popup_is_planned_filled_open_and_closed_home(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    today = _frozen(workspace).date()
    node = {"code": "pop-test", "kind": "popup", "name": "Pop", "lat": 51.53, "lon": -0.06}
    assert client.post("/api/v1/nodes", json=node, headers=admin).status_code == 201
    dates = {"opens_on": str(today), "closes_on": str(today + timedelta(days=1))}
    popup = {"node": "pop-test", "home": "van", **dates}
    refused = client.post("/api/v1/popups", json=popup, headers=bearer(secrets["staff_van"]))
    _error(refused, 403, "access_denied")
    added = client.post("/api/v1/popups", json=popup, headers=admin)
    assert added.status_code == 201 and added.json()["open_today"], added.text

    plan = client.post("/api/v1/popups/pop-test/plan", json={"size": 5}, headers=admin).json()
    fill = plan["transfer"]
    assert plan["basis"] == "best sellers" and len(plan["wanted"]) == 5
    assert (fill["sender"], fill["receiver"], fill["state"]) == ("van", "pop-test", "requested")
    again = client.post("/api/v1/popups/pop-test/plan", json={"size": 5}, headers=admin).json()
    assert again["transfer"]["id"] == fill["id"]  # requested once
    # All of it: shipping asks the hub for the van's pooled rights to every line in one sync.
    for step in ("pack", "ship", "receive"):
        moved = client.post(f"/api/v1/transfers/{fill['id']}/{step}", headers=admin)
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "received"
    assert moved.json()["arrived"] == fill["requested"]
    arrived = {line["sku"]: line["quantity"] for line in moved.json()["arrived"]}
    assert _on_hand(client, admin, "pop-test") == arrived
    assert client.get("/api/v1/popups/pop-test", headers=admin).json()["open_today"]

    closed = client.post("/api/v1/popups/pop-test/close", headers=admin).json()
    home = closed["transfer"]
    assert (home["sender"], home["receiver"]) == ("pop-test", "van")
    assert {line["sku"]: line["quantity"] for line in home["requested"]} == arrived
    _error(client.post("/api/v1/popups/van/close", headers=admin), 404, "unknown_popup")


def test_a_shelf_scan_holds_the_item_until_collected_or_its_time_runs_out(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin, channel = bearer(secrets["admin"]), bearer(secrets["channel"])
    shopfront = _staff(client, admin, "shopfront")
    _frozen(workspace)
    sku = _held_skus(workspace, "shopfront")[0]
    shelf = {"node": "shopfront", "sku": sku}
    assert client.put(f"/api/v1/shelves/{GLN}/A1", json=shelf, headers=admin).status_code == 200

    def hold(key: str, who: dict[str, str] = channel) -> Any:
        headers = {**who, "Idempotency-Key": key}
        return client.post("/api/v1/reservations", json={"scan": SHELF}, headers=headers)

    _error(hold("h-staff", bearer(secrets["staff_van"])), 403, "access_denied")
    held = hold("h-1")
    assert held.status_code == 201, held.text
    assert held.json()["node"] == "shopfront" and held.json()["step"] == "promised"
    assert held.json()["lines"] == [{"sku": sku, "quantity": 1}]
    assert hold("h-1").status_code == 200  # a retry: the same hold
    assert client.post("/api/v1/reservations/expire", headers=channel).json()["released"] == []
    assert hold("h-2").status_code == 201

    collect = "/api/v1/reservations/h-2/collect"
    _error(client.post(collect, headers=bearer(secrets["staff_van"])), 403, "access_denied")
    collected = client.post(collect, headers=shopfront)
    assert collected.json()["step"] == "handed_over", collected.text

    _later(workspace, timedelta(minutes=31))
    expired = client.post("/api/v1/reservations/expire", headers=channel).json()
    assert "h-1" in expired["released"] and "h-2" not in expired["released"]
    assert client.get("/api/v1/orders/h-1", headers=admin).json()["step"] == "released"
    other = DigitalLink.location(GLN, "Z9").uri("https://shop.example")
    unknown = client.post(
        "/api/v1/reservations", json={"scan": other}, headers={**channel, "Idempotency-Key": "h-3"}
    )
    _error(unknown, 404, "unknown_shelf")


def test_the_node_operations_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/nodes/{node}/compartments",
        "/api/v1/nodes/{node}/pickups/collect",
        "/api/v1/lockers/sweep",
        "/api/v1/transfers/{transfer}/receive",
        "/api/v1/nodes/{node}/position",
        "/api/v1/nodes/{node}/closeout",
        "/api/v1/popups/{node}/plan",
        "/api/v1/reservations",
        "/api/v1/reservations/expire",
    ):
        assert path in paths
