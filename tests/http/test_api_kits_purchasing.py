"""Kits and purchase orders through the HTTP API, on a fresh workspace built through the API
(a node, a catalog file, goods received), on an embedded hub and on a PostgreSQL one: a kit
of three parts sold at a node moves each part's ledger, and a purchase order received in two
parts leaves the right on-hand. Roles as the access matrix says."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import extruct
import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access, purchasing
from microindex.service.webhook_events import EVENT_TOPIC
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import bearer, issue_secrets
from tests.postgres import SchemaPool

API = "/api/v1"
Api = tuple[TestClient, dict[str, str], Workspace]
KIT = "KIT/ZERO-WASTE"  # a SKU with a slash: every kit route takes it
CATALOG = (
    "sku,title,price,currency\n"
    f"{KIT},Zero-waste kit,30.00,GBP\n"
    "BAR-SOAP,Soap bar,6.00,GBP\n"
    "TIN-BALM,Balm tin,9.50,GBP\n"
    'BAG-COTTON,"Cotton bag, =SUM(A1)",4.00,GBP\n'
)
STOCK = {"BAR-SOAP": 10, "TIN-BALM": 4, "BAG-COTTON": 6}
PARTS = [{"sku": "BAR-SOAP", "quantity": 2}, {"sku": "TIN-BALM"}, {"sku": "BAG-COTTON"}]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    environ: dict[str, str] = {}
    schema = None
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        pool: SchemaPool = request.getfixturevalue("postgres_schemas")
        schema = pool.take()
        joiner = "&" if "?" in url else "?"
        environ["MICROINDEX_HUB_URL"] = f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"
    ws = bootstrap(Settings.load(tmp_path / "shop", environ=environ), Clock(DEMO_NOW))
    try:
        with TestClient(create_app(ws)) as client:
            admin = bearer(issue_secrets_for_admin(ws))
            for code, lon in (("shop", -0.1), ("van", -0.05), ("locker", -0.08)):
                node = {"code": code, "kind": "store", "name": code, "lat": 51.5, "lon": lon}
                assert client.post(f"{API}/nodes", json=node, headers=admin).status_code == 201
            tokens = issue_secrets(ws)
            made = client.post(f"{API}/catalog/import", content=CATALOG.encode(), headers=admin)
            assert made.status_code == 200, made.text
            for sku, quantity in STOCK.items():
                body = {"sku": sku, "quantity": quantity}
                done = client.post(f"{API}/nodes/shop/receive", json=body, headers=admin)
                assert done.status_code == 200, done.text
            yield client, tokens, ws
    finally:
        ws.close()
        if schema is not None:
            pool.give_back(schema)


def issue_secrets_for_admin(ws: Workspace) -> str:
    """The first admin token, issued as `microindex token issue` does, before any node."""
    grant = Grant(Role.ADMIN)
    return access.issue(token_store(ws), ws.hub, grant, ws.clock(), "setup").secret


def _on_hand(client: TestClient, admin: dict[str, str], node: str = "shop") -> dict[str, int]:
    lines = client.get(f"{API}/stock", params={"node": node}, headers=admin).json()
    return {line["sku"]: line["on_hand"] for line in lines}


def _call(client: TestClient, method: str, path: str, who: dict[str, str], **kw: Any) -> Any:
    return client.request(method, f"{API}{path}", headers=who, **kw)


def test_a_kit_of_three_parts_sold_at_a_node_moves_each_parts_ledger(api: Any) -> None:
    client, tokens, _ = api
    admin, van = bearer(tokens["admin"]), bearer(tokens["staff_van"])
    assert _call(client, "PUT", f"/kits/{KIT}", van, json={"parts": PARTS}).status_code == 403
    made = _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS})
    assert made.status_code == 200, made.text
    assert [p["quantity"] for p in made.json()["parts"]] == [2, 1, 1]
    stock = _call(client, "GET", f"/kits/{KIT}/stock", admin).json()
    assert stock == [
        {"node": "locker", "on_hand": 0, "online": 0},
        {"node": "shop", "on_hand": 4, "online": 0},  # min(10 // 2, 4, 6)
        {"node": "van", "on_hand": 0, "online": 0},
    ]
    refused = _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", van, json={"quantity": 1})
    assert refused.status_code == 403
    sold = _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", admin, json={"quantity": 2})
    assert sold.status_code == 200, sold.text
    assert sorted((m["sku"], m["kind"], m["quantity"]) for m in sold.json()) == [
        ("BAG-COTTON", "sell", -2),
        ("BAR-SOAP", "sell", -4),
        ("TIN-BALM", "sell", -2),
    ]
    assert _on_hand(client, admin) == {"BAR-SOAP": 6, "TIN-BALM": 2, "BAG-COTTON": 4}
    short = _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", admin, json={"quantity": 3})
    assert (short.status_code, short.json()["error"]["code"]) == (409, "out_of_stock")
    assert _on_hand(client, admin) == {"BAR-SOAP": 6, "TIN-BALM": 2, "BAG-COTTON": 4}
    missing = _call(client, "POST", f"/nodes/nowhere/kits/{KIT}/sell", admin, json={})
    assert missing.json()["error"]["message"] == "no node with code 'nowhere'"
    not_kit = _call(client, "POST", "/nodes/shop/kits/BAR-SOAP/sell", admin, json={})
    assert (not_kit.status_code, not_kit.json()["error"]["code"]) == (404, "unknown_kit")
    assert [k["sku"] for k in _call(client, "GET", "/kits", bearer(tokens["channel"])).json()] == [
        KIT
    ]
    assert _call(client, "DELETE", f"/kits/{KIT}", admin).status_code == 200
    assert _call(client, "GET", f"/kits/{KIT}/stock", admin).status_code == 404


def test_a_purchase_order_received_in_two_parts_leaves_the_right_on_hand(api: Any) -> None:
    client, tokens, ws = api
    admin, channel = bearer(tokens["admin"]), bearer(tokens["staff_van"])
    order = {"id": "PO-7", "supplier": "=cmd|' /C calc'!A0 Soapworks", "node": "shop"}
    assert _call(client, "POST", "/purchase-orders", channel, json=order).status_code == 403
    assert _call(client, "POST", "/purchase-orders", admin, json=order).status_code == 201
    again = _call(client, "POST", "/purchase-orders", admin, json=order)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "purchase_order_exists")
    for sku, quantity, cost in (("BAR-SOAP", 20, "1.10"), ("TIN-BALM", 8, "2.75")):
        line = {"sku": sku, "quantity": quantity, "unit_cost": cost}
        added = _call(client, "POST", "/purchase-orders/PO-7/lines", admin, json=line)
        assert added.status_code == 200, added.text
    bad = {"sku": "BAR-SOAP", "quantity": 1, "unit_cost": "1.234"}
    assert _call(client, "POST", "/purchase-orders/PO-7/lines", admin, json=bad).status_code == 422
    assert _call(client, "POST", "/purchase-orders/PO-7/send", admin).json()["state"] == "sent"

    first = {"lines": [{"sku": "BAR-SOAP", "quantity": 12}]}
    done = _call(client, "POST", "/purchase-orders/PO-7/receipts", admin, json=first)
    assert done.status_code == 201, done.text
    assert done.json()["order"]["state"] == "partly-received"
    assert _on_hand(client, admin)["BAR-SOAP"] == 22

    over = {"lines": [{"sku": "BAR-SOAP", "quantity": 9}, {"sku": "TIN-BALM", "quantity": 8}]}
    refused = _call(client, "POST", "/purchase-orders/PO-7/receipts", admin, json=over)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "over_receipt")
    assert _on_hand(client, admin) == {"BAR-SOAP": 22, "TIN-BALM": 4, "BAG-COTTON": 6}

    rest = {"lines": [{"sku": "BAR-SOAP", "quantity": 8}, {"sku": "TIN-BALM", "quantity": 8}]}
    done = _call(client, "POST", "/purchase-orders/PO-7/receipts", admin, json=rest)
    assert done.status_code == 201, done.text
    assert (done.json()["order"]["state"], done.json()["receipt"]) == ("closed", 2)
    assert _on_hand(client, admin) == {"BAR-SOAP": 30, "TIN-BALM": 12, "BAG-COTTON": 6}
    shown = _call(client, "GET", "/purchase-orders/PO-7", admin).json()
    assert shown["supplier"] == order["supplier"]
    assert [(ln["ordered"], ln["received"]) for ln in shown["lines"]] == [(20, 20), (8, 8)]
    store = ws.storage.purchase_orders()
    found = store.get("PO-7")
    assert found is not None and found[1] == 6  # drafted, two lines, sent, two receipts
    assert not store.save(found[0], found[1] - 1)  # saved on a version since changed: refused
    listed = _call(client, "GET", "/purchase-orders", admin, params={"state": "closed"}).json()
    assert [o["id"] for o in listed] == ["PO-7"]
    assert _call(client, "GET", "/purchase-orders/PO-8", admin).status_code == 404


def test_a_kit_is_not_ordered_from_a_supplier_its_parts_are(api: Any) -> None:
    """A kit holds no stock (ADR 0009): a purchase order line for it would put units in the
    ledger under the kit's SKU that its stock never counts and a walk-in sale sells as one."""
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    order = {"id": "PO-K", "supplier": "Gift boxes Ltd", "node": "shop"}
    assert _call(client, "POST", "/purchase-orders", admin, json=order).status_code == 201
    line = {"sku": KIT, "quantity": 5, "unit_cost": "3.10"}
    refused = _call(client, "POST", "/purchase-orders/PO-K/lines", admin, json=line)
    assert refused.status_code == 422, refused.text
    assert "is a kit" in refused.json()["error"]["message"]
    shown = _call(client, "GET", "/purchase-orders/PO-K", admin).json()
    assert shown["lines"] == []
    point = _call(client, "PUT", f"/nodes/shop/reorder-points/{KIT}", admin, json={"point": 2})
    assert point.status_code == 422, point.text  # it would be low for ever: reorder its parts
    assert _call(client, "GET", "/reorder-points/low", admin).json() == []


