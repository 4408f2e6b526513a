"""A kit holds no stock of its own (ADR 0009), through the HTTP API on an embedded hub and on a
PostgreSQL one: goods received, imported, counted or sent under a kit's SKU are refused with
the message the command line gives; a product with stock of its own is not made a kit; a sold
kit comes back as its parts."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import bearer
from tests.http.test_api_kits_purchasing import KIT, PARTS, _call, _on_hand, api

__all__ = ["api"]  # the fixture: an embedded hub and a PostgreSQL one

PART_SKUS = "(BAR-SOAP, TIN-BALM, BAG-COTTON)"


def _refused(answer: Any, act: str) -> None:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "kit_holds_no_stock"
    assert error["message"] == (
        f"{KIT} is a kit: it holds no stock of its own; {act} its parts instead {PART_SKUS}"
    )


def test_goods_under_a_kits_sku_are_refused_at_every_stock_route(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    before = _on_hand(client, admin)
    _refused(
        _call(client, "POST", "/nodes/shop/receive", admin, json={"sku": KIT, "quantity": 3}),
        "receive",
    )
    body = f"sku,quantity\nBAR-SOAP,1\n{KIT},3\n".encode()
    _refused(_call(client, "POST", "/nodes/shop/stock/import", admin, content=body), "receive")
    counted = {"sku": KIT, "counted": 2}
    _refused(_call(client, "POST", "/nodes/shop/count", admin, json=counted), "count")
    moved = {"sku": KIT, "quantity": 1, "to": "van"}
    _refused(_call(client, "POST", "/nodes/shop/transfers", admin, json=moved), "transfer")
    asked = {"sender": "shop", "receiver": "van", "lines": [{"sku": KIT, "quantity": 1}]}
    _refused(_call(client, "POST", "/transfers", admin, json=asked), "transfer")
    assert _on_hand(client, admin) == before
    assert _on_hand(client, admin, "van") == {}


def test_a_product_with_stock_of_its_own_is_not_made_a_kit(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    _call(client, "POST", "/nodes/van/receive", admin, json={"sku": KIT, "quantity": 2})
    made = _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS})
    assert made.status_code == 409, made.text
    assert made.json()["error"]["code"] == "held_of_its_own"
    assert made.json()["error"]["message"].startswith(f"{KIT} has 2 on hand at van: ")
    assert _call(client, "GET", "/kits", admin).json() == []
    gone = {"sku": KIT, "quantity": 2, "reference": "unboxed"}
    assert _call(client, "POST", "/nodes/van/write-off", admin, json=gone).status_code == 200
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200


def test_a_sold_kit_returned_by_its_sku_comes_back_as_its_parts(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    desk = {"code": "desk", "kind": "store", "name": "desk", "lat": 51.5, "lon": -0.1}
    assert (
        _call(
            client, "POST", "/nodes", admin, json={**desk, "capabilities": {"return_point": True}}
        ).status_code
        == 201
    )
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    sale = {"quantity": 1, "reference": "till:3"}
    assert (
        _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", admin, json=sale).status_code == 200
    )
    back = {
        "sold_at": "shop",
        "reference": "till:3",
        "lines": [{"sku": KIT, "quantity": 1}],
        "reason": "changed-mind",
    }
    opened = _call(client, "POST", "/returns", admin, json=back)
    assert opened.status_code == 201, opened.text
    assert {(ln["sku"], ln["quantity"]) for ln in opened.json()["lines"]} == {
        ("BAR-SOAP", 2),
        ("TIN-BALM", 1),
        ("BAG-COTTON", 1),
    }


def test_a_kits_own_barcode_scanned_at_check_in_checks_in_its_parts(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    # the return point is there before the barcode: the hub's catalog reads the scan
    desk = {"code": "desk", "kind": "store", "name": "desk", "lat": 51.5, "lon": -0.1}
    point = {**desk, "capabilities": {"return_point": True}}
    assert _call(client, "POST", "/nodes", admin, json=point).status_code == 201
    barcoded = f"sku,gtin,title,price,currency\n{KIT},05069412000041,Zero-waste kit,30.00,GBP\n"
    made = _call(client, "POST", "/catalog/import", admin, content=barcoded.encode())
    assert made.status_code == 200, made.text
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    sale = {"quantity": 1, "reference": "till:4"}
    assert (
        _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", admin, json=sale).status_code == 200
    )
    back = {
        "sold_at": "shop",
        "reference": "till:4",
        "lines": [{"sku": KIT, "quantity": 1}],
        "reason": "changed-mind",
    }
    opened = _call(client, "POST", "/returns", admin, json=back)
    assert opened.status_code == 201, opened.text
    rid = opened.json()["id"]
    scan = {"scan": "5069412000041"}
    checked = _call(client, "POST", f"/returns/{rid}/check-in", admin, json=scan)
    assert checked.status_code == 200, checked.text
    assert {(ln["sku"], ln["received"]) for ln in checked.json()["lines"]} == {
        ("BAR-SOAP", 2),
        ("TIN-BALM", 1),
        ("BAG-COTTON", 1),
    }
    again = _call(client, "POST", f"/returns/{rid}/check-in", admin, json=scan)
    assert again.status_code == 409, again.text
