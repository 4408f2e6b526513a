"""A node whose agent keeps its ledger in its own folder (syncing with the hub over real HTTP)
is never written by the hub: the hub reads it from its mirror, and a receive, write-off or
count asked of the hub travels in the next sync reply as a request the node applies once
(issue 17). The copy of the node a hub's workspace holds stays as it was."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.product import Product
from microindex.domain.sync.messages import Push, Reply
from microindex.entrypoints.access import token_store
from microindex.entrypoints.cli.app import app as cli
from microindex.entrypoints.http import create_app
from microindex.service import access, rights, sync
from microindex.service import stock as stock_service
from microindex.service.catalog import ParsedCatalog, import_products, pull_catalog
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import bearer

pytestmark = pytest.mark.realclock  # a real server in a thread: waits on the wall clock

MUG = Product(Sku("MUG"), "Stoneware mug", Money(Decimal("12.50"), "GBP"))
REMOTE = "shopfront"


class Recording:
    """The agent's HTTP link, keeping the last reply (to deliver it again)."""

    def __init__(self, link: HttpTransport) -> None:
        self.link = link
        self.replies: list[Reply] = []

    def exchange(self, push: Push) -> Reply:
        reply = self.link.exchange(push)
        self.replies.append(reply)
        return reply


@dataclass
class Agent:
    ws: Workspace
    clock: Clock
    own: SqliteSyncDatabase  # the node's ledger, in the agent's own folder
    link: Recording
    api: httpx.Client  # the hub's API, as an admin
    admin: str  # the admin token's secret

    def sync(self) -> sync.SyncReport:
        return sync.sync_node(self.own, REMOTE, self.link, self.clock())

    def ledger(self, at_hub: bool = False) -> list[Movement]:
        with (self.ws.hub if at_hub else self.own)() as uow:
            return uow.ledger.movements(REMOTE, 0, 10**9)

    def on_hand(self) -> int:
        with self.own() as uow:
            return uow.ledger.load(REMOTE, ["MUG"]).available("MUG")

    def copy_head(self) -> int:
        """The head of the copy of the node in the hub's workspace."""
        with self.ws.node(REMOTE)() as uow:
            return uow.ledger.load(REMOTE, []).head

    def kinds(self, after: int) -> list[MovementKind]:
        """What the node recorded after `after`, but the rights it moved (grants)."""
        return [m.kind for m in self.ledger()[after:] if m.kind is not MovementKind.GRANT]

    def head(self) -> int:
        return len(self.ledger())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Agent]:
    """The hub served by uvicorn; the shopfront's agent in its own folder has received 10 mugs,
    sold 3 and synced. The hub's copy of the shopfront holds an older history of its own."""
    clock = Clock(DEMO_NOW)
    ws = bootstrap(Settings(tmp_path / "hub"), clock=clock)
    for node in NODES:
        add_node(ws.hub, node)
    import_products(ws.hub, ParsedCatalog([MUG]), clock())
    pull_catalog(ws.hub, ws.node(REMOTE))
    stock_service.receive(ws.node(REMOTE), REMOTE, "MUG", 2, clock(), "old copy")
    own = SqliteSyncDatabase(tmp_path / "elsewhere" / "shopfront.sqlite")
    own.migrate()
    admin = access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), clock()).secret
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ws), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    link = HttpTransport(url, REMOTE, ws.secrets.ensure(REMOTE))
    api = httpx.Client(base_url=f"{url}/api/v1", headers=bearer(admin), timeout=30)
    found = Agent(ws, clock, own, Recording(link), api, admin)
    try:
        found.sync()  # the catalog reaches the node
        stock_service.receive(own, REMOTE, "MUG", 10, clock(), "delivery")
        for _ in range(3):
            rights.sell_walk_in(own, REMOTE, "MUG", 1, clock(), "till", None)
        found.sync()
        yield found
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        api.close()
        link.close()
        own.close()
        ws.close()


def test_the_hub_reads_a_remote_node_from_its_mirror(agent: Agent) -> None:
    head = agent.api.get(f"/nodes/{REMOTE}/head")
    assert head.status_code == 200, head.text
    assert head.json()["head"] == agent.head() >= 4
    stock = agent.api.get("/stock", params={"node": REMOTE}).json()
    assert [(line["sku"], line["on_hand"]) for line in stock] == [("MUG", agent.on_hand())]
    assert agent.on_hand() == 7
    page = agent.api.get(f"/nodes/{REMOTE}/movements", params={"after": 0}).json()
    assert [m["seq"] for m in page["items"]] == list(range(1, agent.head() + 1))
    exported = agent.api.get(f"/nodes/{REMOTE}/stock/export").text.splitlines()
    assert exported[1:] == ["MUG,7"]
    assert agent.copy_head() == 1  # left as it was


def test_the_dashboard_shows_a_remote_nodes_movements_from_the_mirror(agent: Agent) -> None:
    base = str(agent.api.base_url).rstrip("/").removesuffix("/api/v1")
    with httpx.Client(base_url=base, timeout=30) as browser:
        signed = browser.post("/login", data={"token": agent.admin}, follow_redirects=False)
        assert signed.status_code == 303, signed.text
        html = browser.get("/").text
    moved = html[html.index('id="movements"') :]
    assert f"{REMOTE}#{agent.head()}" in moved and "delivery" in moved
    assert "old copy" not in moved  # the copy in the hub's workspace is not what it shows