def test_staff_receive_against_an_order_for_their_own_node_only(api: Any) -> None:
    client, tokens, _ = api
    admin, van = bearer(tokens["admin"]), bearer(tokens["staff_van"])
    for ident, node in (("PO-S", "shop"), ("PO-V", "van")):
        _call(
            client,
            "POST",
            "/purchase-orders",
            admin,
            json={"id": ident, "supplier": "S", "node": node},
        )
        line = {"sku": "TIN-BALM", "quantity": 2, "unit_cost": "1"}
        _call(client, "POST", f"/purchase-orders/{ident}/lines", admin, json=line)
        _call(client, "POST", f"/purchase-orders/{ident}/send", admin)
    arrived = {"lines": [{"sku": "TIN-BALM", "quantity": 2}]}
    assert (
        _call(client, "POST", "/purchase-orders/PO-S/receipts", van, json=arrived).status_code
        == 403
    )
    assert (
        _call(client, "POST", "/purchase-orders/PO-V/receipts", van, json=arrived).status_code
        == 201
    )
    assert _on_hand(client, admin, "van") == {"TIN-BALM": 2}


def test_reorder_points_say_what_is_low_and_alert_once(api: Any) -> None:
    client, tokens, ws = api
    admin = bearer(tokens["admin"])
    path = "/nodes/shop/reorder-points/TIN-BALM"
    assert _call(client, "PUT", path, admin, json={"point": 4, "target": 10}).status_code == 200
    unknown = _call(client, "PUT", "/nodes/shop/reorder-points/NOPE", admin, json={"point": 1})
    assert unknown.json()["error"]["message"] == "no product with SKU 'NOPE' in the catalog"
    low = _call(client, "GET", "/reorder-points/low", admin).json()
    assert low == [{"node": "shop", "sku": "TIN-BALM", "on_hand": 4, "point": 4, "suggested": 6}]
    points, ledgers = ws.storage.reorder_points(), {"shop": ws.node("shop")}
    fresh = purchasing.alert_low(points, ws.hub, ledgers, ws.clock())
    assert [(a.node, a.sku) for a in fresh] == [("shop", "TIN-BALM")]
    assert purchasing.alert_low(points, ws.hub, ledgers, ws.clock()) == []
    assert points.alerted() == {("shop", "TIN-BALM")}
    with ws.hub() as uow:
        told = [m.payload for m in uow.outbox.after(0, 10_000) if m.topic == EVENT_TOPIC]
    assert [(e["type"], e["data"]["sku"]) for e in told] == [("stock.low", "TIN-BALM")]
    _call(client, "POST", "/nodes/shop/receive", admin, json={"sku": "TIN-BALM", "quantity": 1})
    assert purchasing.alert_low(points, ws.hub, ledgers, ws.clock()) == []
    assert points.alerted() == set()  # above its point again: cleared
    assert _call(client, "DELETE", path, admin).status_code == 200
    assert _call(client, "DELETE", path, admin).status_code == 404
    assert _call(client, "GET", "/reorder-points/low", admin).json() == []


