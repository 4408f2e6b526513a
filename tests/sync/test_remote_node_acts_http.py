"""The acts of a node's own staff that the hub cannot do for a node whose agent keeps its ledger
on its own machine (issue 17): closing out its day, its cycle counts today, shipping or
receiving a transfer for an order there. Asked of the hub (API or CLI), each is refused with the one
`node_runs_elsewhere` refusal a walk-in sale gets, naming the act, and the copy of the node in
the hub's workspace is left as it was (writing it would fork the node's ledger). A locker's
collection by pickup code travels instead: the hub queues the order's pick, which the locker's
agent records once at its next sync; so do a transfer's shipping and receipt there (the hub
releasing its own unpromised rights first where the node's fall short). A pop-up closed at the hub takes home what its ledger
holds, as the hub's mirror shows it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
from microindex.domain.codes import NodeCode, Sku
from microindex.domain.money import Money
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.node import Location, Node, NodeKind
from microindex.domain.popup import PopUp
from microindex.domain.product import Product, Size
from microindex.entrypoints.access import token_store
from microindex.entrypoints.cli.app import app as cli
from microindex.entrypoints.http import create_app
from microindex.service import access, popups, rights, sync
from microindex.service import stock as stock_service
from microindex.service.catalog import ParsedCatalog, import_products, pull_catalog
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.clock import Clock
from tests.http.conftest import bearer

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MUG = Product(
    Sku("MUG"),
    "Stoneware mug",
    Money(Decimal("12.50"), "GBP"),
    weight_g=400,
    size=Size(90, 90, 100),
)
STALL = Node(NodeCode("stall"), NodeKind.POPUP, "Market stall", Location(51.54, -0.06))
REMOTE = ("van", "locker", "stall")  # each keeps its ledger on its own machine
runner = CliRunner()


@dataclass
class Agent:
    """A node's agent in its own folder, syncing with the hub over HTTP."""

    node: str
    own: SqliteSyncDatabase
    link: HttpTransport
    ws: Workspace

    def sync(self) -> None:
        sync.sync_node(self.own, self.node, self.link, self.ws.clock())

    def ledger(self) -> list[Movement]:
        with self.own() as uow:
            return uow.ledger.movements(self.node, 0, 10**9)

    def copy_head(self) -> int:
        """The head of the copy of the node in the hub's workspace."""
        with self.ws.node(self.node)() as uow:
            return uow.ledger.load(self.node, []).head


@dataclass
class Shop:
    client: TestClient
    ws: Workspace
    admin: dict[str, str]
    agents: dict[str, Agent]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.request(method, f"/api/v1{path}", json=body, headers=self.admin)

    def copies(self) -> dict[str, int]:
        return {code: agent.copy_head() for code, agent in self.agents.items()}

    def cli(self, *args: str) -> Any:
        return runner.invoke(cli, ["-w", str(self.ws.settings.workspace), *args], obj=None)


