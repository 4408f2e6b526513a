"""A walk-in sale made without a reference comes back through the HTTP API, on an embedded hub
and on a PostgreSQL one, by the `seq` its /sell answered; a sale returned under its reference
and its place never takes back more than it sold."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import bearer
from tests.http.test_api_kits_purchasing import KIT, PARTS, _call, api

__all__ = ["api"]  # the fixture: an embedded hub and a PostgreSQL one

SOAP = "BAR-SOAP"  # the shop holds 10


def _desk(client: Any, admin: dict[str, str]) -> None:
    desk = {"code": "desk", "kind": "store", "name": "desk", "lat": 51.5, "lon": -0.1}
    point = {**desk, "capabilities": {"return_point": True}}
    assert _call(client, "POST", "/nodes", admin, json=point).status_code == 201


def _sell(client: Any, admin: dict[str, str], units: int, reference: str = "") -> int:
    body = {"sku": SOAP, "quantity": units, "reference": reference}
    sold = _call(client, "POST", "/nodes/shop/sell", admin, json=body)
    assert sold.status_code == 200, sold.text
    return int(sold.json()["seq"])


def _back(client: Any, admin: dict[str, str], units: int, **origin: Any) -> Any:
    body = {
        "sold_at": "shop",
        "lines": [{"sku": SOAP, "quantity": units}],
        "reason": "changed-mind",
        **origin,
    }
    return _call(client, "POST", "/returns", admin, json=body)


def test_a_sale_made_without_a_reference_is_returned_by_its_place(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    _desk(client, admin)
    seq = _sell(client, admin, 2)
    opened = _back(client, admin, 1, sale=seq)
    assert opened.status_code == 201, opened.text
    assert (opened.json()["sale"], opened.json()["reference"]) == (seq, "")
    shown = _call(client, "GET", f"/returns/{opened.json()['id']}", admin).json()
    assert shown["sale"] == seq
    more = _back(client, admin, 2, sale=seq)
    assert more.status_code == 409, more.text
    assert more.json()["error"]["message"] == (
        f"{SOAP}: 3 returned against 'shop#{seq}' at shop, but only 2 sold under it"
    )
    missing = _back(client, admin, 1, sale=seq + 50)
    assert missing.status_code == 404, missing.text
    assert missing.json()["error"]["code"] == "no_such_sale"
    both = _back(client, admin, 1, sale=seq, reference="till:1")
    assert both.status_code == 422, both.text
    typed = _back(client, admin, 1, reference=f"shop#{seq}")  # never read as the place
    assert typed.status_code == 409, typed.text


def test_a_sale_returned_by_its_reference_and_its_place_mints_no_stock(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    _desk(client, admin)
    seq = _sell(client, admin, 1, "till:2")
    assert _back(client, admin, 1, reference="till:2").status_code == 201
    twice = _back(client, admin, 1, sale=seq)
    assert twice.status_code == 409, twice.text
    assert twice.json()["error"]["code"] == "return_exceeds_sale"


def test_a_kit_sold_without_a_reference_is_returned_by_its_place(api: Any) -> None:
    """A kit sale answers one movement a part; its first part's seq names the whole sale
    (the staff page prints it), and the kit comes back by it as its parts, never more than
    were sold."""
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    _desk(client, admin)
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    sold = _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", admin, json={"quantity": 1})
    assert sold.status_code == 200, sold.text
    seq = min(int(m["seq"]) for m in sold.json())
    later = _call(client, "POST", f"/nodes/shop/kits/{KIT}/sell", admin, json={"quantity": 1})
    assert later.status_code == 200, later.text
    body = {"sold_at": "shop", "sale": seq, "reason": "changed-mind"}
    kit = _call(
        client, "POST", "/returns", admin, json={**body, "lines": [{"sku": KIT, "quantity": 1}]}
    )
    assert kit.status_code == 201, kit.text
    assert sorted((x["sku"], x["quantity"]) for x in kit.json()["lines"]) == [
        ("BAG-COTTON", 1),
        ("BAR-SOAP", 2),
        ("TIN-BALM", 1),
    ]
    again = _call(
        client, "POST", "/returns", admin, json={**body, "lines": [{"sku": KIT, "quantity": 1}]}
    )
    assert again.status_code == 409, again.text  # the other kit sale is not this one's
    part = {"sku": "TIN-BALM", "quantity": 1}
    assert (
        _call(client, "POST", "/returns", admin, json={**body, "lines": [part]}).status_code == 409
    )