def test_vat_prices_and_the_accountants_files(api: Any) -> None:
    client, tokens, _ = api
    admin, channel = bearer(tokens["admin"]), bearer(tokens["channel"])
    mode = {"mode": "exclusive", "standard_rate": "20"}
    assert _call(client, "PUT", "/vat", channel, json=mode).status_code == 403
    assert _call(client, "PUT", "/vat", admin, json=mode).json() == {
        "mode": "exclusive",
        "standard_rate": "20",
    }
    rate = _call(client, "PUT", "/vat/rates/TIN-BALM", admin, json={"rate": "5"})
    assert rate.json() == {"sku": "TIN-BALM", "rate": "5"}
    bad = _call(client, "PUT", "/vat/rates/TIN-BALM", admin, json={"rate": "=1+1"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_value")
    prices = {p["sku"]: p for p in _call(client, "GET", "/vat/prices", channel).json()}
    assert (prices["TIN-BALM"]["net"], prices["TIN-BALM"]["gross"]) == ("9.50", "9.98")
    assert (prices["BAR-SOAP"]["vat"], prices["BAR-SOAP"]["gross"]) == ("1.20", "7.20")

    _call(client, "POST", "/nodes/shop/sell", admin, json={"sku": "BAG-COTTON", "quantity": 2})
    day = DEMO_NOW.date().isoformat()
    period = {"from": day, "to": day}
    assert _call(client, "GET", "/accounts/sales.csv", channel, params=period).status_code == 403
    sales = _call(client, "GET", "/accounts/sales.csv", admin, params=period)
    assert sales.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(sales.text)))
    assert (row["sku"], row["title"], row["quantity"], row["gross"]) == (
        "BAG-COTTON", "Cotton bag, =SUM(A1)", "2", "9.60",
    )  # fmt: skip
    value = _call(client, "GET", "/accounts/stock-value.csv", admin)
    rows = {r["sku"]: r for r in csv.DictReader(io.StringIO(value.text))}
    assert rows["BAG-COTTON"]["on_hand"] == "4" and rows["BAG-COTTON"]["unit_cost"] == ""


