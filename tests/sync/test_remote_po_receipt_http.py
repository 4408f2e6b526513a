"""A purchase order received at a node whose agent keeps its ledger on its own machine (issue 23
with 17): the hub never writes that node's ledger, so the receipt is checked against the order,
held on it as coming (no longer outstanding: a second receipt can't take the same units), and
travels to the agent in its next sync reply as one RECEIVE request per line, keyed, recorded
there once. The order books the receipt when the agent's push shows it recorded. Through the
API and the CLI, on both hubs, with the agent syncing over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

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
from microindex.entrypoints.cli.app import app as cli
from microindex.entrypoints.cli.context import CliState
from microindex.entrypoints.http import create_app
from microindex.service import access, sync
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.clock import Clock
from tests.http.conftest import bearer

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PRODUCTS = [
    Product(Sku("MUG"), "Mug", Money(Decimal(5), "GBP")),
    Product(
        Sku("BOWL-1/B"), '=HYPERLINK("x") <!-- bowl', Money(Decimal(7), "GBP")
    ),  # hostile, as typed
]
runner = CliRunner()


@dataclass
class Shop:
    client: TestClient
    ws: Workspace
    admin: dict[str, str]
    van: SqliteSyncDatabase
    link: HttpTransport

    def api(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answer = self.client.request(method, f"/api/v1{path}", json=body, headers=self.admin)
        assert answer.status_code == status, answer.text
        return answer.json()

    def cli(self, *args: str, ok: bool = True) -> str:
        folder = str(self.ws.settings.workspace)
        done = runner.invoke(cli, ["-w", folder, *args], obj=CliState(clock=Clock(AT)))
        assert (done.exit_code == 0) is ok, done.output
        return str(done.output)

    def agent_syncs(self) -> None:
        sync.sync_node(self.van, "van", self.link, AT)

    def at_van(self, sku: str) -> list[tuple[MovementKind, int, str]]:
        with self.van() as uow:
            found = uow.ledger.movements("van", 0, 10**6)
        return [(m.kind, m.quantity, m.reference) for m in found if m.sku == sku]

    def copy_head(self) -> int:
        with self.ws.node("van")() as uow:
            return uow.ledger.load("van", []).head


def _receipts(shop: Shop, sku: str) -> list[tuple[int, str]]:
    return [(q, ref) for kind, q, ref in shop.at_van(sku) if kind is MovementKind.RECEIVE]


@pytest.fixture
def shop(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "microindex.toml").write_text(Settings(folder, hub_url=hub_url).to_toml())
    ws = bootstrap(Settings.load(folder), clock=Clock(AT))
    for node in NODES:
        add_node(ws.hub, node)
    import_products(ws.hub, ParsedCatalog(PRODUCTS), AT)
    admin = bearer(access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), AT).secret)
    van = SqliteSyncDatabase(tmp_path / "elsewhere" / "van.sqlite")
    van.migrate()
    with TestClient(create_app(ws)) as client:
        link = HttpTransport("http://testserver", "van", ws.secrets.ensure("van"), client)
        shop = Shop(client, ws, admin, van, link)
        shop.agent_syncs()  # the van's agent runs elsewhere and has the catalog
        order = {"id": "PO-7", "supplier": "Kiln & Co (=1+1)", "node": "van"}
        shop.api("POST", "/purchase-orders", order, 201)
        for sku, quantity in (("MUG", 10), ("BOWL-1/B", 4)):
            line = {"sku": sku, "quantity": quantity, "unit_cost": "2.10"}
            shop.api("POST", "/purchase-orders/PO-7/lines", line)
        shop.api("POST", "/purchase-orders/PO-7/send")
        yield shop
    van.close()
    ws.close()


def test_a_receipt_at_a_remote_node_travels_and_is_booked_when_the_agent_confirms(
    shop: Shop,
) -> None:
    head = shop.copy_head()
    lines = [{"sku": "MUG", "quantity": 6}, {"sku": "BOWL-1/B", "quantity": 4}]
    done = shop.api("POST", "/purchase-orders/PO-7/receipts", {"lines": lines}, 201)
    assert done["movements"] == [] and len(done["queued"]) == 2
    order = done["order"]
    assert order["state"] == "sent" and order["receipts"] == []
    assert [(line["coming"], line["outstanding"]) for line in order["lines"]] == [(6, 4), (4, 0)]
    # the units on their way are not outstanding: a second receipt can't take them
    over = {"lines": [{"sku": "MUG", "quantity": 5}]}
    assert (
        shop.api("POST", "/purchase-orders/PO-7/receipts", over, 409)["error"]["code"]
        == "over_receipt"
    )
    assert shop.copy_head() == head  # the hub's copy of the van is never written

    shop.agent_syncs()  # the reply carries the receipts; the next push shows them recorded
    assert _receipts(shop, "MUG") == [(6, "PO-7 receipt 1")]
    assert _receipts(shop, "BOWL-1/B") == [(4, "PO-7 receipt 1")]
    order = shop.api("GET", "/purchase-orders/PO-7")
    assert order["state"] == "partly-received" and order["pending"] == []
    assert [r["number"] for r in order["receipts"]] == [1]
    assert [(line["received"], line["coming"]) for line in order["lines"]] == [(6, 0), (4, 0)]
    stock = shop.api("GET", "/stock?node=van")
    assert {row["sku"]: row["on_hand"] for row in stock} == {"MUG": 6, "BOWL-1/B": 4}

    shop.agent_syncs()  # synced again: nothing recorded twice, nothing booked twice
    assert len(_receipts(shop, "MUG")) == 1
    assert len(shop.api("GET", "/purchase-orders/PO-7")["receipts"]) == 1


def test_the_cli_receipt_travels_too_and_the_second_part_closes_the_order(shop: Shop) -> None:
    out = shop.cli("po", "receive", "PO-7", "MUG:6", "BOWL-1/B:4")
    assert "queued for van's next sync" in out
    shown = shop.cli("po", "show", "PO-7")
    assert "MUG: 0 of 10 received, 6 on the way to the ledger" in shown
    refused = shop.cli("po", "close", "PO-7", ok=False)
    assert "on its way to van's ledger" in refused
    shop.agent_syncs()
    record = json.loads(shop.cli("po", "receive", "PO-7", "MUG:4", "--json"))
    assert record["movements"] == [] and record["receipt"] == 2
    shop.agent_syncs()
    order = json.loads(shop.cli("po", "show", "PO-7", "--json"))
    assert order["state"] == "closed"
    assert [line["received"] for line in order["lines"]] == [10, 4]
    assert _receipts(shop, "MUG") == [(6, "PO-7 receipt 1"), (4, "PO-7 receipt 2")]
