"""The API refuses an unknown node or SKU in the words the CLI uses (issue 22), with the
near misses as data, and creates nothing."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.e2e.test_cli_mistakes import NO_NODE, NO_SKU
from tests.http.conftest import bearer

ASKED = {
    "a transfer to a node that does not exist": (
        "/api/v1/transfers",
        {"sender": "shopfront", "receiver": "lockr", "lines": [{"sku": "MUG-TIDE-350", "quantity": 1}]},
        NO_NODE,
    ),
    "a transfer of a SKU that does not exist": (
        "/api/v1/transfers",
        {"sender": "shopfront", "receiver": "locker", "lines": [{"sku": "MUG-TYDE-350", "quantity": 1}]},
        NO_SKU,
    ),
    "a walk-in sale of a mistyped SKU": (
        "/api/v1/nodes/van/sell",
        {"sku": "MUG-TYDE-350", "quantity": 1},
        NO_SKU,
    ),
    "an order to collect at a node that does not exist": (
        "/api/v1/orders",
        {"lines": [{"sku": "MUG-TIDE-350", "quantity": 1}], "method": "pickup", "pickup_node": "lockr"},
        NO_NODE,
    ),
    "a pop-up closed that does not exist": ("/api/v1/popups/lockr/close", {}, NO_NODE),
    "a pop-up planned that does not exist": ("/api/v1/popups/lockr/plan", {}, NO_NODE),
    "a transfer at once of a SKU that does not exist": (
        "/api/v1/nodes/shopfront/transfers",
        {"to": "locker", "sku": "MUG-TYDE-350", "quantity": 1},
        NO_SKU,
    ),
    "a pickup put in a locker that does not exist": (
        "/api/v1/nodes/lockr/pickups",
        {"order": "o-anything"},
        NO_NODE,
    ),
    "pruning accepted at a node that does not exist": (
        "/api/v1/pruning/accept",
        {"only": [{"node": "lockr", "sku": "MUG-TIDE-350"}]},
        NO_NODE,
    ),
    "pruning accepted of a SKU that does not exist": (
        "/api/v1/pruning/accept",
        {"only": [{"node": "shopfront", "sku": "MUG-TYDE-350"}]},
        NO_SKU,
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", sorted(ASKED))
def test_a_mistake_is_refused_as_the_cli_says_it(
    client: TestClient, secrets: dict[str, str], mistake: str
) -> None:
    path, body, message = ASKED[mistake]
    admin = bearer(secrets["admin"])
    transfers_before = client.get("/api/v1/transfers", headers=admin).json()
    response = client.post(path, json=body, headers={**admin, "Idempotency-Key": "typo-1"})
    assert response.status_code == 404, response.text
    error: dict[str, Any] = response.json()["error"]
    assert message in error["message"]
    assert error["data"]["near"]  # the near misses, for a client to offer
    assert client.get("/api/v1/transfers", headers=admin).json() == transfers_before


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("MUG-TYDE-350", 404, NO_SKU),  # a SKU typed on the staff page
        ("https://id.gs1.org/01/05069412000011", 422, "(01): check digit is 1, expected 0"),
        ("https://id.gs1.org/01/05069412000010?17=271399", 422, "(17): month is 01-12"),
    ],
)
def test_a_code_looked_up_is_refused_as_the_cli_says_it(
    client: TestClient, secrets: dict[str, str], code: str, status: int, message: str
) -> None:
    """What the staff page shows for a code it cannot find: the near misses of a mistyped
    SKU, and what is wrong with a scan (as `labels resolve` says), not "no product with SKU
    'https://...'"."""
    response = client.get(
        f"/api/v1/codes/{quote(code, safe='')}", headers=bearer(secrets["staff_van"])
    )
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/returns/R-shopfront-99999", None),
        ("POST", "/api/v1/returns/R-shopfront-99999/check-in", {"scan": "MUG-TIDE-350"}),
        (
            "POST",
            "/api/v1/returns/R-lockr-00001/disposition",
            {"sku": "MUG-TIDE-350", "condition": "as-new"},
        ),
    ],
)
def test_a_return_that_does_not_exist_is_not_found(
    client: TestClient, secrets: dict[str, str], method: str, path: str, body: Any
) -> None:
    response = client.request(method, path, json=body, headers=bearer(secrets["admin"]))
    assert response.status_code == 404, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "unknown_return"
    assert error["message"] == f"return {path.split('/')[4]}: no such return"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/returns?node=lockr", "/api/v1/nodes/lockr/targets", "/api/v1/nodes/lockr/triage"],
)
def test_a_node_that_does_not_exist_is_named_with_its_near_misses(
    client: TestClient, secrets: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=bearer(secrets["admin"]))
    assert response.status_code == 404, response.text
    assert NO_NODE in response.json()["error"]["message"]