def test_a_hub_side_receive_write_off_and_count_are_applied_once_at_the_node(
    agent: Agent,
) -> None:
    pallet = {"sku": "MUG", "quantity": 5, "reference": "pallet 7"}
    key = {"Idempotency-Key": "pallet-7"}
    received = agent.api.post(f"/nodes/{REMOTE}/receive", json=pallet, headers=key)
    assert received.status_code == 202, received.text
    assert "queued for shopfront's next sync" in received.json()["message"]
    again = agent.api.post(f"/nodes/{REMOTE}/receive", json=pallet, headers=key)
    assert again.status_code == 202 and again.json()["request"] == received.json()["request"]
    written = agent.api.post(f"/nodes/{REMOTE}/write-off", json={"sku": "MUG", "quantity": 1})
    assert written.status_code == 202, written.text
    assert agent.copy_head() == 1  # the hub's copy is not written
    assert agent.on_hand() == 7  # the node hears of them with its next sync

    before = agent.head()
    agent.sync()
    assert agent.kinds(before) == [MovementKind.RECEIVE, MovementKind.WRITE_OFF]
    made = [m for m in agent.ledger()[before:] if m.kind is not MovementKind.GRANT]
    assert [(m.quantity, m.reference) for m in made] == [(5, "pallet 7"), (-1, "")]
    assert all(m.actor for m in made)  # who asked at the hub
    assert agent.on_hand() == 11

    counted = agent.api.post(f"/nodes/{REMOTE}/count", json={"sku": "MUG", "counted": 9})
    assert counted.status_code == 202, counted.text
    assert counted.json()["position"] == agent.head()  # the mirror's head when it was asked
    before = agent.head()
    agent.sync()
    assert agent.kinds(before) == [MovementKind.COUNT_ADJUST] and agent.on_hand() == 9
    settled = agent.head()

    asked = [r for r in agent.link.replies if r.requests]
    with agent.own() as uow:
        counter = sync.load_side(uow, REMOTE).counter
    for reply in asked:  # each reply with requests delivered again, then from a new epoch
        again_made = sync.accept_reply(
            agent.own, REMOTE, replace(reply, counter=counter), agent.clock()
        )
        assert again_made == []
        fresh = replace(reply, counter=counter, epoch="restored")
        assert sync.accept_reply(agent.own, REMOTE, fresh, agent.clock()) == []
    agent.sync()
    agent.sync()
    mine = agent.ledger()
    assert agent.kinds(settled) == [] and agent.on_hand() == 9  # each once
    assert [m.digest() for m in agent.ledger(at_hub=True)] == [m.digest() for m in mine]
    with agent.ws.hub() as uow:
        assert uow.accounts.load(REMOTE).requests == {}
    stock = agent.api.get("/stock", params={"node": REMOTE}).json()
    assert [line["on_hand"] for line in stock] == [9]
    assert agent.copy_head() == 1


def test_a_walk_in_sale_at_a_remote_node_is_refused_at_the_hub(agent: Agent) -> None:
    sold = agent.api.post(f"/nodes/{REMOTE}/sell", json={"sku": "MUG", "quantity": 1})
    assert sold.status_code == 409, sold.text
    error = sold.json()["error"]
    assert error["code"] == "node_runs_elsewhere"
    assert "sell at shopfront's own agent" in error["message"]
    assert agent.copy_head() == 1
    assert agent.sync().acked == agent.head()  # the next sync does not fail


def test_a_bad_remote_request_is_refused_at_once(agent: Agent) -> None:
    unknown = agent.api.post(f"/nodes/{REMOTE}/receive", json={"sku": "NOPE", "quantity": 1})
    local = agent.api.post("/nodes/van/receive", json={"sku": "NOPE", "quantity": 1})
    assert unknown.status_code == local.status_code == 404
    assert unknown.json()["error"]["message"] == local.json()["error"]["message"]
    too_many = agent.api.post(f"/nodes/{REMOTE}/write-off", json={"sku": "MUG", "quantity": 8})
    assert too_many.status_code == 409, too_many.text
    ahead = agent.api.post(
        f"/nodes/{REMOTE}/count",
        json={"sku": "MUG", "counted": 1, "position": agent.head() + 1},
    )
    assert ahead.status_code == 409, ahead.text
    with agent.ws.hub() as uow:
        assert uow.accounts.load(REMOTE).requests == {}


def test_the_hubs_cli_queues_for_a_remote_node_and_skips_it_in_sync(agent: Agent) -> None:
    where = ["-w", str(agent.ws.settings.workspace)]
    runner = CliRunner()
    received = runner.invoke(cli, [*where, "stock", "receive", REMOTE, "MUG", "2"])
    assert received.exit_code == 0, received.output
    assert "queued for shopfront's next sync" in received.output
    counted = runner.invoke(cli, [*where, "stock", "count", REMOTE, "MUG", "6"])
    assert counted.exit_code == 0 and "queued" in counted.output, counted.output
    sold = runner.invoke(cli, [*where, "stock", "sell", REMOTE, "MUG", "1"])
    assert sold.exit_code == 1 and "own agent" in sold.output, sold.output
    head = runner.invoke(cli, [*where, "stock", "head", REMOTE])
    assert head.output.strip() == str(agent.head())
    synced = runner.invoke(cli, [*where, "sync", "--node", REMOTE])
    assert synced.exit_code == 0, synced.output
    assert "runs its own agent" in synced.output
    assert agent.copy_head() == 1
    before = agent.head()
    agent.sync()
    assert agent.kinds(before) == [MovementKind.RECEIVE, MovementKind.COUNT_ADJUST]
    assert agent.on_hand() == 8  # 7 + 2 received, and 1 less counted at #head than expected