@pytest.fixture
def shop(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    """On either hub (SQLite or PostgreSQL), the van, the locker and a pop-up stall each run
    their agent elsewhere, with five mugs received there and synced; the shopfront runs in the
    hub's workspace with five too."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "microindex.toml").write_text(Settings(folder, hub_url=hub_url).to_toml())
    ws = bootstrap(Settings.load(folder), clock=Clock(TUESDAY_10))
    for node in (*NODES, STALL):
        add_node(ws.hub, node)
    import_products(ws.hub, ParsedCatalog([MUG]), TUESDAY_10)
    pull_catalog(ws.hub, ws.node("shopfront"))
    stock_service.receive(ws.node("shopfront"), "shopfront", "MUG", 5, TUESDAY_10, "delivery")
    sync.sync_node(ws.node("shopfront"), "shopfront", ws.link("shopfront"), TUESDAY_10)
    admin = bearer(access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), TUESDAY_10).secret)
    with TestClient(create_app(ws)) as client:
        agents = {}
        for code in REMOTE:
            own = SqliteSyncDatabase(tmp_path / "elsewhere" / f"{code}.sqlite")
            own.migrate()
            link = HttpTransport("http://testserver", code, ws.secrets.ensure(code), client)
            agent = agents[code] = Agent(code, own, link, ws)
            agent.sync()  # the catalog reaches the node
            stock_service.receive(own, code, "MUG", 5, TUESDAY_10, "delivery")
            agent.sync()
        yield Shop(client, ws, admin, agents)
        for agent in agents.values():
            agent.own.close()
    ws.close()


def _refused(answer: Any, node: str, act: str) -> None:
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "node_runs_elsewhere", error
    assert error["message"].startswith(f"{node} keeps its ledger on its own agent"), error
    assert act in error["message"], error


def _transfer(shop: Shop, ident: str, sender: str, receiver: str) -> None:
    asked = {"id": ident, "sender": sender, "receiver": receiver}
    made = shop.api("POST", "/transfers", {**asked, "lines": [{"sku": "MUG", "quantity": 1}]})
    assert made.status_code == 201, made.text


def test_a_transfer_shipped_from_a_remote_node_travels_and_leaves_there_once(
    shop: Shop,
) -> None:
    van = shop.agents["van"]
    with shop.ws.hub() as uow:
        held = uow.accounts.held("MUG").get("van", 0)
    _transfer(shop, "t-van-out", "van", "shopfront")
    made = shop.api("POST", "/transfers", {
        "id": "t-van-all", "sender": "van", "receiver": "shopfront",
        "lines": [{"sku": "MUG", "quantity": 6}],
    })  # fmt: skip
    assert made.status_code == 201, made.text
    before = shop.copies()
    too_many = shop.api("POST", "/transfers/t-van-all/ship")
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "not_enough_rights"
    shipped = shop.api("POST", "/transfers/t-van-out/ship")
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["state"] == "in_transit"
    assert shop.api("POST", "/transfers/t-van-out/ship").status_code == 409  # shipped once
    assert shop.copies() == before  # the hub's copy of the van is not written
    van.sync()
    van.sync()
    left = [m for m in van.ledger() if m.kind is MovementKind.TRANSFER_OUT]
    assert [(m.sku, m.quantity, m.tag_id) for m in left] == [("MUG", -1, "t-van-out")]
    with shop.ws.hub() as uow:
        mirrored = uow.ledger.movements("van", 0, 10**9)
        still = uow.accounts.held("MUG").get("van", 0)
    assert [m.digest() for m in mirrored] == [m.digest() for m in van.ledger()]
    assert still <= held  # no rights made in transit
    stock = shop.api("GET", "/stock?node=van").json()
    assert [(line["sku"], line["on_hand"]) for line in stock] == [("MUG", 4)]
    received = shop.api("POST", "/transfers/t-van-out/receive")
    assert received.status_code == 200 and received.json()["state"] == "received"


def test_shipping_all_a_remote_node_holds_releases_the_hubs_there_first(
    shop: Shop,
) -> None:
    locker = shop.agents["locker"]
    with shop.ws.hub() as uow:
        assert uow.accounts.held("MUG").get("locker", 0) > 0  # some of the five pooled online
    lines = [{"sku": "MUG", "quantity": 5}]
    asked = {"id": "t-locker-all", "sender": "locker", "receiver": "shopfront", "lines": lines}
    assert shop.api("POST", "/transfers", asked).status_code == 201
    shipped = shop.api("POST", "/transfers/t-locker-all/ship")
    assert shipped.status_code == 200, shipped.text
    with shop.ws.hub() as uow:
        assert uow.accounts.held("MUG").get("locker", 0) == 0  # debited before the request left
    locker.sync()
    locker.sync()
    left = [m for m in locker.ledger() if m.kind is MovementKind.TRANSFER_OUT]
    assert [(m.quantity, m.tag_id) for m in left] == [(-5, "t-locker-all")]
    with locker.own() as uow:
        there = sync.load_side(uow, "locker").get("MUG")
    assert (there.on_hand, there.local, there.granted) == (0, 0, 0)


def test_a_transfer_received_at_a_remote_node_travels_and_is_recorded_there_once(
    shop: Shop,
) -> None:
    van = shop.agents["van"]
    _transfer(shop, "t-van-in", "shopfront", "van")
    shipped = shop.api("POST", "/transfers/t-van-in/ship")
    assert shipped.status_code == 200, shipped.text
    before = shop.copies()
    received = shop.api("POST", "/transfers/t-van-in/receive")
    assert received.status_code == 200, received.text
    assert received.json()["state"] == "received"
    again = shop.api("POST", "/transfers/t-van-in/receive")
    assert again.status_code == 409, again.text  # received once
    assert shop.copies() == before  # the hub's copy of the van is not written
    van.sync()
    van.sync()  # the request again, or a second sync: nothing more
    arrived = [m for m in van.ledger() if m.kind is MovementKind.TRANSFER_IN]
    assert [(m.sku, m.quantity, m.tag_id) for m in arrived] == [("MUG", 1, "t-van-in")]
    with shop.ws.hub() as uow:
        mirrored = uow.ledger.movements("van", 0, 10**9)
    assert [m.digest() for m in mirrored] == [m.digest() for m in van.ledger()]
    stock = shop.api("GET", "/stock?node=van").json()
    assert [(line["sku"], line["on_hand"]) for line in stock] == [("MUG", 6)]


def test_closing_out_a_remote_vans_day_is_refused_and_writes_nothing(shop: Shop) -> None:
    before = shop.copies()
    counts = {"counts": [{"sku": "MUG", "quantity": 4}]}
    _refused(shop.api("POST", "/nodes/van/closeout", counts), "van", "close out the day")
    assert shop.copies() == before
    assert [m.kind for m in shop.agents["van"].ledger()].count(MovementKind.COUNT_ADJUST) == 0


def test_todays_cycle_counts_of_a_remote_node_are_its_agents_to_list(shop: Shop) -> None:
    _refused(shop.api("GET", "/nodes/van/counts-today"), "van", "list today's cycle counts")
    assert shop.api("GET", "/nodes/shopfront/counts-today").status_code == 200


def test_the_cli_refuses_the_same_acts_with_the_same_words(shop: Shop) -> None:
    counts = {"counts": [{"sku": "MUG", "quantity": 4}]}
    api = shop.api("POST", "/nodes/van/closeout", counts).json()["error"]["message"]
    before = shop.copies()
    asked = {
        ("van", "closeout", "van", "--count", "MUG:4"): api,
        ("counts-today", "van"): "list today's cycle counts at van's own agent",
    }
    for args, message in asked.items():
        result = shop.cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)
    assert shop.copies() == before


def test_the_cli_ships_and_receives_at_a_remote_node_as_the_api_does(shop: Shop) -> None:
    _transfer(shop, "t-cli", "van", "locker")
    before = shop.copies()
    for step in ("ship", "receive"):
        result = shop.cli("transfer", step, "t-cli")
        assert result.exit_code == 0, result.output
    assert shop.api("GET", "/transfers/t-cli").json()["state"] == "received"
    assert shop.copies() == before
    for code in ("van", "locker"):
        shop.agents[code].sync()
    moved = [
        (m.node, m.kind, m.quantity)
        for code in ("van", "locker")
        for m in shop.agents[code].ledger()
        if m.tag_id == "t-cli"
    ]
    assert moved == [
        ("van", MovementKind.TRANSFER_OUT, -1),
        ("locker", MovementKind.TRANSFER_IN, 1),
    ]


def test_a_remote_lockers_collection_travels_as_a_pick_applied_once(shop: Shop) -> None:
    locker = shop.agents["locker"]
    order = {"lines": [{"sku": "MUG", "quantity": 1}], "method": "pickup", "pickup_node": "locker"}
    keyed = {**shop.admin, "Idempotency-Key": "web-locker-1"}
    placed = shop.client.post("/api/v1/orders", json=order, headers=keyed)
    assert placed.status_code == 201, placed.text
    assert [part["node"] for part in placed.json()["parts"]] == ["locker"]
    locker.sync()  # the set-aside reaches the locker
    room = {"length_mm": 400, "width_mm": 400, "height_mm": 400}
    assert shop.api("PUT", "/nodes/locker/compartments/C1", room).status_code == 200
    assigned = shop.api("POST", "/nodes/locker/pickups", {"order": "web-locker-1"})
    assert assigned.status_code == 201, assigned.text
    before = shop.copies()
    code = {"code": assigned.json()["code"]}
    collected = shop.api("POST", "/nodes/locker/pickups/collect", code)
    assert collected.status_code == 200, collected.text
    assert shop.copies() == before  # the hub's copy of the locker is not written
    locker.sync()
    locker.sync()  # a second sync brings nothing more
    picks = [m for m in locker.ledger() if m.kind is MovementKind.PICK]
    assert [(m.quantity, m.tag_id) for m in picks] == [(-1, "web-locker-1/locker/MUG")]
    shown = shop.api("GET", "/orders/web-locker-1").json()
    assert shown["step"] == "handed_over", shown


def test_closing_a_remote_popup_takes_home_what_its_mirror_holds(shop: Shop) -> None:
    stall = PopUp("stall", "shopfront", date(2026, 11, 23), date(2026, 11, 24))
    popups.add(shop.ws.hub, shop.ws.rounds(), stall)
    result = shop.cli("popup", "close", "stall", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["lines"] == {"MUG": 5}, result.output
    closed = shop.api("POST", "/popups/stall/close")
    assert closed.status_code == 200, closed.text
    transfer = closed.json()["transfer"]
    assert transfer is not None, "the hub's copy of the stall is empty; its mirror holds 5"
    assert transfer["requested"] == [{"sku": "MUG", "quantity": 5}]


def test_a_remote_popup_is_planned_from_what_its_mirror_shows_it_sold_and_holds(
    shop: Shop,
) -> None:
    stall = shop.agents["stall"]
    rights.sell_walk_in(stall.own, "stall", "MUG", 2, TUESDAY_10 - timedelta(days=1), "till")
    stall.sync()
    event = PopUp("stall", "shopfront", date(2026, 11, 28), date(2026, 11, 29))
    popups.add(shop.ws.hub, shop.ws.rounds(), event)
    planned = shop.api("POST", "/popups/stall/plan")
    assert planned.status_code == 200, planned.text
    assert planned.json()["basis"] == "triage"  # its own sales, in the mirror
    wanted = {line["sku"]: line["quantity"] for line in planned.json()["wanted"]}
    sent = planned.json()["transfer"]
    asked = {} if sent is None else {x["sku"]: x["quantity"] for x in sent["requested"]}
    assert asked.get("MUG", 0) <= max(0, wanted["MUG"] - 3)  # three are there already
