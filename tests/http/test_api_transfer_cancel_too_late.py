"""A transfer cancelled too late, through the HTTP API on an embedded hub and on a PostgreSQL
one: 409 transfer_refused, saying what happened to the goods, as the command line says it."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import bearer
from tests.http.test_api_kits_purchasing import _call, _on_hand, api

__all__ = ["api"]  # the fixture: an embedded hub and a PostgreSQL one


def test_cancelling_a_transfer_that_arrived_says_it_arrived(api: Any) -> None:
    client, tokens, _ = api
    admin = bearer(tokens["admin"])
    moved = {"sku": "BAR-SOAP", "quantity": 2, "to": "van"}
    done = _call(client, "POST", "/nodes/shop/transfers", admin, json=moved)
    assert done.status_code == 200, done.text
    ident = done.json()["id"]
    refused = _call(client, "POST", f"/transfers/{ident}/cancel", admin)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "transfer_refused"
    assert error["message"].startswith(f"transfer {ident} already arrived at van on 2026-")
    assert error["message"].endswith(
        "it can no longer be cancelled; to send the goods back, transfer them from van to shop"
    )
    assert _on_hand(client, admin, "van") == {"BAR-SOAP": 2}
