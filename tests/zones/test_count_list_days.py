"""Today's cycle counts begin at the shop's midnight, at the hub and at a node's own agent:
in Auckland (UTC+13 in December) goods received at 23:30 on 7 December are on the list
drawn as 8 December began; at UTC's midnight the list had not yet seen them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from tests.http.conftest import bearer
from tests.zones.shop import AUCKLAND, LOS_ANGELES, Shop, shop

RECEIVED = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)  # 23:30 on 7 Dec in Auckland
NEXT_MORNING = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # 09:00 on 8 Dec in Auckland


@pytest.fixture
def surf_shop(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    with shop(tmp_path, AUCKLAND, RECEIVED, hub_url) as found:
        found.call("POST", "/nodes/shop/receive", json={"sku": "WAX-1", "quantity": 4})
        yield found


def _listed(client: TestClient, headers: dict[str, str]) -> list[str]:
    answer = client.get("/api/v1/nodes/shop/counts-today", headers=headers)
    assert answer.status_code == 200, answer.text
    return [line["sku"] for line in answer.json()]


def test_at_the_hub_goods_received_last_night_are_on_this_mornings_list(
    surf_shop: Shop,
) -> None:
    surf_shop.at(NEXT_MORNING)
    assert _listed(surf_shop.client, surf_shop.headers) == ["WAX-1"]


def test_at_the_nodes_agent_goods_received_last_night_are_on_this_mornings_list(
    surf_shop: Shop,
) -> None:
    workspace = surf_shop.workspace
    site = NodeSite(
        workspace.node("shop"),
        "shop",
        workspace.settings.workspace,
        "secret",
        surf_shop.clock,
        zone=AUCKLAND,
    )
    surf_shop.at(NEXT_MORNING)
    app = create_node_app(site)
    try:
        with TestClient(app) as agent:
            assert _listed(agent, bearer("secret")) == ["WAX-1"]
    finally:
        app.state.index.close()


def test_in_los_angeles_goods_received_this_afternoon_wait_for_tomorrows_list(
    tmp_path: Path,
) -> None:
    """At noon on 7 December in Los Angeles (20:00 UTC) the truck takes goods in; at 21:00
    (05:00 UTC on the 8th) the list is still the one drawn as 7 December began."""
    with shop(tmp_path, LOS_ANGELES, datetime(2026, 12, 7, 20, tzinfo=UTC)) as truck:
        truck.call("POST", "/nodes/shop/receive", json={"sku": "TACO-1", "quantity": 4})
        truck.at(datetime(2026, 12, 8, 5, tzinfo=UTC))
        assert _listed(truck.client, truck.headers) == []
        truck.at(datetime(2026, 12, 8, 8, 0, tzinfo=UTC))  # midnight on the 8th there
        assert _listed(truck.client, truck.headers) == ["TACO-1"]
