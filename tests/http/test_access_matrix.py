"""Every kind of caller against every kind of endpoint: who gets in, and who changes nothing.

Callers: an admin, staff of the van (the node acted on), staff of the locker (another node),
a channel, no token, a revoked token. Requests act on the van; orders go to the van (the
customer is east of the shopfront's delivery radius), one per caller where a step changes it.
Locker requests act on the locker (staff of the locker are at home there); pop-up requests on
the demo's market stall; shelf holds on the shopfront (the van offers no pickup).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace
from microindex.domain.codes import NodeCode
from microindex.domain.gs1.digital_link import DigitalLink
from microindex.domain.node import Location, Node, NodeKind
from microindex.domain.popup import PopUp
from microindex.domain.product import Size
from microindex.domain.promise.lifecycle import Order
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.round import Stop
from microindex.service import lockers, popups, promise, rounds, shelf_holds, transfers
from microindex.service.nodes import add_node, list_nodes
from tests.http.conftest import bearer, login_link_code

CALLERS = ("admin", "staff_van", "staff_locker", "channel", "none", "revoked")
SKU = "{sku}"
CALLER = "{caller}"
CODE = "{code}"
CODES = {caller: str(314_159 + i) for i, caller in enumerate(CALLERS)}  # locker pickup codes
GLN = "9520123456788"
SHELF = DigitalLink.location(GLN, "H1").uri("https://shop.example")
ROUND_DAY = "2030-01-07"
STOP = {"arrives": "2030-01-07T09:00:00Z", "leaves": "2030-01-07T10:00:00Z", "lat": 51.5, "lon": 0}
POPUP = {
    "node": "matrix-pop",
    "home": "shopfront",
    "opens_on": "2030-01-05",
    "closes_on": "2030-01-06",
}
EAST = {"lat": 51.545, "lon": 0.04}  # only the van delivers here
ORDER = {"lines": [{"sku": SKU, "quantity": 1}], "method": "local_delivery", "customer": EAST}

# name: (method, path, json body or CSV text, expected status per caller in CALLERS order)
ENDPOINTS: dict[str, tuple[str, str, Any, tuple[int, ...]]] = {
    "read catalog": ("GET", "/api/v1/products", None, (200, 200, 200, 200, 401, 401)),
    "read one product": ("GET", f"/api/v1/products/{SKU}", None, (200, 200, 200, 200, 401, 401)),
    "read nodes": ("GET", "/api/v1/nodes", None, (200, 200, 200, 200, 401, 401)),
    "read van stock": ("GET", "/api/v1/stock?node=van", None, (200, 200, 403, 200, 401, 401)),
    "read all stock": ("GET", "/api/v1/stock", None, (200, 403, 403, 200, 401, 401)),
    "read van ledger": (
        "GET",
        "/api/v1/nodes/van/movements",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "read van head": ("GET", "/api/v1/nodes/van/head", None, (200, 200, 403, 403, 401, 401)),
    "read van counts today": (
        "GET",
        "/api/v1/nodes/van/counts-today",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "receive at van": (
        "POST",
        "/api/v1/nodes/van/receive",
        {"sku": SKU, "quantity": 1},
        (200, 200, 403, 403, 401, 401),
    ),
    "count at van": (
        "POST",
        "/api/v1/nodes/van/count",
        {"sku": SKU, "counted": 0},
        (200, 200, 403, 403, 401, 401),
    ),
    "transfer from van": (
        "POST",
        "/api/v1/nodes/van/transfers",
        {"to": "shopfront", "sku": SKU, "quantity": 1},
        (200, 200, 403, 403, 401, 401),
    ),
    "import van stock": (
        "POST",
        "/api/v1/nodes/van/stock/import",
        f"sku,quantity\n{SKU},99\n",
        (200, 200, 403, 403, 401, 401),
    ),
    "add a node": (
        "POST",
        "/api/v1/nodes",
        {"code": "popup", "kind": "popup", "name": "Pop-up", "lat": 51.5, "lon": 0.0},
        (201, 403, 403, 403, 401, 401),
    ),
    "move a node to a time zone": (
        "PATCH",
        "/api/v1/nodes/locker",
        {"zone": "Europe/London"},
        (200, 403, 403, 403, 401, 401),
    ),
    "import the catalog": (
        "POST",
        "/api/v1/catalog/import",
        "sku,title,price,currency\nNEW-1,New,1.00,GBP\n",
        (200, 403, 403, 403, 401, 401),
    ),
    "list tokens": ("GET", "/api/v1/tokens", None, (200, 403, 403, 403, 401, 401)),
    "issue a token": (
        "POST",
        "/api/v1/tokens",
        {"role": "channel"},
        (201, 403, 403, 403, 401, 401),
    ),
    "place an order": ("POST", "/api/v1/orders", ORDER, (201, 403, 403, 201, 401, 401)),
    "read a van order": (
        "GET",
        "/api/v1/orders/matrix-admin",
        None,
        (200, 200, 403, 200, 401, 401),
    ),
    "list van orders": ("GET", "/api/v1/orders?node=van", None, (200, 200, 403, 200, 401, 401)),
    "list all orders": ("GET", "/api/v1/orders", None, (200, 403, 403, 200, 401, 401)),
    "advance a van order": (
        "POST",
        f"/api/v1/orders/matrix-{CALLER}/steps",
        {"node": "van", "step": "picked"},
        (200, 200, 403, 403, 401, 401),
    ),
    "cancel a van order": (
        "POST",
        f"/api/v1/orders/matrix-x-{CALLER}/cancel",
        None,
        (200, 403, 403, 200, 401, 401),
    ),
    "read locker compartments": (
        "GET",
        "/api/v1/nodes/locker/compartments",
        None,
        (200, 403, 200, 200, 401, 401),
    ),
    "add a compartment": (
        "PUT",
        "/api/v1/nodes/locker/compartments/MX9",
        {"length_mm": 900, "width_mm": 900, "height_mm": 900},
        (200, 403, 403, 403, 401, 401),
    ),
    "put a parcel in the locker": (
        "POST",
        "/api/v1/nodes/locker/pickups",
        {"order": f"matrix-p-{CALLER}"},
        (201, 403, 201, 403, 401, 401),
    ),
    "collect from the locker": (
        "POST",
        "/api/v1/nodes/locker/pickups/collect",
        {"code": CODE},
        (200, 403, 200, 403, 401, 401),
    ),
    "sweep the lockers": ("POST", "/api/v1/lockers/sweep", None, (200, 403, 403, 403, 401, 401)),
    "request a transfer to the van": (
        "POST",
        "/api/v1/transfers",
        {
            "id": f"matrix-r-{CALLER}",
            "sender": "shopfront",
            "receiver": "van",
            "lines": [{"sku": SKU, "quantity": 1}],
        },
        (201, 201, 403, 403, 401, 401),
    ),
    "list van transfers": (
        "GET",
        "/api/v1/transfers?node=van",
        None,
        (200, 200, 403, 200, 401, 401),
    ),
    "list all transfers": ("GET", "/api/v1/transfers", None, (200, 403, 403, 200, 401, 401)),
    "read a van transfer": (
        "GET",
        "/api/v1/transfers/matrix-pack-admin",
        None,
        (200, 200, 403, 200, 401, 401),
    ),
    "pack at the van": (
        "POST",
        f"/api/v1/transfers/matrix-pack-{CALLER}/pack",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "ship from the van": (
        "POST",
        f"/api/v1/transfers/matrix-ship-{CALLER}/ship",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "cancel at the van": (
        "POST",
        f"/api/v1/transfers/matrix-cancel-{CALLER}/cancel",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "receive at the van": (
        "POST",
        f"/api/v1/transfers/matrix-recv-{CALLER}/receive",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "set a van round": (
        "PUT",
        f"/api/v1/nodes/van/rounds/{ROUND_DAY}",
        {"stops": [STOP]},
        (200, 403, 403, 403, 401, 401),
    ),
    "read a van round": (
        "GET",
        f"/api/v1/nodes/van/rounds/{ROUND_DAY}",
        None,
        (200, 200, 200, 200, 401, 401),
    ),
    "where the van is": (
        "GET",
        "/api/v1/nodes/van/position",
        None,
        (200, 200, 200, 200, 401, 401),
    ),
    "where to meet the van": (
        "GET",
        "/api/v1/nodes/van/meet?lat=51.545&lon=-0.055",
        None,
        (200, 200, 200, 200, 401, 401),
    ),
    "close out the stall": (
        "POST",
        "/api/v1/nodes/market-stall/closeout",
        {"counts": [{"sku": SKU, "quantity": 0}]},
        (200, 403, 403, 403, 401, 401),
    ),
    "add a pop-up": ("POST", "/api/v1/popups", POPUP, (201, 403, 403, 403, 401, 401)),
    "list pop-ups": ("GET", "/api/v1/popups", None, (200, 200, 200, 200, 401, 401)),
    "read a pop-up": (
        "GET",
        "/api/v1/popups/market-stall",
        None,
        (200, 200, 200, 200, 401, 401),
    ),
    "plan a pop-up": (
        "POST",
        "/api/v1/popups/matrix-plan/plan",  # the demo's market stall is over: refused
        None,
        (200, 403, 403, 403, 401, 401),
    ),
    "close a pop-up": (
        "POST",
        "/api/v1/popups/market-stall/close",
        None,
        (200, 403, 403, 403, 401, 401),
    ),
    "name a shelf": (
        "PUT",
        f"/api/v1/shelves/{GLN}/M1",
        {"node": "van", "sku": SKU},
        (200, 403, 403, 403, 401, 401),
    ),
    "hold from a shelf scan": (
        "POST",
        "/api/v1/reservations",
        {"scan": SHELF},
        (201, 403, 403, 201, 401, 401),
    ),
    "collect a shopfront hold": (
        "POST",
        f"/api/v1/reservations/matrix-h-{CALLER}/collect",
        None,
        (200, 403, 403, 403, 401, 401),
    ),
    "expire holds": ("POST", "/api/v1/reservations/expire", None, (200, 403, 403, 200, 401, 401)),
    "ask the voice answer": (
        "GET",
        "/api/v1/voice?q=mug&lat=51.545&lon=-0.055",
        None,
        (200, 403, 403, 200, 401, 401),
    ),
    "fetch a feed file": ("GET", "/feeds/meta.csv", None, (200, 403, 403, 200, 401, 401)),
    "subscribe a webhook": (
        "POST",
        "/api/v1/webhooks",
        {"url": f"https://hooks.example/{CALLER}"},
        (201, 403, 403, 403, 401, 401),
    ),
    "list webhooks": ("GET", "/api/v1/webhooks", None, (200, 403, 403, 403, 401, 401)),
    "read webhook dead letters": (
        "GET",
        "/api/v1/webhooks/dead",
        None,
        (200, 403, 403, 403, 401, 401),
    ),
    "read the van's package templates": (
        "GET",
        "/api/v1/nodes/van/packages",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "set a van package template": (
        "PUT",
        "/api/v1/nodes/van/packages/matrix-box",
        {"length_mm": 300, "width_mm": 200, "height_mm": 100, "max_weight_g": 5000, "cost": "1"},
        (200, 403, 403, 403, 401, 401),
    ),
    "read the van's packages used": (
        "GET",
        "/api/v1/packages/used?node=van",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "read returns at the van": (
        "GET",
        "/api/v1/returns?node=van",
        None,
        (200, 200, 403, 403, 401, 401),
    ),
    "read every return": ("GET", "/api/v1/returns", None, (200, 403, 403, 403, 401, 401)),
    "read return alerts": ("GET", "/api/v1/returns/alerts", None, (200, 403, 403, 403, 401, 401)),
    "triage the van": ("GET", "/api/v1/nodes/van/triage", None, (200, 403, 403, 403, 401, 401)),
    "read the van's targets": (
        "GET",
        "/api/v1/nodes/van/targets",
        None,
        (200, 403, 403, 403, 401, 401),
    ),
    "read the jobs": ("GET", "/api/v1/jobs", None, (200, 403, 403, 403, 401, 401)),
    "read pruning": ("GET", "/api/v1/pruning", None, (200, 403, 403, 403, 401, 401)),
    "read feed accuracy": ("GET", "/api/v1/feeds/accuracy", None, (200, 403, 403, 403, 401, 401)),
    "read the kpis": ("GET", "/api/v1/kpis", None, (200, 403, 403, 403, 401, 401)),
    "read kits": ("GET", "/api/v1/kits", None, (200, 200, 200, 200, 401, 401)),
    "read prices with vat": ("GET", "/api/v1/vat/prices", None, (200, 200, 200, 200, 401, 401)),
    "read purchase orders": (
        "GET",
        "/api/v1/purchase-orders",
        None,
        (200, 403, 403, 403, 401, 401),
    ),
    "read low stock at the van": (
        "GET",
        "/api/v1/reorder-points/low?node=van",
        None,
        (200, 200, 403, 200, 401, 401),
    ),
    "read the stock value file": (
        "GET",
        "/api/v1/accounts/stock-value.csv",
        None,
        (200, 403, 403, 403, 401, 401),
    ),
    "set a reorder point at the van": (
        "PUT",
        f"/api/v1/nodes/van/reorder-points/{SKU}",
        {"point": 1},
        (200, 403, 403, 403, 401, 401),
    ),
}

CASES = [
    pytest.param(name, caller, expected[i], id=f"{name}-{caller}")
    for name, (_, _, _, expected) in ENDPOINTS.items()
    for i, caller in enumerate(CALLERS)
]


def _fill(value: Any, sku: str, caller: str = "") -> Any:
    if isinstance(value, str):
        return value.replace(SKU, sku).replace(CALLER, caller).replace(CODE, CODES.get(caller, ""))
    if isinstance(value, dict):
        return {k: _fill(v, sku, caller) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, sku, caller) for v in value]
    return value


@pytest.fixture(scope="module")
def van_orders(shared_client: TestClient, shared_secrets: dict[str, str]) -> str:
    """Two open van orders per caller, one for the steps (matrix-<caller>) and one for the
    cancels (matrix-x-<caller>), so the cases pass in any order."""
    admin = bearer(shared_secrets["admin"])
    sku = _van_sku(shared_client, admin)
    for caller in CALLERS:
        for key in (f"matrix-{caller}", f"matrix-x-{caller}"):
            headers = {**admin, "Idempotency-Key": key}
            placed = shared_client.post("/api/v1/orders", json=_fill(ORDER, sku), headers=headers)
            assert placed.status_code == 201 and placed.json()["parts"][0]["node"] == "van"
    return sku


def _van_sku(client: TestClient, admin: dict[str, str]) -> str:
    van = client.get("/api/v1/stock", params={"node": "van"}, headers=admin).json()
    return str(max(van, key=lambda line: line["online"])["sku"])


def _state(client: TestClient, admin: dict[str, str]) -> tuple[Any, ...]:
    """Everything a write could have changed."""
    heads = tuple(
        client.get(f"/api/v1/nodes/{n}/head", headers=admin).json()["head"]
        for n in ("van", "shopfront", "locker", "market-stall")
    )
    products = client.get("/api/v1/products", headers=admin).json()["total"]
    nodes = len(client.get("/api/v1/nodes", headers=admin).json())
    tokens = len(client.get("/api/v1/tokens", headers=admin).json())
    orders = client.get("/api/v1/orders", params={"open": False}, headers=admin).json()
    reads = (
        "/api/v1/transfers",
        "/api/v1/nodes/locker/compartments",
        "/api/v1/popups",
        f"/api/v1/nodes/van/rounds/{ROUND_DAY}",
    )
    node_ops = tuple(client.get(path, headers=admin).json() for path in reads)
    return heads, products, nodes, tokens, orders, node_ops


@pytest.fixture(scope="module")
def node_ops(shared_workspace: Workspace, van_orders: str) -> None:
    """What the node operations act on, one per caller where a step changes it: locker pickup
    orders (those to collect in a compartment behind CODES), transfers to pack, ship, cancel
    and receive, holds at the shopfront to collect, a shelf, a pop-up node and the van's round today."""
    ws = shared_workspace
    ops, now = ws.node_ops(), ws.clock()
    for i in range(4):  # room for every parcel whatever its size
        lockers.add_compartment(ops, "locker", f"MX{i}", Size(900, 900, 900))
    for caller in ("admin", "staff_locker"):
        _pickup(ws, f"matrix-p-{caller}")
        made = _pickup(ws, f"matrix-c-{caller}")
        parcel = lockers.parcel_for(ws.hub, dict(made.parts["locker"].lines))
        lockers.assign_order(ws.hub, ops, made.ident, "locker", now, parcel, code=CODES[caller])
    van_sku, shop_sku = _skus(ws, "van", avoid=van_orders)[0], _skus(ws, "shopfront")[0]
    for caller in CALLERS:
        for step in ("pack", "ship", "cancel"):
            transfers.request(ops, f"matrix-{step}-{caller}", "van", "shopfront", {van_sku: 1}, now)
        ident = f"matrix-recv-{caller}"
        transfers.request(ops, ident, "shopfront", "van", {shop_sku: 1}, now)
        if caller in ("admin", "staff_van"):
            sender = ws.node("shopfront")
            transfers.ship(ops, sender, ident, now, "matrix", ask=ws.ask_hub("shopfront"))
    shelf_holds.add_shelf(ops, GLN, "H1", "shopfront", shop_sku)  # the van offers no pickup
    nodes = list_nodes(ws.hub)
    for caller in CALLERS:
        shelf_holds.hold_from_scan(ws.hub, ops, f"matrix-h-{caller}", SHELF, nodes, now)
    add_node(ws.hub, Node(NodeCode("matrix-pop"), NodeKind.POPUP, "Pop", Location(51.5, 0)))
    upcoming = Node(NodeCode("matrix-plan"), NodeKind.POPUP, "Fair", Location(51.5, 0))
    popups.add(ws.hub, ws.rounds(), PopUp("matrix-plan", "shopfront", date(2030, 1, 5),
                                          date(2030, 1, 6)), upcoming)  # fmt: skip
    midnight = datetime.combine(now.date(), time(), UTC)
    all_day = Stop(midnight, midnight + timedelta(days=1), Location(51.545, -0.055), "all day")
    rounds.set_round(ws.rounds(), "van", now.date(), [all_day])  # someone to meet all day


