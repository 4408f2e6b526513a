"""Every kind of caller against every kind of endpoint: who gets in, and who changes nothing.

Callers: an admin, staff of the van (the node acted on), staff of the locker (another node),
a channel, no token, a revoked token. Requests act on the van; orders go to the van (the
customer is east of the shopfront's delivery radius), one per caller where a step changes it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http.conftest import bearer

CALLERS = ("admin", "staff_van", "staff_locker", "channel", "none", "revoked")
SKU = "{sku}"
CALLER = "{caller}"
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
        f"/api/v1/orders/matrix-{CALLER}/cancel",
        None,
        (200, 403, 403, 200, 401, 401),
    ),
}

CASES = [
    pytest.param(name, caller, expected[i], id=f"{name}-{caller}")
    for name, (_, _, _, expected) in ENDPOINTS.items()
    for i, caller in enumerate(CALLERS)
]


def _fill(value: Any, sku: str, caller: str = "") -> Any:
    if isinstance(value, str):
        return value.replace(SKU, sku).replace(CALLER, caller)
    if isinstance(value, dict):
        return {k: _fill(v, sku, caller) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, sku, caller) for v in value]
    return value


@pytest.fixture(scope="module")
def van_orders(shared_client: TestClient, shared_secrets: dict[str, str]) -> str:
    """One open van order per caller (matrix-<caller>) for the steps and cancels to act on."""
    admin = bearer(shared_secrets["admin"])
    sku = _van_sku(shared_client, admin)
    for caller in CALLERS:
        headers = {**admin, "Idempotency-Key": f"matrix-{caller}"}
        placed = shared_client.post("/api/v1/orders", json=_fill(ORDER, sku), headers=headers)
        assert placed.status_code == 201 and placed.json()["parts"][0]["node"] == "van"
    return sku


def _van_sku(client: TestClient, admin: dict[str, str]) -> str:
    van = client.get("/api/v1/stock", params={"node": "van"}, headers=admin).json()
    return str(max(van, key=lambda line: line["on_hand"])["sku"])


def _state(client: TestClient, admin: dict[str, str]) -> tuple[Any, ...]:
    """Everything a write could have changed."""
    heads = tuple(
        client.get(f"/api/v1/nodes/{n}/head", headers=admin).json()["head"]
        for n in ("van", "shopfront", "locker")
    )
    products = client.get("/api/v1/products", headers=admin).json()["total"]
    nodes = len(client.get("/api/v1/nodes", headers=admin).json())
    tokens = len(client.get("/api/v1/tokens", headers=admin).json())
    orders = client.get("/api/v1/orders", params={"open": False}, headers=admin).json()
    return heads, products, nodes, tokens, orders


@pytest.mark.parametrize(("endpoint", "caller", "expected"), CASES)
def test_each_caller_gets_exactly_its_access_and_a_refusal_writes_nothing(
    shared_client: TestClient,
    shared_secrets: dict[str, str],
    van_orders: str,
    endpoint: str,
    caller: str,
    expected: int,
) -> None:
    client, secrets = shared_client, shared_secrets
    admin = bearer(secrets["admin"])
    van = client.get("/api/v1/stock", params={"node": "van"}, headers=admin).json()
    sku = next(line["sku"] for line in van if line["on_hand"] > 1)
    sku = van_orders if endpoint == "place an order" else sku
    method, raw_path, body, _ = ENDPOINTS[endpoint]
    path = _fill(raw_path, sku, caller)
    headers = {} if caller == "none" else bearer(secrets[caller])
    headers = {**headers, "Idempotency-Key": f"placed-by-{caller}"}
    before = _state(client, admin)
    if isinstance(body, str):
        response = client.request(method, path, content=_fill(body, sku).encode(), headers=headers)
    else:
        response = client.request(method, path, json=_fill(body, sku), headers=headers)
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


def test_a_one_time_login_link_works_once(client: TestClient, secrets: dict[str, str]) -> None:
    hub = client.app.state.hub  # type: ignore[attr-defined]
    code = hub.logins.add(secrets["admin"])
    first = client.get(f"/login/once/{code}", follow_redirects=False)
    assert first.status_code == 303 and "httponly" in first.headers["set-cookie"].lower()
    client.cookies.clear()
    assert client.get(f"/login/once/{code}", follow_redirects=False).status_code == 401
