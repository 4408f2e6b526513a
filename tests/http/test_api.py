"""The API through an in-process client on a real SQLite workspace (the demo shop)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http.conftest import bearer


@pytest.fixture
def admin(client: TestClient, secrets: dict[str, str]) -> TestClient:
    client.headers.update(bearer(secrets["admin"]))
    return client


def a_stocked_line(client: TestClient, node: str) -> dict[str, Any]:
    lines = client.get("/api/v1/stock", params={"node": node}).json()
    return next(line for line in lines if line["on_hand"] >= 2)


def test_nodes_list_the_demo_shops_nodes_and_its_popup(admin: TestClient) -> None:
    response = admin.get("/api/v1/nodes")
    assert response.status_code == 200
    assert [n["code"] for n in response.json()] == ["locker", "market-stall", "shopfront", "van"]


def test_an_admin_adds_a_node_and_a_duplicate_is_a_conflict(admin: TestClient) -> None:
    body = {"code": "bench", "kind": "bench", "name": "Maker's bench", "lat": 51.5, "lon": -0.1}
    created = admin.post("/api/v1/nodes", json=body)
    assert created.status_code == 201
    assert created.json()["opening_hours"].startswith("0 00:00-23:59")
    assert admin.get("/api/v1/nodes/bench").json()["name"] == "Maker's bench"
    again = admin.post("/api/v1/nodes", json=body)
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "duplicate_node",
        "message": "a node with code 'bench' already exists",
        "data": {"node": "bench"},
    }


def test_products_are_paged_in_sku_order_by_cursor_with_a_total(admin: TestClient) -> None:
    first = admin.get("/api/v1/products", params={"limit": 10}).json()
    second = admin.get(first["next"]).json()
    assert (
        second
        == admin.get(
            "/api/v1/products", params={"limit": 10, "cursor": first["next_cursor"]}
        ).json()
    )
    assert first["next_cursor"] == first["items"][-1]["sku"]
    assert first["total"] == second["total"] > 20
    skus = [p["sku"] for p in first["items"] + second["items"]]
    assert skus == sorted(skus) and len(set(skus)) == 20
    last = admin.get("/api/v1/products", params={"limit": 500}).json()
    assert last["next"] is None and last["next_cursor"] is None
    assert len(last["items"]) == last["total"]


def test_products_filter_by_text_category_and_gtin(admin: TestClient) -> None:
    some = admin.get("/api/v1/products", params={"limit": 200}).json()["items"]
    product = next(p for p in some if p["gtin"])
    word = product["title"].split()[0].lower()
    by_text = admin.get("/api/v1/products", params={"q": word, "limit": 500}).json()
    assert by_text["items"] and all(
        word in p["title"].lower() or word in p["sku"].lower() for p in by_text["items"]
    )
    by_category = admin.get("/api/v1/products", params={"category": product["category"]}).json()
    assert {p["category"] for p in by_category["items"]} == {product["category"]}
    by_gtin = admin.get("/api/v1/products", params={"gtin": product["gtin"]}).json()
    assert [p["sku"] for p in by_gtin["items"]] == [product["sku"]]


def test_products_filter_by_the_gtin_as_printed_under_its_barcode(admin: TestClient) -> None:
    """The 13 digits under an EAN-13 (an ISBN-13 on a book's back) found nothing: the filter
    took only the 14 digits the catalog stores."""
    some = admin.get("/api/v1/products", params={"limit": 200}).json()["items"]
    product = next(p for p in some if p["gtin"] and p["gtin"].startswith("0"))
    printed = product["gtin"][1:]
    by_gtin = admin.get("/api/v1/products", params={"gtin": printed}).json()
    assert [p["sku"] for p in by_gtin["items"]] == [product["sku"]]


def test_a_product_is_found_by_sku_and_a_scanned_code_by_sku_or_gtin(admin: TestClient) -> None:
    product = next(
        p for p in admin.get("/api/v1/products", params={"limit": 200}).json()["items"] if p["gtin"]
    )
    assert admin.get(f"/api/v1/products/{product['sku']}").json() == product
    assert admin.get(f"/api/v1/codes/{product['sku']}").json()["sku"] == product["sku"]
    assert admin.get(f"/api/v1/codes/{product['gtin']}").json()["sku"] == product["sku"]
    missing = admin.get("/api/v1/products/NOPE-1")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_sku"
    assert admin.get("/api/v1/codes/NOPE-1").status_code == 404


def test_the_catalog_exports_and_imports_back_as_plain_csv(admin: TestClient) -> None:
    exported = admin.get("/api/v1/catalog/export")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    report = admin.post(
        "/api/v1/catalog/import", content=exported.content, headers={"Content-Type": "text/csv"}
    )
    assert report.status_code == 200
    total = admin.get("/api/v1/products").json()["total"]
    assert report.json() == {"created": 0, "updated": total, "skipped": []}


def test_a_catalog_file_with_a_bad_row_changes_nothing(admin: TestClient) -> None:
    before = admin.get("/api/v1/products").json()["total"]
    csv = "sku,title,price,currency\nNEW-1,New mug,12.00,GBP\nNEW-2,,oops,GBP\n"
    refused = admin.post("/api/v1/catalog/import", content=csv.encode())
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "import_rejected" and error["data"]["errors"][0]["row"] == 3
    assert admin.get("/api/v1/products").json()["total"] == before
    skipped = admin.post(
        "/api/v1/catalog/import", params={"skip_bad_rows": True}, content=csv.encode()
    )
    assert skipped.json()["created"] == 1 and len(skipped.json()["skipped"]) >= 1


def test_stock_lines_page_with_the_total_in_a_header(admin: TestClient) -> None:
    everything = admin.get("/api/v1/stock")
    total = int(everything.headers["x-total-count"])
    assert total == len(everything.json()) > 200
    page = admin.get("/api/v1/stock", params={"offset": 10, "limit": 5})
    assert page.json() == everything.json()[10:15]
    assert page.headers["x-total-count"] == str(total)


def test_receive_then_sell_moves_on_hand_and_the_ledger(admin: TestClient) -> None:
    line = a_stocked_line(admin, "van")
    sku, before = line["sku"], line["on_hand"]
    received = admin.post("/api/v1/nodes/van/receive", json={"sku": sku, "quantity": 3})
    assert received.status_code == 200
    assert received.json()["kind"] == "receive" and received.json()["quantity"] == 3
    assert received.json()["actor"].startswith("admin (tok_")
    sold = admin.post("/api/v1/nodes/van/sell", json={"sku": sku, "quantity": 2, "reference": "r1"})
    assert sold.json()["quantity"] == -2 and sold.json()["seq"] == received.json()["seq"] + 1
    (after,) = admin.get("/api/v1/stock", params={"node": "van", "sku": sku}).json()
    assert after.pop("online") <= after["on_hand"]
    assert after == {"sku": sku, "title": line["title"], "node": "van", "on_hand": before + 1}


def test_selling_more_than_on_hand_is_a_conflict_carrying_the_numbers(admin: TestClient) -> None:
    line = a_stocked_line(admin, "locker")
    response = admin.post(
        "/api/v1/nodes/locker/sell", json={"sku": line["sku"], "quantity": line["on_hand"] + 1}
    )
    assert response.status_code == 409
    assert response.json()["error"]["data"] == {
        "sku": line["sku"],
        "node": "locker",
        "requested": line["on_hand"] + 1,
        "available": line["on_hand"],
    }


def test_write_off_count_and_transfer_record_their_movements(admin: TestClient) -> None:
    line = a_stocked_line(admin, "shopfront")
    sku, on_hand = line["sku"], line["on_hand"]
    off = admin.post("/api/v1/nodes/shopfront/write-off", json={"sku": sku, "quantity": 1})
    assert off.json()["kind"] == "write-off"
    counted = admin.post("/api/v1/nodes/shopfront/count", json={"sku": sku, "counted": on_hand})
    assert counted.json()["variance"] == 1 and counted.json()["adjustment"]["quantity"] == 1
    moved = admin.post(
        "/api/v1/nodes/shopfront/transfers", json={"to": "locker", "sku": sku, "quantity": 1}
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["receiver"], moved.json()["state"]) == ("locker", "received")


def test_a_stock_file_sets_on_hand_and_exports_back(admin: TestClient) -> None:
    line = a_stocked_line(admin, "van")
    body = f"sku,quantity\n{line['sku']},{line['on_hand'] + 5}\n".encode()
    made = admin.post("/api/v1/nodes/van/stock/import", content=body)
    assert made.status_code == 200 and made.json()["movements"][0]["quantity"] == 5
    exported = admin.get("/api/v1/nodes/van/stock/export").text
    assert f"{line['sku']},{line['on_hand'] + 5}" in exported.splitlines()


def test_movements_after_a_position_poll_with_an_etag(admin: TestClient) -> None:
    head = admin.get("/api/v1/nodes/van/head").json()["head"]
    page = admin.get("/api/v1/nodes/van/movements", params={"after": head - 3})
    assert [m["seq"] for m in page.json()["items"]] == [head - 2, head - 1, head]
    assert page.json()["next_after"] == head
    etag = page.headers["etag"]
    unchanged = admin.get(
        "/api/v1/nodes/van/movements", params={"after": head - 3}, headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    sku = a_stocked_line(admin, "van")["sku"]
    admin.post("/api/v1/nodes/van/receive", json={"sku": sku, "quantity": 1})
    changed = admin.get(
        "/api/v1/nodes/van/movements", params={"after": head - 3}, headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.json()["head"] == head + 1


def test_tokens_are_issued_listed_and_revoked_over_the_api(admin: TestClient) -> None:
    issued = admin.post("/api/v1/tokens", json={"role": "staff", "node": "van", "label": "p"})
    assert issued.status_code == 201 and issued.json()["secret"].startswith("mi_")
    listed = admin.get("/api/v1/tokens").json()
    assert issued.json()["id"] in {t["id"] for t in listed}
    assert all("secret" not in t for t in listed)
    revoked = admin.delete(f"/api/v1/tokens/{issued.json()['id']}")
    assert revoked.json()["revoked_at"] is not None
    used = admin.get("/api/v1/nodes/van/head", headers=bearer(issued.json()["secret"]))
    assert used.status_code == 401 and used.json()["error"]["message"].endswith("revoked")


def test_the_openapi_document_describes_every_api_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/nodes/{node}/movements" in document["paths"]
    for path in ("/api/v1/kits/{sku}", "/api/v1/purchase-orders/{ident}/receipts"):
        assert path in document["paths"]
    public = {"/products/{handle}", "/stores/{node}", "/feeds/{name}"}  # what channels point to
    assert public <= set(document["paths"])
    assert all(path.startswith("/api/v1/") or path in public for path in document["paths"])
    assert "HTTPBearer" in document["components"]["securitySchemes"]
