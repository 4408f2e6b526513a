"""`serve`'s app runs the hub's timers while it runs: a lapsed checkout lease is released
without anyone calling `order release-lapsed`, and the timer thread stops with the app."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.bootstrap import Workspace
from microindex.entrypoints.http import create_app
from tests.clock import Clock
from tests.http.conftest import bearer, shopfront_only_sku


def _claimed(workspace: Workspace) -> list[tuple[str, str, str]]:
    assert isinstance(workspace.hub, SqliteDatabase)
    rows = workspace.hub.connection().execute(
        "SELECT timer, claimed_by, outcome FROM timer_runs ORDER BY timer"
    )
    return [tuple(row) for row in rows]


def test_the_served_app_releases_a_lapsed_lease_on_its_own_and_stops_its_timers(
    client: TestClient, workspace: Workspace, secrets: dict[str, str]
) -> None:
    admin = bearer(secrets["admin"])
    sku = shopfront_only_sku(client, admin)
    order = {"lines": [{"sku": sku, "quantity": 1}], "method": "pickup", "pickup_node": "shopfront"}
    placed = client.post("/api/v1/orders", json=order, headers={**admin, "Idempotency-Key": "l-1"})
    assert placed.status_code == 201, placed.text
    ident = placed.json()["id"]
    assert isinstance(workspace.clock, Clock)
    workspace.clock.advance(timedelta(hours=1))  # the checkout lease has run out
    assert client.get(f"/api/v1/orders/{ident}", headers=admin).json()["step"] == "promised"

    app = create_app(workspace, timers=True)
    with TestClient(app) as served:
        timers = app.state.timers
        assert timers.alive and timers.ticked.wait(timeout=60)
        shown = served.get(f"/api/v1/orders/{ident}", headers=admin).json()
        assert shown["step"] == "released", shown
    assert not timers.alive  # stopped with the app
    claimed = _claimed(workspace)
    assert {timer for timer, _, _ in claimed} == {
        "release-lapsed-leases",
        "expire-reservations",
        "locker-sweep",
        "retry-at-risk",
        "webhooks",
        "low-stock",
    }  # fmt: skip  (no governance slot within the hour of the demo's noon)
    assert all(by == timers.by and outcome == "ok" for _, by, outcome in claimed)


def test_the_app_runs_no_timers_unless_asked(workspace: Workspace) -> None:
    app = create_app(workspace)
    with TestClient(app):
        assert not hasattr(app.state, "timers")