def _pickup(ws: Workspace, key: str) -> Order:
    """A pickup order at the locker, from stock rights the hub holds there."""
    asked = [
        OrderRequest((OrderLine(sku, 1),), Method.PICKUP, ws.clock(), pickup_node="locker")
        for sku in _skus(ws, "locker")
    ]
    for request in asked:
        with contextlib.suppress(CannotPromise):
            order = promise.place_order(ws.hub, key, request, list_nodes(ws.hub)).record.order
            assert list(order.parts) == ["locker"]
            return order
    raise AssertionError("nothing at the locker to promise")


def _skus(ws: Workspace, node: str, avoid: str = "") -> list[str]:
    """SKUs on hand at `node` whose stock rights the hub holds for it, the most held first."""
    with ws.node(node)() as uow:
        skus = [line.sku for line in uow.ledger.stock(node) if line.on_hand > 2]
    with ws.hub() as uow:
        held = {sku: uow.accounts.held(sku).get(node, 0) for sku in skus if sku != avoid}
    return sorted((sku for sku in held if held[sku] > 0), key=lambda sku: -held[sku])


@pytest.mark.parametrize(("endpoint", "caller", "expected"), CASES)
def test_each_caller_gets_exactly_its_access_and_a_refusal_writes_nothing(
    shared_client: TestClient,
    shared_secrets: dict[str, str],
    van_orders: str,
    node_ops: None,
    endpoint: str,
    caller: str,
    expected: int,
) -> None:
    client, secrets = shared_client, shared_secrets
    admin = bearer(secrets["admin"])
    van = client.get("/api/v1/stock", params={"node": "van"}, headers=admin).json()
    sku = next(line["sku"] for line in van if line["on_hand"] > 1)
    if endpoint == "place an order":  # what the van holds most of online now, whatever ran
        sku = _van_sku(client, admin)  # before (the fixture's twelve orders took some)
    method, raw_path, body, _ = ENDPOINTS[endpoint]
    path = _fill(raw_path, sku, caller)
    headers = {} if caller == "none" else bearer(secrets[caller])
    headers = {**headers, "Idempotency-Key": f"{endpoint}-{caller}".replace(" ", "-")}
    before = _state(client, admin)
    if isinstance(body, str):
        response = client.request(
            method, path, content=_fill(body, sku, caller).encode(), headers=headers
        )
    else:
        response = client.request(method, path, json=_fill(body, sku, caller), headers=headers)
    assert response.status_code == expected, response.text
    if expected >= 400:
        error = response.json()["error"]
        assert error["code"] == {401: "unauthenticated", 403: "access_denied"}[expected]
        assert _state(client, admin) == before