SKU = "MUG-TIDE-350"
BODIES: dict[str, Any] = {
    "/api/v1/nodes/{node}/receive": {"sku": SKU, "quantity": 1},
    "/api/v1/nodes/{node}/sell": {"sku": SKU, "quantity": 1},
    "/api/v1/nodes/{node}/write-off": {"sku": SKU, "quantity": 1},
    "/api/v1/nodes/{node}/count": {"sku": SKU, "counted": 1},
    "/api/v1/nodes/{node}/transfers": {"to": "locker", "sku": SKU, "quantity": 1},
    "/api/v1/nodes/{node}/compartments/{code}": {"length_mm": 300, "width_mm": 200, "height_mm": 100},
    "/api/v1/nodes/{node}/pickups": {"order": "o-anything"},
    "/api/v1/nodes/{node}/pickups/collect": {"code": "123456"},
    "/api/v1/nodes/{node}/rounds/{day}": {
        "stops": [{"arrives": "2026-12-08T09:00:00Z", "leaves": "2026-12-08T10:00:00Z", "lat": 51.5, "lon": -0.1}],
    },
    "/api/v1/nodes/{node}/service-area": {"lat": 51.5, "lon": -0.1, "radius_km": 5},
    "/api/v1/nodes/{node}/closeout": {"counts": [{"sku": SKU, "quantity": 1}]},
    "/api/v1/nodes/{node}/packages/{code}": {
        "length_mm": 300, "width_mm": 200, "height_mm": 100, "max_weight_g": 5000, "cost": "0.50",
    },
    "/api/v1/nodes/{node}/reorder-points/{sku}": {"point": 2},
}  # fmt: skip
QUERIES = {"/api/v1/nodes/{node}/meet": "?lat=51.5&lon=-0.1"}
FILLED = {"{sku}": SKU, "{code}": "S9", "{day}": "2026-12-08", "{node}": "lockr"}


def test_every_route_of_a_node_refuses_one_nobody_registered_in_the_same_words(
    client: TestClient, secrets: dict[str, str]
) -> None:
    """Swept from the OpenAPI document, so a route added later is held to it too: a node
    code nobody registered is 404 with the CLI's words and near misses, before anything
    else is looked at (a reorder point said "no reorder point for ... at 'lockr'")."""
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes = [(m.upper(), path) for path, ops in paths.items() if "{node}" in path for m in ops]
    admin = {**bearer(secrets["admin"]), "Idempotency-Key": "sweep-1"}
    wrong = []
    for method, path in routes:
        url = path
        for name, value in FILLED.items():
            url = url.replace(name, value)
        body = BODIES.get(path, {}) if method in ("POST", "PUT", "PATCH") else None
        response = client.request(method, url + QUERIES.get(path, ""), json=body, headers=admin)
        said = html.unescape(response.text)  # a JSON error, or a page saying it
        if response.status_code != 404 or NO_NODE not in said:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:160]}")
    assert len(routes) > 30
    assert not wrong, "\n".join(wrong)


def test_every_list_filtered_by_a_node_refuses_one_nobody_registered(
    client: TestClient, secrets: dict[str, str]
) -> None:
    """Swept from the OpenAPI document: a route whose `node` query names a node nobody
    registered says so in the CLI's words (orders and transfers answered an empty list, so a
    mistyped node looked like one with nothing going on)."""
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes = [
        path
        for path, ops in paths.items()
        if "get" in ops
        and any(
            p["name"] == "node" and p["in"] == "query" for p in ops["get"].get("parameters", [])
        )
    ]
    asked = {"/api/v1/search/near": "&lat=51.5&lon=-0.1", "/api/v1/voice": "&lat=51.5&lon=-0.1"}
    wrong = []
    for path in routes:
        url = path.replace("{sku}", "MUG-TIDE-350") + "?node=lockr" + asked.get(path, "")
        response = client.get(url, headers=bearer(secrets["admin"]))
        if response.status_code != 404 or NO_NODE not in response.text:
            wrong.append(f"GET {path}: {response.status_code} {response.text[:160]}")
    assert len(routes) >= 6, routes
    assert not wrong, "\n".join(wrong)


def test_the_stock_of_a_sku_that_does_not_exist_is_refused(
    client: TestClient, secrets: dict[str, str]
) -> None:
    """A mistyped SKU in `/api/v1/stock?sku=` is named with its near misses (it answered an
    empty list, as if the shop held none of a product it has)."""
    response = client.get("/api/v1/stock?sku=MUG-TYDE-350", headers=bearer(secrets["admin"]))
    assert response.status_code == 404, response.text
    assert NO_SKU in response.json()["error"]["message"]
