"""A till retries a walk-in sale at a node's agent after a timeout, with the sale's
Idempotency-Key: the agent records the sale once, answers the retry with the sale it made, and
its next sync takes one movement up to the hub, on either hub (ADR 0058)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.movement import MovementKind
from microindex.domain.product import Product
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service import access, sync
from microindex.service import stock as stock_service
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.http.conftest import bearer

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SKU = "JUG-KEY-1"
JUG = Product(Sku(SKU), "Stoneware jug", Money(Decimal("28.00"), "GBP"))
STAFF_SECRET = "van-staff-secret"


@dataclass
class Till:
    hub: TestClient  # the hub's API
    van: TestClient  # the van's own agent app, which reaches the hub to ask for rights
    ws: Workspace
    own: SqliteSyncDatabase  # the van's database, on the van
    admin: dict[str, str]

    def sync(self) -> None:
        link = HttpTransport("http://testserver", "van", self.ws.secrets.ensure("van"), self.hub)
        sync.sync_node(self.own, "van", link, TUESDAY_10)

    def sell(self, quantity: int, key: str | None = None, reference: str = "till") -> Any:
        headers = {} if key is None else {"Idempotency-Key": key}
        body = {"sku": SKU, "quantity": quantity, "reference": reference}
        return self.van.post("/api/v1/nodes/van/sell", json=body, headers=headers)

    def sales_at_van(self) -> int:
        with self.own() as uow:
            found = uow.ledger.movements("van", 0, 10**6)
        return sum(1 for m in found if m.kind is MovementKind.SELL)

    def hub_on_hand(self) -> int:
        """The van's on-hand of the SKU as the hub's mirror of its ledger says."""
        lines = self.hub.get(
            "/api/v1/stock", params={"node": "van", "sku": SKU}, headers=self.admin
        ).json()
        return int(lines[0]["on_hand"]) if lines else 0


@pytest.fixture
def till(tmp_path: Path, hub_url: str | None) -> Iterator[Till]:
    ws = bootstrap(Settings(tmp_path / "hub", hub_url=hub_url), clock=lambda: TUESDAY_10)
    for node in NODES:
        add_node(ws.hub, node)
    import_products(ws.hub, ParsedCatalog([JUG]), TUESDAY_10)
    admin = bearer(access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), TUESDAY_10).secret)
    own = SqliteSyncDatabase(tmp_path / "van" / "van.sqlite")
    own.migrate()
    with TestClient(create_app(ws)) as hub:
        up = HttpTransport("http://testserver", "van", ws.secrets.ensure("van"), hub)

        def ask(lines: Any) -> None:  # the agent asks the hub for the rights it lacks
            sync.sync_node(own, "van", up, TUESDAY_10, want=sorted(lines.items()))

        site = NodeSite(own, "van", tmp_path / "van", STAFF_SECRET, lambda: TUESDAY_10, "Van", ask)
        agent = create_node_app(site)
        with TestClient(agent) as van:
            van.headers["Authorization"] = f"Bearer {STAFF_SECRET}"
            scene = Till(hub, van, ws, own, admin)
            scene.sync()  # the catalog reaches the van
            stock_service.receive(own, "van", SKU, 1000, TUESDAY_10, "delivery", "sam")
            scene.sync()
            yield scene
        agent.state.index.close()
    own.close()
    ws.close()


def test_a_retried_sale_at_the_agent_is_recorded_once_and_reaches_the_hub_once(
    till: Till,
) -> None:
    first = till.sell(2, key="till1-0001")
    assert first.status_code == 200, first.text
    again = till.sell(2, key="till1-0001")  # the till timed out and sent it again
    assert again.status_code == 200, again.text
    assert again.json() == first.json()  # the same movement, the same answer
    assert till.sales_at_van() == 1
    till.sync()
    assert till.hub_on_hand() == 998


def test_the_same_sale_key_with_another_sale_is_refused_and_records_nothing(till: Till) -> None:
    assert till.sell(2, key="till1-0002").status_code == 200
    for other in (till.sell(3, key="till1-0002"), till.sell(2, "till1-0002", "another note")):
        assert other.status_code == 409, other.text
        error = other.json()["error"]
        assert error["code"] == "idempotency_key_reused"
        assert "'till1-0002' was already used at van for a different sale" in error["message"]
    assert till.sales_at_van() == 1


def test_a_sale_without_a_key_is_a_new_sale_each_time(till: Till) -> None:
    assert till.sell(1).status_code == 200
    assert till.sell(1).status_code == 200
    assert till.sales_at_van() == 2


def test_a_sale_key_that_is_no_key_is_refused(till: Till) -> None:
    refused = till.sell(1, key="-not a key")
    assert refused.status_code == 422, refused.text
    assert till.sales_at_van() == 0


_TILL_RUNS = itertools.count()
SALES = st.lists(
    st.tuples(st.integers(1, 5), st.integers(0, 3)),  # (units, retries after the first POST)
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sales=SALES, sync_between=st.booleans())
def test_sales_retried_at_the_agent_then_synced_leave_the_hub_short_of_the_distinct_sales(
    till: Till, sales: list[tuple[int, int]], sync_between: bool
) -> None:
    run = next(_TILL_RUNS)
    till.sync()
    before = till.hub_on_hand()
    for n, (units, retries) in enumerate(sales):
        key = f"till-{run}-{n}"
        answers = {till.sell(units, key).text for _ in range(1 + retries)}
        assert len(answers) == 1  # every retry answered as the first POST was
        if sync_between and n % 2:
            till.sync()  # a sync between a sale and its retry changes nothing
            assert till.sell(units, key).text in answers
    till.sync()
    till.sync()  # a second push of nothing new
    assert till.hub_on_hand() == before - sum(units for units, _ in sales)