def test_a_nodes_staff_read_their_kits_stock_and_a_looked_up_kit_names_its_parts(
    api: Any,
) -> None:
    client, tokens, _ = api
    admin, van = bearer(tokens["admin"]), bearer(tokens["staff_van"])
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    here = _call(client, "GET", f"/kits/{KIT}/stock", van, params={"node": "van"})
    assert here.json() == [{"node": "van", "on_hand": 0, "online": 0}]
    assert _call(client, "GET", f"/kits/{KIT}/stock", van).status_code == 403  # every node
    assert (
        _call(client, "GET", f"/kits/{KIT}/stock", van, params={"node": "shop"}).status_code == 403
    )
    unknown = _call(client, "GET", f"/kits/{KIT}/stock", admin, params={"node": "vann"})
    stock_of_unknown = _call(client, "GET", "/stock", admin, params={"node": "vann"})
    assert unknown.status_code == stock_of_unknown.status_code == 404
    assert unknown.json()["error"]["message"] == stock_of_unknown.json()["error"]["message"]
    looked_up = _call(client, "GET", f"/codes/{KIT}", van).json()
    assert looked_up["kit"] == [
        {"sku": "BAR-SOAP", "quantity": 2},
        {"sku": "TIN-BALM", "quantity": 1},
        {"sku": "BAG-COTTON", "quantity": 1},
    ]
    assert _call(client, "GET", "/codes/BAR-SOAP", van).json()["kit"] is None


def test_a_kits_product_page_says_what_its_parts_make_at_each_node(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    handle = _call(client, "GET", f"/codes/{KIT}", admin).json()["handle"] or KIT

    def offer(store: str) -> Any:
        page = client.get(f"/products/{handle}", params={"store": store})
        assert page.status_code == 200, page.text
        found = extruct.extract(page.text, syntaxes=["json-ld"], uniform=True)["json-ld"]
        product = next(d for d in found if d.get("@type") == "Product")
        return product["offers"]

    assert "InStock" in json.dumps(offer("shop"))  # 4 kits' worth of parts there
    assert "OutOfStock" in json.dumps(offer("van"))  # none of its parts
    for _ in range(2):  # two tins left: the shop's page says so as a limited offer
        sold = _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", admin, json={"quantity": 1})
        assert sold.status_code == 200, sold.text
    assert "LimitedAvailability" in json.dumps(offer("shop"))
