"""A pop-up after its last day, through the HTTP API on an embedded hub and on a PostgreSQL
one: a walk-in sale (of a product or a kit), goods received there and transfers to it are
refused (409 popup_closed) in the command line's words; what is left still goes home."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import bearer
from tests.http.test_api_kits_purchasing import KIT, PARTS, _call, _on_hand, api

__all__ = ["api"]  # the fixture: an embedded hub and a PostgreSQL one

SAID = "stall is a pop-up that closed on 2026-11-22: it cannot"


def _refused(answer: Any, act: str) -> None:
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "popup_closed"
    assert error["message"] == f"{SAID} {act} after it closed (give it new dates first: popup add)"


def test_a_closed_pop_up_sells_nothing_and_takes_nothing_in(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    stall = {"code": "stall", "kind": "popup", "name": "Stall", "lat": 51.51, "lon": -0.09}
    assert _call(client, "POST", "/nodes", admin, json=stall).status_code == 201
    dates = {"node": "stall", "home": "shop", "opens_on": "2026-11-20"}
    added = _call(client, "POST", "/popups", admin, json={**dates, "closes_on": "2026-11-30"})
    assert added.status_code == 201, added.text
    for sku in ("BAR-SOAP", "TIN-BALM", "BAG-COTTON"):
        body = {"sku": sku, "quantity": 2, "to": "stall"}
        assert _call(client, "POST", "/nodes/shop/transfers", admin, json=body).status_code == 200
    assert _call(client, "PUT", f"/kits/{KIT}", admin, json={"parts": PARTS}).status_code == 200
    closed = _call(client, "POST", "/popups", admin, json={**dates, "closes_on": "2026-11-22"})
    assert closed.status_code == 201, closed.text

    sale = {"sku": "BAR-SOAP", "quantity": 1}
    _refused(_call(client, "POST", "/nodes/stall/sell", admin, json=sale), "sell")
    kit = _call(client, "POST", f"/nodes/stall/kits/{KIT}/sell", admin, json={"quantity": 1})
    _refused(kit, "sell")
    _refused(_call(client, "POST", "/nodes/stall/receive", admin, json=sale), "receive goods")
    sent = {"sku": "BAR-SOAP", "quantity": 1, "to": "stall"}
    _refused(_call(client, "POST", "/nodes/shop/transfers", admin, json=sent), "take in a transfer")
    asked = {"sender": "shop", "receiver": "stall", "lines": [{"sku": "BAR-SOAP", "quantity": 1}]}
    _refused(_call(client, "POST", "/transfers", admin, json=asked), "take in a transfer")
    assert _on_hand(client, admin, "stall") == {"BAR-SOAP": 2, "TIN-BALM": 2, "BAG-COTTON": 2}
    home = {"sku": "BAR-SOAP", "quantity": 2, "to": "shop"}
    assert _call(client, "POST", "/nodes/stall/transfers", admin, json=home).status_code == 200
