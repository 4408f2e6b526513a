"""A pop-up open until 2026-12-20 trades to midnight on its shop's clock, not UTC's: in
Auckland (UTC+13) a sale at 00:30 on the 21st is refused though UTC still says the 20th; in
Los Angeles (UTC-8) a sale at 21:00 on the 20th is made though UTC already says the 21st.
Through the hub's API (either hub) and a pop-up's own agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service import sync
from tests.http.conftest import bearer
from tests.zones.shop import AUCKLAND, LOS_ANGELES, Shop, shop

OPENS = datetime(2026, 12, 15, 0, 0, tzinfo=UTC)
STALL = {"code": "stall", "kind": "popup", "name": "Stall", "lat": -36.85, "lon": 174.76}
DATES = {"node": "stall", "home": "shop", "opens_on": "2026-12-15", "closes_on": "2026-12-20"}
SALE = {"sku": "WAX-1", "quantity": 1}


def _stall(found: Shop) -> Shop:
    found.call("POST", "/nodes", json=STALL)
    found.call("POST", "/popups", json=DATES)
    found.call("POST", "/nodes/stall/receive", json={"sku": "WAX-1", "quantity": 5})
    return found


@pytest.fixture
def auckland(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    with shop(tmp_path, AUCKLAND, OPENS, hub_url) as found:
        yield _stall(found)


@pytest.fixture
def los_angeles(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    with shop(tmp_path, LOS_ANGELES, OPENS, hub_url) as found:
        yield _stall(found)


def _sell(client: TestClient, headers: dict[str, str]) -> tuple[int, str]:
    answer = client.post("/api/v1/nodes/stall/sell", json=SALE, headers=headers)
    return answer.status_code, answer.json().get("error", {}).get("code", "")


def test_in_auckland_the_pop_up_has_closed_at_half_past_midnight(auckland: Shop) -> None:
    auckland.at(datetime(2026, 12, 20, 10, 30, tzinfo=UTC))  # 23:30 on the 20th there
    assert _sell(auckland.client, auckland.headers) == (200, "")
    auckland.at(datetime(2026, 12, 20, 11, 30, tzinfo=UTC))  # 00:30 on the 21st there
    assert _sell(auckland.client, auckland.headers) == (409, "popup_closed")
    popup = auckland.call("GET", "/popups/stall")
    assert (popup["open_today"], popup["over"]) == (False, True)


def test_in_los_angeles_the_pop_up_still_sells_at_nine_in_the_evening(
    los_angeles: Shop,
) -> None:
    los_angeles.at(datetime(2026, 12, 21, 5, 0, tzinfo=UTC))  # 21:00 on the 20th there
    assert _sell(los_angeles.client, los_angeles.headers) == (200, "")
    popup = los_angeles.call("GET", "/popups/stall")
    assert (popup["open_today"], popup["over"]) == (True, False)
    los_angeles.at(datetime(2026, 12, 21, 8, 0, tzinfo=UTC))  # midnight there
    assert _sell(los_angeles.client, los_angeles.headers) == (409, "popup_closed")


def test_the_pop_ups_own_agent_closes_at_its_shops_midnight(los_angeles: Shop) -> None:
    workspace = los_angeles.workspace
    sync.sync_node(workspace.node("stall"), "stall", workspace.link("stall"), OPENS)  # dates
    site = NodeSite(
        workspace.node("stall"), "stall", workspace.settings.workspace, "secret",
        los_angeles.clock, zone=LOS_ANGELES,
    )  # fmt: skip
    app = create_node_app(site)
    try:
        with TestClient(app) as agent:
            los_angeles.at(datetime(2026, 12, 21, 5, 0, tzinfo=UTC))  # 21:00 on the 20th
            assert _sell(agent, bearer("secret")) == (200, "")
            los_angeles.at(datetime(2026, 12, 21, 8, 0, tzinfo=UTC))
            assert _sell(agent, bearer("secret")) == (409, "popup_closed")
    finally:
        app.state.index.close()
