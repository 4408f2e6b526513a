"""Walk-in sales at one node arriving at once through the hub API served by uvicorn: the
hub's own syncs with the node (each sale beyond local rights asks for more) never refuse
one another."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from microindex.bootstrap import Workspace
from microindex.domain.sync.messages import PushRefused, Refusal
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.errors import status_of
from tests.browser.conftest import served
from tests.http.conftest import bearer

pytestmark = pytest.mark.realclock  # sleeps on the wall clock: not under faketime


def test_twenty_concurrent_walk_in_sales_at_one_node_are_all_recorded(
    workspace: Workspace, secrets: dict[str, str]
) -> None:
    headers = bearer(secrets["admin"])
    with served(create_app(workspace)) as url, httpx.Client(base_url=url, timeout=60) as client:
        stock = client.get("/api/v1/stock", params={"node": "shopfront"}, headers=headers).json()
        skus = [line["sku"] for line in sorted(stock, key=lambda x: -x["on_hand"])[:3]]

        def sell(i: int) -> tuple[int, str]:
            body = {"sku": skus[i % 3], "quantity": 1, "reference": f"till-{i}"}
            answer = client.post("/api/v1/nodes/shopfront/sell", json=body, headers=headers)
            return answer.status_code, answer.text

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(sell, range(60)))
        after = client.get("/api/v1/stock", params={"node": "shopfront"}, headers=headers).json()

    assert [a for a in answers if a[0] != 200] == []
    before = {line["sku"]: line["on_hand"] for line in stock if line["sku"] in skus}
    left = {line["sku"]: line["on_hand"] for line in after if line["sku"] in skus}
    assert {sku: before[sku] - left[sku] for sku in skus} == {sku: 20 for sku in skus}


def test_a_refused_push_is_a_conflict_not_a_bad_request() -> None:
    assert status_of(PushRefused("shopfront", Refusal.REPLAY, "counter 3")) == 409
