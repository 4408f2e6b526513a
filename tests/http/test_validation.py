"""Bad requests get a 4xx with the API's error body and a clear message, and write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.entrypoints.http.app import BODY_LIMIT, IMPORT_LIMIT
from microindex.entrypoints.http.errors import STATUS
from tests.http.conftest import bearer


@pytest.fixture(scope="module")
def api(shared_client: TestClient, shared_secrets: dict[str, str]) -> TestClient:
    shared_client.headers.update(bearer(shared_secrets["admin"]))
    return shared_client


@pytest.fixture(scope="module")
def sku(api: TestClient) -> str:
    lines = api.get("/api/v1/stock", params={"node": "van"}).json()
    return str(next(line["sku"] for line in lines if line["on_hand"] > 0))


def heads(api: TestClient) -> list[int]:
    return [api.get(f"/api/v1/nodes/{n}/head").json()["head"] for n in ("van", "locker")]


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ({"sku": "{sku}", "quantity": -2}, "body.quantity", "greater than 0"),
        ({"sku": "{sku}", "quantity": 0}, "body.quantity", "greater than 0"),
        ({"sku": "{sku}", "quantity": 10**9}, "body.quantity", "less than or equal"),
        ({"sku": "{sku}", "quantity": "3"}, "body.quantity", "valid integer"),
        ({"sku": "{sku}", "quantity": 2.5}, "body.quantity", "valid integer"),
        ({"sku": "{sku}", "quantity": True}, "body.quantity", "valid integer"),
        ({"sku": "{sku}", "quantity": None}, "body.quantity", "valid integer"),
        ({"sku": "{sku}"}, "body.quantity", "Field required"),
        ({"sku": 12, "quantity": 1}, "body.sku", "valid string"),
        ({"sku": "x" * 65, "quantity": 1}, "body.sku", "should match pattern"),
        ({"sku": "bad sku!", "quantity": 1}, "body.sku", "should match pattern"),
        ({"sku": "{sku}", "quantity": 1, "actor": "me"}, "body.actor", "Extra inputs"),
        ([1, 2], "body", "valid dictionary"),
    ],
)
def test_an_invalid_movement_is_a_422_naming_the_field_and_nothing_is_written(
    api: TestClient, sku: str, body: Any, where: str, says: str
) -> None:
    before = heads(api)
    if isinstance(body, dict) and body.get("sku") == "{sku}":
        body = {**body, "sku": sku}
    error = refused(api.post("/api/v1/nodes/van/receive", json=body), 422, "invalid_request")
    assert error["message"].startswith(where) and says in error["message"]
    assert heads(api) == before


def test_malformed_json_is_a_422(api: TestClient) -> None:
    response = api.post(
        "/api/v1/nodes/van/sell", content=b'{"sku": ', headers={"Content-Type": "application/json"}
    )
    refused(response, 422, "invalid_request")


def test_the_schema_states_the_domains_rules_for_codes() -> None:
    from microindex.domain import codes
    from microindex.entrypoints.http import schemas

    assert codes._SKU.pattern == schemas.SKU_PATTERN
    assert codes._NODE.pattern == schemas.NODE_PATTERN


def test_a_value_the_domain_refuses_is_a_422_invalid_value(api: TestClient) -> None:
    body = {"code": "pop", "kind": "popup", "name": "P", "lat": 1.0, "lon": 1.0}
    error = refused(
        api.post("/api/v1/nodes", json={**body, "opening_hours": "0 18:00-09:00"}),
        422,
        "invalid_value",
    )
    assert error["data"]["field"] == "opening_hours"


def test_unknown_skus_and_nodes_are_404s(api: TestClient) -> None:
    before = heads(api)
    refused(
        api.post("/api/v1/nodes/van/receive", json={"sku": "NOPE-404", "quantity": 1}),
        404,
        "unknown_sku",
    )
    refused(
        api.post("/api/v1/nodes/atlantis/receive", json={"sku": "NOPE-404", "quantity": 1}),
        404,
        "unknown_node",
    )
    assert heads(api) == before


def test_a_transfer_to_an_unknown_node_debits_nobody(api: TestClient, sku: str) -> None:
    before = heads(api)
    response = api.post(
        "/api/v1/nodes/van/transfers", json={"to": "atlantis", "sku": sku, "quantity": 1}
    )
    refused(response, 404, "unknown_node")
    assert heads(api) == before


def test_a_json_body_over_the_limit_is_a_413_before_anything_is_parsed(api: TestClient) -> None:
    before = heads(api)
    huge = b'{"sku": "' + b"A" * (BODY_LIMIT + 1) + b'", "quantity": 1}'
    error = refused(
        api.post(
            "/api/v1/nodes/van/receive", content=huge, headers={"Content-Type": "application/json"}
        ),
        413,
        "body_too_large",
    )
    assert error["data"] == {"limit": BODY_LIMIT}
    assert heads(api) == before


def test_a_chunked_body_over_the_limit_is_a_413(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sku": "'
        for _ in range(BODY_LIMIT // 1024 + 1):
            yield b"A" * 1024
        yield b'", "quantity": 1}'

    response = api.post(
        "/api/v1/nodes/van/receive", content=chunks(), headers={"Content-Type": "application/json"}
    )
    refused(response, 413, "body_too_large")


def test_an_import_may_be_larger_than_json_but_not_unbounded(api: TestClient) -> None:
    before = api.get("/api/v1/products").json()["total"]
    rows = "".join(f"BIG-{i},Big {i},1.00,GBP\n" for i in range(4000))
    body = ("sku,title,price,currency\n" + rows).encode()
    assert BODY_LIMIT < len(body) < IMPORT_LIMIT
    assert api.post("/api/v1/catalog/import", content=body).json()["created"] == 4000
    over = b"sku,title,price,currency\n" + b"x" * IMPORT_LIMIT
    refused(api.post("/api/v1/catalog/import", content=over), 413, "body_too_large")
    assert api.get("/api/v1/products").json()["total"] == before + 4000


def test_bad_query_parameters_are_422s(api: TestClient) -> None:
    refused(api.get("/api/v1/products", params={"limit": 0}), 422, "invalid_request")
    refused(api.get("/api/v1/products", params={"limit": "x"}), 422, "invalid_request")
    refused(api.get("/api/v1/nodes/van/movements", params={"after": -1}), 422, "invalid_request")


def test_unknown_routes_and_methods_answer_in_the_same_error_shape(api: TestClient) -> None:
    refused(api.get("/api/v1/nowhere"), 404, "not_found")
    refused(api.delete("/api/v1/nodes"), 405, "method_not_allowed")


def test_every_domain_error_the_api_can_raise_has_a_status_in_the_one_table() -> None:
    from microindex.domain import access, errors
    from microindex.service import catalog, resolver

    modules = {m.__name__ for m in (access, errors, catalog, resolver)}

    def subclasses(cls: type[object]) -> Iterator[type[object]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    raised = {c for c in subclasses(errors.DomainError) if c.__module__ in modules}
    assert raised <= set(STATUS), sorted(c.__name__ for c in raised - set(STATUS))