@pytest.mark.parametrize("caller", CALLERS)
def test_only_an_admin_session_sees_the_dashboard(
    client: TestClient, secrets: dict[str, str], caller: str
) -> None:
    if caller != "none":
        signed = client.post(
            "/login", content=f"token={secrets[caller]}".encode(), follow_redirects=False
        )
        assert signed.status_code == (303 if caller == "admin" else 401)
    response = client.get("/", follow_redirects=False)
    if caller == "admin":
        assert response.status_code == 200 and "Units sold per node" in response.text
    else:
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_the_api_ignores_the_dashboard_cookie(client: TestClient, secrets: dict[str, str]) -> None:
    client.post("/login", content=f"token={secrets['admin']}".encode(), follow_redirects=False)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/nodes").status_code == 401


def test_revoking_the_admin_token_ends_the_dashboard_session(
    client: TestClient, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    client.post("/login", content=f"token={secrets['admin']}".encode(), follow_redirects=False)
    assert client.get("/", follow_redirects=False).status_code == 200
    mine = next(
        t for t in client.get("/api/v1/tokens", headers=admin).json() if t["label"] == "admin"
    )
    client.delete(f"/api/v1/tokens/{mine['id']}", headers=admin)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_one_time_login_link_works_once(client: TestClient, workspace: Workspace) -> None:
    code = login_link_code(workspace)
    first = client.get(f"/login/once/{code}", follow_redirects=False)
    assert first.status_code == 303 and "httponly" in first.headers["set-cookie"].lower()
    client.cookies.clear()
    assert client.get(f"/login/once/{code}", follow_redirects=False).status_code == 401
