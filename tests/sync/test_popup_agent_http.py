"""A weekend pop-up's own agent (a market stall on its own machine) learns its dates from the
hub by sync, and refuses a sale, a receipt or a kit sale after it closed, as the hub's edges
do (409 popup_closed), with the hub out of reach."""

from __future__ import annotations

import html
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.codec import decode_reply, encode_reply
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.codes import NodeCode, Sku
from microindex.domain.money import Money
from microindex.domain.node import Location, Node, NodeKind
from microindex.domain.popup import PopUp
from microindex.domain.product import Product
from microindex.domain.sync.messages import Reply
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service import popups, sync
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import Settings

SATURDAY_9 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SUNDAY_16 = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SKU = "PER-GER-ROZ-9CM"
GERANIUM = Product(Sku(SKU), "Geranium 'Rozanne' × ½ tray, 9 cm pot", Money(Decimal("7.50"), "GBP"))
STALL = Node(NodeCode("market-stall"), NodeKind.POPUP, "Market stall", Location(51.53, -0.06))
WEEKEND = PopUp("market-stall", "shopfront", SATURDAY_9.date(), date(2026, 11, 29))
STAFF = "stall-staff-secret"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stall:
    now: list[datetime]
    ws: Workspace
    hub: TestClient
    agent: TestClient
    own: SqliteSyncDatabase
    link: HttpTransport

    def sync(self) -> None:
        sync.sync_node(self.own, "market-stall", self.link, self.now[0])

    def sell(self, quantity: int) -> Any:
        body = {"sku": SKU, "quantity": quantity, "reference": "till"}
        return self.agent.post("/api/v1/nodes/market-stall/sell", json=body)


@pytest.fixture
def stall(tmp_path: Path) -> Iterator[Stall]:
    now = [SATURDAY_9]
    ws = bootstrap(Settings(tmp_path / "hub"), clock=lambda: now[0])
    for node in NODES:
        add_node(ws.hub, node)
    popups.add(ws.hub, ws.rounds(), WEEKEND, STALL)
    import_products(ws.hub, ParsedCatalog([GERANIUM]), SATURDAY_9)
    own = SqliteSyncDatabase(tmp_path / "stall" / "market-stall.sqlite")
    own.migrate()
    secret = ws.secrets.ensure("market-stall")
    down = HttpTransport(f"http://127.0.0.1:{closed_port()}", "market-stall", secret)

    def ask(lines: Any) -> None:  # the hub cannot be reached from the market
        sync.sync_node(own, "market-stall", down, now[0], want=sorted(lines.items()))

    site = NodeSite(
        own, "market-stall", tmp_path / "stall", STAFF, lambda: now[0], "Stall", ask, down
    )
    app = create_node_app(site)
    with TestClient(create_app(ws)) as hub, TestClient(app) as agent:
        agent.headers["Authorization"] = f"Bearer {STAFF}"
        link = HttpTransport("http://testserver", "market-stall", secret, hub)
        made = Stall(now, ws, hub, agent, own, link)
        made.sync()  # the catalog and the stall's dates reach it
        yield made
    app.state.index.close()
    down.close()
    own.close()
    ws.close()


def test_the_stalls_agent_refuses_a_sale_after_the_popup_closed_as_the_hub_does(
    stall: Stall,
) -> None:
    received = stall.agent.post(
        "/api/v1/nodes/market-stall/receive", json={"sku": SKU, "quantity": 6}
    )
    assert received.status_code == 200, received.text
    stall.now[0] = SUNDAY_16
    assert stall.sell(1).status_code == 200  # open on Sunday: sold

    stall.now[0] = MONDAY_9  # packed up, the hub out of reach from the van home
    refused = stall.sell(1)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "popup_closed"
    assert "closed on 2026-11-29" in error["message"]
    again = stall.agent.post("/api/v1/nodes/market-stall/receive", json={"sku": SKU, "quantity": 1})
    assert again.status_code == 409 and again.json()["error"]["code"] == "popup_closed"
    with stall.own() as uow:  # nothing was recorded
        assert uow.ledger.load("market-stall", [SKU]).on_hand[SKU] == 5


def test_a_pop_ups_dates_travel_in_format_9_and_an_agent_of_format_8_reads_its_reply() -> None:
    secret = {"market-stall": b"s" * 32}
    reply = Reply("market-stall", 4, "e", 7, popup=WEEKEND, next_sync_s=30)
    assert decode_reply(encode_reply(reply, secret["market-stall"]), secret.get) == reply
    older = decode_reply(encode_reply(reply, secret["market-stall"], 8), secret.get)
    assert older == Reply("market-stall", 4, "e", 7, next_sync_s=30)  # no dates in format 8


def test_the_stalls_agent_refuses_a_mistyped_node_in_the_hubs_words(stall: Stall) -> None:
    # staff at the market type the stall's code with a letter missing: as the hub says it
    words = "no node with code 'market-stal' (did you mean 'market-stall'?)"
    sold = stall.agent.post("/api/v1/nodes/market-stal/sell", json={"sku": SKU, "quantity": 1})
    stock = stall.agent.get("/api/v1/stock", params={"node": "market-stal"})
    for answer in (sold, stock):
        assert answer.status_code == 404, answer.text
        error = answer.json()["error"]
        assert (error["code"], error["message"]) == ("unknown_node", words)


def test_the_stalls_staff_page_at_a_mistyped_node_says_what_the_hubs_says(stall: Stall) -> None:
    shown = stall.agent.get("/staff/market-stal")
    assert shown.status_code == 404
    said = html.unescape(shown.text)
    assert "no node with code 'market-stal' (did you mean 'market-stall'?)" in said
