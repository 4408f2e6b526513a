"""A node that keeps its ledger on its own machine (its agent syncs over HTTP) is told of an
order picked at the hub: the hub's sync reply asks it to pick (RequestKind.FULFIL), its next
sync records the pick once, and the hub's mirror agrees. ADR 0004."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.product import Product
from microindex.domain.sync.account import State
from microindex.domain.sync.rights import Rights
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.service import access, sync
from microindex.service import stock as stock_service
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.http.conftest import bearer

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MUG = Product(Sku("MUG"), "Stoneware mug", Money(Decimal("12.50"), "GBP"))
CUSTOMER = {"lat": 51.54, "lon": -0.06}
REMOTE = "shopfront"
HELD = "web-1/shopfront/MUG"


@dataclass
class Remote:
    client: TestClient
    ws: Workspace
    own: SqliteSyncDatabase  # the node's database, on its own machine
    link: HttpTransport
    channel: dict[str, str]
    staff: dict[str, str]

    def sync(self) -> None:
        """The node's agent: one sync with the hub over HTTP."""
        sync.sync_node(self.own, REMOTE, self.link, self.ws.clock())

    def ledger(self, at_hub: bool = False) -> list[Movement]:
        with (self.ws.hub if at_hub else self.own)() as uow:
            return uow.ledger.movements(REMOTE, 0, 10**9)

    def rights(self) -> Rights:
        with self.own() as uow:
            return sync.load_side(uow, REMOTE).get("MUG")

    def on_hand(self) -> int:
        with self.own() as uow:
            return uow.ledger.load(REMOTE, ["MUG"]).available("MUG")

    def picks(self) -> list[Movement]:
        return [m for m in self.ledger() if m.kind is MovementKind.PICK]

    def step(self, step: str) -> int:
        body = {"node": REMOTE, "step": step}
        answer = self.client.post("/api/v1/orders/web-1/steps", json=body, headers=self.staff)
        return answer.status_code


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    """Three mugs at a shopfront whose ledger is on its own machine, synced over HTTP; the
    other nodes in the hub's process, heard from but empty."""
    ws = bootstrap(Settings(tmp_path / "ws"), clock=lambda: TUESDAY_10)
    for node in NODES:
        add_node(ws.hub, node)
    import_products(ws.hub, ParsedCatalog([MUG]), TUESDAY_10)
    own = SqliteSyncDatabase(tmp_path / "elsewhere" / "shopfront.sqlite")
    own.migrate()
    store = token_store(ws)

    def token(grant: Grant) -> dict[str, str]:
        return bearer(access.issue(store, ws.hub, grant, TUESDAY_10).secret)

    with TestClient(create_app(ws)) as client:
        secret = ws.secrets.ensure(REMOTE)
        link = HttpTransport("http://testserver", REMOTE, secret, client)
        found = Remote(
            client, ws, own, link, token(Grant(Role.CHANNEL)), token(Grant(Role.STAFF, REMOTE))
        )
        found.sync()  # the catalog reaches the node
        stock_service.receive(own, REMOTE, "MUG", 3, TUESDAY_10, "delivery")
        found.sync()
        for node in NODES:
            code = node.code.value
            if code != REMOTE:
                sync.sync_node(ws.node(code), code, ws.link(code), ws.clock())
        yield found
    own.close()
    ws.close()


def test_a_web_order_picked_at_the_hub_leaves_the_remote_nodes_ledger_once(
    remote: Remote,
) -> None:
    order = {"lines": [{"sku": "MUG", "quantity": 2}], "method": "ship", "customer": CUSTOMER}
    placed = remote.client.post(
        "/api/v1/orders", json=order, headers={**remote.channel, "Idempotency-Key": "web-1"}
    )
    assert placed.status_code == 201, placed.text
    assert [part["node"] for part in placed.json()["parts"]] == [REMOTE]
    remote.sync()  # the node sets the two mugs aside
    assert (remote.on_hand(), remote.rights().reserved) == (3, ((HELD, 2),))
    assert remote.step("confirmed") == 200
    assert remote.step("picked") == 200
    assert remote.on_hand() == 3  # the node hears of it with its next sync
    with remote.ws.node(REMOTE)() as uow:  # the hub's copy of the node is not forked
        assert uow.ledger.load(REMOTE, []).head == 0
    remote.sync()
    assert (remote.on_hand(), remote.rights().reserved) == (1, ())
    assert [(m.quantity, m.tag, m.tag_id) for m in remote.picks()] == [(-2, Tag.FULFIL, HELD)]
    assert remote.step("picked") == 409  # a repeated step
    assert remote.step("packed") == 200
    remote.sync()
    remote.sync()
    assert len(remote.picks()) == 1 and remote.on_hand() == 1  # picked once
    mine, mirrored = remote.ledger(), remote.ledger(at_hub=True)
    assert [m.digest() for m in mirrored] == [m.digest() for m in mine]
    with remote.ws.hub() as uow:
        account = uow.accounts.load(REMOTE)
        held = uow.accounts.reservation(HELD)
        hub_on_hand = uow.ledger.load(REMOTE, ["MUG"]).available("MUG")
    assert account.mirror["MUG"] == remote.rights() and hub_on_hand == 1
    assert held is not None and held.state is State.FULFILLED and account.requests == {}
