"""The playbook, step by step, through the HTTP API on a fresh workspace with imported past
sales: the same service functions the CLI calls (tests/playbook/test_playbook_cli.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import bearer
from tests.playbook.sales_files import hand_count, sales_plan, shopify_orders
from tests.playbook.test_playbook_cli import cli, fresh_shop

API = "/api/v1"


@dataclass
class Shop:
    client: TestClient
    admin: dict[str, str]
    staff: dict[str, str]  # staff of the shop
    channel: dict[str, str]
    clock: Clock


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    folder = fresh_shop(tmp_path)
    cli(folder, "stock", "receive", "shop", "SKU-001", "10")
    cli(folder, "sync")
    clock = Clock(DEMO_NOW)
    ws = bootstrap(Settings.load(folder), clock)
    store = token_store(ws)
    secrets = {
        role: access.issue(store, ws.hub, grant, DEMO_NOW, role).secret
        for role, grant in (
            ("admin", Grant(Role.ADMIN)),
            ("staff", Grant(Role.STAFF, "shop")),
            ("channel", Grant(Role.CHANNEL)),
        )
    }
    try:
        with TestClient(create_app(ws)) as client:
            yield Shop(
                client,
                bearer(secrets["admin"]),
                bearer(secrets["staff"]),
                bearer(secrets["channel"]),
                clock,
            )
    finally:
        ws.close()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_week_one_triage_over_the_api_is_the_200_fastest_and_accepted_as_targets(
    shop: Shop,
) -> None:
    c, admin = shop.client, shop.admin
    assert ok(c.get(f"{API}/nodes/shop/triage", headers=admin)) == []
    lines = sales_plan(seed=11)
    body = shopify_orders(lines).encode()
    refused = c.post(f"{API}/nodes/shop/sales/import", content=body, headers=shop.staff)
    assert refused.status_code == 403
    done = ok(c.post(f"{API}/nodes/shop/sales/import", content=body, headers=admin))
    assert done["skus"] == 230 and done["skipped"] > 0
    found = ok(c.get(f"{API}/nodes/shop/triage", headers=admin))
    assert [p["sku"] for p in found] == hand_count(lines)
    weighted = ok(c.get(f"{API}/nodes/shop/triage", params={"view": "weighted"}, headers=admin))
    assert len(weighted) == 200
    targets = ok(c.post(f"{API}/nodes/shop/targets", headers=admin))
    assert sorted(t["sku"] for t in targets) == sorted(hand_count(lines))
    assert ok(c.get(f"{API}/nodes/shop/targets", headers=admin)) == targets
    unknown = c.get(f"{API}/nodes/nowhere/triage", headers=admin)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "no node with code 'nowhere'"
    bad = c.post(f"{API}/nodes/shop/sales/import", content=b"date,sku,quantity\nx,NOPE,1\n",
                 headers=admin)  # fmt: skip
    assert bad.status_code == 422 and "nothing changed" in bad.json()["error"]["message"]
    assert ok(c.get(f"{API}/nodes/shop/triage", headers=admin)) == found


def test_staff_pack_on_the_api_and_a_returned_parcel_moves_its_package_rate(shop: Shop) -> None:
    c, admin, staff = shop.client, shop.admin, shop.staff
    mailer = {"length_mm": 220, "width_mm": 160, "height_mm": 90, "max_weight_g": 1000,
              "cost": "0.40", "tare_g": 40}  # fmt: skip
    box = {**mailer, "height_mm": 120, "cost": "0.80", "padding_mm": 20, "name": "Small box"}
    assert c.put(f"{API}/nodes/shop/packages/mailer", json=mailer, headers=staff).status_code == 403
    ok(c.put(f"{API}/nodes/shop/packages/mailer", json=mailer, headers=admin))
    ok(c.put(f"{API}/nodes/shop/packages/box-s", json=box, headers=admin))
    listed = ok(c.get(f"{API}/nodes/shop/packages", headers=staff))
    assert [t["code"] for t in listed] == ["box-s", "mailer"]
    pickup = {
        "method": "pickup",
        "pickup_node": "shop",
        "lines": [{"sku": "SKU-001", "quantity": 1}],
    }
    for n in range(1, 5):
        key = {"Idempotency-Key": f"api-{n}"}
        ok(c.post(f"{API}/orders", json=pickup, headers={**shop.channel, **key}), 201)
    packed = ok(c.post(f"{API}/orders/api-1/pack", json={"node": "shop"}, headers=staff))
    assert packed["package"]["package"] == "mailer"
    assert packed["order"]["parts"][0]["step"] == "packed"
    step = {"node": "shop", "step": "packed", "package": "mailer"}
    ok(c.post(f"{API}/orders/api-2/steps", json=step, headers=staff))
    ok(
        c.post(
            f"{API}/orders/api-3/pack", json={"node": "shop", "package": "mailer"}, headers=staff
        )
    )
    shipped = {"node": "shop", "package": "box-s", "country": "GB", "postcode": "E8 1AA"}
    packed = ok(c.post(f"{API}/orders/api-4/pack", json=shipped, headers=staff))
    assert packed["carriage"] is not None
    crate = c.post(f"{API}/orders/api-4/pack", json={"node": "shop", "package": "crate"},
                   headers=staff)  # fmt: skip
    assert crate.status_code == 404 and "no package template 'crate'" in crate.text
    assert rates(shop) == {"box-s": 0.0, "mailer": 0.0}
    opened = {"sold_at": "shop", "reference": "api-3", "kind": "order",
              "lines": [{"sku": "SKU-001", "quantity": 1}], "reason": "damaged-in-transit"}  # fmt: skip
    ret = ok(c.post(f"{API}/returns", json=opened, headers=shop.channel), 201)
    assert rates(shop) == {"box-s": 0.0, "mailer": pytest.approx(1 / 3)}
    again = c.post(f"{API}/returns", json=opened, headers=shop.channel)
    assert again.status_code == 409  # one unit was sold under api-3: returned already
    rid = ret["id"]
    ok(c.post(f"{API}/returns/{rid}/check-in", json={"scan": "SKU-001"}, headers=staff))
    decided = ok(c.post(f"{API}/returns/{rid}/disposition",
                        json={"sku": "SKU-001", "condition": "as-new"}, headers=staff))  # fmt: skip
    assert decided["state"] == "closed"
    assert decided["decisions"][0]["disposition"] == "restock"
    used = ok(c.get(f"{API}/packages/used", params={"node": "shop"}, headers=staff))
    assert [u["package"] for u in used] == ["mailer", "mailer", "mailer", "box-s"]


def rates(shop: Shop) -> dict[str, float]:
    rows = ok(shop.client.get(f"{API}/kpis", headers=shop.admin))
    return {r["key"]: r["value"] for r in rows if r["metric"] == "package_return_rate"}


def test_a_van_area_and_a_popup_with_hours_and_pickup_over_the_api(shop: Shop) -> None:
    c, admin = shop.client, shop.admin
    van = {"code": "van", "kind": "van", "name": "Van", "lat": 51.5, "lon": -0.05}
    ok(c.post(f"{API}/nodes", json=van, headers=admin), 201)
    area = {"lat": 51.545, "lon": -0.055, "radius_km": 6}
    assert c.put(f"{API}/nodes/van/service-area", json=area, headers=shop.staff).status_code == 403
    ok(c.put(f"{API}/nodes/van/service-area", json=area, headers=admin))
    assert ok(c.get(f"{API}/nodes/van/service-area", headers=shop.staff))["area"] == area
    missing = c.put(f"{API}/nodes/nowhere/service-area", json=area, headers=admin)
    assert missing.json()["error"]["message"] == "no node with code 'nowhere'"
    fair = {"code": "fair", "kind": "popup", "name": "Fair", "lat": 51.53, "lon": -0.07}
    ok(c.post(f"{API}/nodes", json=fair, headers=admin), 201)
    popup = {"node": "fair", "home": "shop", "opens_on": "2026-11-28", "closes_on": "2026-11-29",
             "opening_hours": "5 09:00-17:00", "pickup": True}  # fmt: skip
    made = ok(c.post(f"{API}/popups", json=popup, headers=admin), 201)
    assert (made["opening_hours"], made["pickup"], made["over"]) == ("5 09:00-17:00", True, False)
    none = ok(c.post(f"{API}/popups/fair/plan", headers=admin))  # nothing sold anywhere yet
    assert none["transfer"] is None and none["why_nothing"].startswith("nothing to plan from")
    ok(c.post(f"{API}/nodes/shop/sell", json={"sku": "SKU-001", "quantity": 1}, headers=admin))
    shop.clock.advance(timedelta(hours=1))
    plan = ok(c.post(f"{API}/popups/fair/plan", headers=admin))
    assert plan["transfer"] is not None
    shown = ok(c.get(f"{API}/popups/fair", headers=admin))
    assert [t["id"] for t in shown["transfers"]] == ["popup-in:fair:2026-11-28"]
    shop.clock.advance(timedelta(days=5))
    late = c.post(f"{API}/popups/fair/plan", headers=admin)
    assert late.status_code == 409 and "fair closed on 2026-11-29" in late.text
