"""The dashboard's weeks are the shop's own: a sale at 00:20 on a Monday in London summer time
(23:20 UTC on the Sunday) is sold in the week that Monday starts, on either hub."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access
from microindex.settings import Settings
from tests.clock import Clock
from tests.http.conftest import bearer

MONDAY_EARLY = datetime(2026, 5, 31, 23, 20, tzinfo=UTC)  # Monday 1 June 2026, 00:20 BST
NODE = {"code": "shop", "kind": "store", "name": "Cog & Crema", "lat": 51.53, "lon": -0.06}
CATALOG = "sku,title,price,currency\nBEAN-1,Crema beans,9.50,GBP\n"


@pytest.fixture
def shop(tmp_path: Path, hub_url: str | None) -> Iterator[tuple[Workspace, Clock]]:
    clock = Clock(MONDAY_EARLY)
    settings = Settings(tmp_path / "ws", hub_url=hub_url, time_zone="Europe/London")
    workspace = bootstrap(settings, clock=clock)
    yield workspace, clock
    workspace.close()


def test_a_sale_early_on_a_summer_monday_is_in_the_week_that_monday_starts(
    shop: tuple[Workspace, Clock],
) -> None:
    workspace, clock = shop
    issued = access.issue(
        token_store(workspace), workspace.hub, Grant(Role.ADMIN), clock(), "owner"
    )
    admin = bearer(issued.secret)
    with TestClient(create_app(workspace)) as client:
        assert client.post("/api/v1/nodes", json=NODE, headers=admin).status_code == 201
        imported = client.post("/api/v1/catalog/import", content=CATALOG.encode(), headers=admin)
        assert imported.status_code == 200, imported.text
        line = {"sku": "BEAN-1", "quantity": 2}
        assert client.post("/api/v1/nodes/shop/receive", json=line, headers=admin).is_success
        sold = client.post("/api/v1/nodes/shop/sell", json=line, headers=admin)
        assert sold.status_code == 200, sold.text
        assert sold.json()["at"].startswith("2026-05-31T23:20")  # Sunday, in UTC
        clock.advance(timedelta(minutes=10))
        signed = client.post("/login", content=f"token={issued.secret}".encode())
        assert signed.status_code == 200
        html = client.get("/").text
    chart = html[html.index('id="sales-chart"') :]
    chart = chart[: chart.index("</section>")]
    bars = re.findall(r"<title>shop, (\d\d \w{3}): (\d+)</title>", chart)
    assert ("01 Jun", "2") in bars, bars
    assert all(week == "01 Jun" for week, units in bars if units != "0"), bars
