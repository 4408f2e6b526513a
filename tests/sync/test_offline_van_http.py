"""Issue 16's scenario, end to end over real HTTP: a van offline and the web shop never
together sell more than exists.

A new SKU, 5 units received at the van, synced (the van holds some local rights, the hub the
rest). The van's agent app runs over the van's own database with the hub out of reach (its
sync link points at a closed port). The hub promises its units online (POST /api/v1/orders,
local delivery). The van's staff try to sell all 5 through the agent's sell API: refused beyond
the van's own rights; with an override, recorded as an overdraft. After the next sync every
order is re-promised elsewhere or shown at risk, and no unit is committed beyond what was
received except by that explicit override.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.movement import MovementKind, Tag
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
SKU = "JUG-NEW-1"
JUG = Product(Sku(SKU), "Stoneware jug", Money(Decimal("28.00"), "GBP"))
NEAR_THE_VAN = {"lat": 51.545, "lon": -0.056}
STAFF_SECRET = "van-staff-secret"


def closed_port() -> int:
    """A port nobody listens on: the hub, as far as the van can tell, is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Scene:
    hub: TestClient  # the hub's API
    van: TestClient  # the van's own agent app, the hub out of reach
    ws: Workspace
    own: SqliteSyncDatabase  # the van's database, on the van
    link: HttpTransport  # the van's link to the hub, once back in reach
    channel: dict[str, str]
    admin: str
    now: list[datetime]  # the hub's and the van's clock, moved by the test

    def sync(self) -> None:
        sync.sync_node(self.own, "van", self.link, self.ws.clock())

    def sell(self, quantity: int, override: str = "") -> Any:
        body: dict[str, Any] = {"sku": SKU, "quantity": quantity, "reference": "till"}
        if override:
            body["override"] = {"reason": override, "actor": "sam"}
        return self.van.post("/api/v1/nodes/van/sell", json=body)

    def order(self, key: str, quantity: int) -> Any:
        body = {
            "lines": [{"sku": SKU, "quantity": quantity}],
            "method": "local_delivery",
            "customer": NEAR_THE_VAN,
        }
        headers = {**self.channel, "Idempotency-Key": key}
        return self.hub.post("/api/v1/orders", json=body, headers=headers)

    def rights(self) -> tuple[int, int]:
        """(the van's local rights, the hub's rights at the van) for the SKU."""
        with self.own() as uow:
            local = sync.load_side(uow, "van").get(SKU).local
        with self.ws.hub() as uow:
            return local, uow.accounts.held(SKU).get("van", 0)


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    now = [TUESDAY_10]
    ws = bootstrap(Settings(tmp_path / "hub"), clock=lambda: now[0])
    for node in NODES:
        add_node(ws.hub, node)
    import_products(ws.hub, ParsedCatalog([JUG]), TUESDAY_10)
    grant = Grant(Role.CHANNEL)
    channel = bearer(access.issue(token_store(ws), ws.hub, grant, TUESDAY_10).secret)
    admin = access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), TUESDAY_10).secret
    own = SqliteSyncDatabase(tmp_path / "van" / "van.sqlite")
    own.migrate()
    down = HttpTransport(f"http://127.0.0.1:{closed_port()}", "van", ws.secrets.ensure("van"))

    def ask(lines: Any) -> None:  # the agent asks the hub for rights: it cannot be reached
        sync.sync_node(own, "van", down, TUESDAY_10, want=sorted(lines.items()))

    site = NodeSite(own, "van", tmp_path / "van", STAFF_SECRET, lambda: now[0], "Van", ask, down)
    agent = create_node_app(site)
    with TestClient(create_app(ws)) as hub, TestClient(agent) as van:
        van.headers["Authorization"] = f"Bearer {STAFF_SECRET}"
        link = HttpTransport("http://testserver", "van", ws.secrets.ensure("van"), hub)
        scene = Scene(hub, van, ws, own, link, channel, admin, now)
        scene.sync()  # the catalog reaches the van
        for node in NODES:  # the other nodes are heard from, and hold no jugs
            if (code := node.code.value) != "van":
                sync.sync_node(ws.node(code), code, ws.link(code), TUESDAY_10)
        yield scene
    agent.state.index.close()
    down.close()
    own.close()
    ws.close()


def test_an_offline_van_and_the_web_shop_never_together_sell_more_than_exists(
    scene: Scene,
) -> None:
    # the seller sizes the van's own rights for short outages, so the hub holds most of them
    admin = {"Authorization": f"Bearer {scene.admin}"}
    gap = scene.hub.patch("/api/v1/nodes/van", json={"offline_gap_s": 900}, headers=admin)
    assert gap.status_code == 200, gap.text
    stock_service.receive(scene.own, "van", SKU, 5, TUESDAY_10, "delivery", "sam")
    scene.sync()
    local, online = scene.rights()
    assert local + online == 5 and online > 0  # the hub holds some, the van keeps the rest

    # the van goes offline; the web shop promises what the hub holds there, one jug an order
    keys = [f"web-{n}" for n in range(1, online + 1)]
    for key in keys:
        placed = scene.order(key, 1)
        assert placed.status_code == 201, placed.text
        assert [part["node"] for part in placed.json()["parts"]] == ["van"]
    assert scene.order("web-extra", 1).status_code == 409  # no more than the hub holds

    # the van's staff try to sell all five: refused beyond the van's own rights
    refused = scene.sell(5)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "promised_online"
    assert "promised to online orders" in error["message"]
    data = error["data"]
    shown = (data["sku"], data["node"], data["requested"], data["held"], data["on_hand"])
    assert shown == (SKU, "van", 5, local, 5)
    if local:
        assert scene.sell(local).status_code == 200  # its own rights: sold
    assert scene.sell(5 - local).status_code == 409  # the rest is still promised online
    overdraft = scene.sell(5 - local, override="regular customer, paid cash")
    assert overdraft.status_code == 200, overdraft.text
    sale = overdraft.json()
    assert sale["tag"] == "overdraft"
    assert sale["reference"] == "till (override: regular customer, paid cash)"
    assert (sale["quantity"], sale["actor"]) == (-(5 - local), "sam")
    assert scene.sell(1, override="one more").status_code == 409  # none left on hand

    # back in reach: the hub learns of the overdraft and answers every order it broke
    scene.sync()
    with scene.ws.hub() as uow:
        assert uow.accounts.peer("van").overdraft == 5 - local
    committed_plainly = local  # sold within the van's rights
    for key in keys:
        shown = scene.hub.get(f"/api/v1/orders/{key}", headers=scene.channel).json()
        parts = {part["node"]: part for part in shown["parts"]}
        rerouted = parts["van"]["step"] == "rerouted"
        assert shown["at_risk"] or rerouted or shown["step"] != "promised", shown
        if not shown["at_risk"] and not rerouted:
            committed_plainly += 1
        if shown["at_risk"]:  # no other node holds jugs: said, with why
            assert "gone" in parts["van"]["at_risk"]
    assert committed_plainly <= 5  # nothing beyond what was received, but by the override
    listed = scene.hub.get("/api/v1/orders", headers=scene.channel).json()
    assert {o["id"] for o in listed if o["at_risk"]} == set(keys)
    with scene.own() as uow:
        moves = uow.ledger.movements("van", 0, 100)
    sold = [m for m in moves if m.kind is MovementKind.SELL]
    assert sum(-m.quantity for m in sold) == 5
    assert [m.tag is Tag.OVERDRAFT for m in sold] == [False] * bool(local) + [True]
    signed_in = scene.hub.post("/login", content=f"token={scene.admin}".encode())
    assert signed_in.status_code == 200
    board = scene.hub.get("/").text  # the dashboard lists them
    assert 'id="at-risk"' in board and all(f"<code>{key}</code>" in board for key in keys)


def test_stock_arriving_at_the_van_covers_its_orders_at_risk_again_oldest_first(
    scene: Scene,
) -> None:
    # two web orders promised at the van, the only node with jugs: the older one last by name
    admin = {"Authorization": f"Bearer {scene.admin}"}
    gap = scene.hub.patch("/api/v1/nodes/van", json={"offline_gap_s": 900}, headers=admin)
    assert gap.status_code == 200, gap.text
    arrived = scene.van.post("/api/v1/nodes/van/receive", json={"sku": SKU, "quantity": 6})
    assert arrived.status_code == 200, arrived.text
    scene.sync()
    local, online = scene.rights()
    assert online >= 2, (local, online)
    for key in ("web-older", "web-newer"):
        scene.now[0] += timedelta(minutes=5)
        placed = scene.order(key, 1)
        assert placed.status_code == 201, placed.text
        assert [part["node"] for part in placed.json()["parts"]] == ["van"]
    scene.sync()  # both set aside at the van

    # offline, the van's staff sell every jug, past the refusal: both orders are uncovered
    scene.now[0] += timedelta(minutes=5)
    on_hand = 6
    if local:
        assert scene.sell(local).status_code == 200
    sold = scene.sell(on_hand - local, override="regular customer, paid cash")
    assert sold.status_code == 200, sold.text
    scene.sync()

    def shown(key: str) -> dict[str, Any]:
        found = scene.hub.get(f"/api/v1/orders/{key}", headers=scene.channel)
        assert found.status_code == 200, found.text
        return dict(found.json())

    def van_part(key: str) -> dict[str, Any]:
        (part,) = [p for p in shown(key)["parts"] if p["node"] == "van"]
        return dict(part)

    assert shown("web-newer")["at_risk"] and shown("web-older")["at_risk"]

    # one jug arrives at the van (its agent's receive) and the van syncs: the older is covered
    scene.now[0] += timedelta(minutes=5)
    one = scene.van.post("/api/v1/nodes/van/receive", json={"sku": SKU, "quantity": 1})
    assert one.status_code == 200, one.text
    scene.sync()
    older, newer = shown("web-older"), shown("web-newer")
    assert not older["at_risk"], older
    assert van_part("web-older")["step"] == "promised" and not van_part("web-older")["at_risk"]
    assert [p["node"] for p in older["parts"]] == ["van"]
    assert newer["at_risk"] and van_part("web-newer")["at_risk"], newer
    listed = scene.hub.get("/api/v1/orders", headers=scene.channel).json()
    assert {o["id"] for o in listed if o["at_risk"]} == {"web-newer"}
    with scene.own() as uow:  # the jug was granted to the hub, not kept as the van's own
        rights = sync.load_side(uow, "van").get(SKU)
    assert (rights.local, rights.granted) == (0, 1)
    assert scene.sell(1).status_code == 409  # promised online again, not the van's to sell
    scene.sync()  # the van's next sync sets it aside for the older order only
    with scene.own() as uow:
        rights = sync.load_side(uow, "van").get(SKU)
    assert rights.local == 0 and rights.reserved == (("web-older/van/JUG-NEW-1", 1),)

    # the next jug covers the newer one; nothing is ever set aside twice
    scene.now[0] += timedelta(minutes=5)
    two = scene.van.post("/api/v1/nodes/van/receive", json={"sku": SKU, "quantity": 1})
    assert two.status_code == 200, two.text
    scene.sync()
    scene.sync()  # quiet: nothing more moves
    assert not shown("web-newer")["at_risk"] and van_part("web-newer")["step"] == "promised"
    with scene.own() as uow:
        rights = sync.load_side(uow, "van").get(SKU)
    assert rights.on_hand == 2 and rights.local == 0 and rights.granted == 0
    assert dict(rights.reserved) == {"web-older/van/JUG-NEW-1": 1, "web-newer/van/JUG-NEW-1": 1}
    with scene.ws.hub() as hub:
        held = hub.accounts.reservations(["web-older/van/JUG-NEW-1", "web-newer/van/JUG-NEW-1"])
        h = hub.accounts.held(SKU).get("van", 0)
    assert {r.state.value for r in held.values()} == {"aside"} and h == 0


def test_the_vans_agent_refuses_a_sale_of_an_unknown_sku_as_the_hub_does(scene: Scene) -> None:
    # a typed SKU no product has is no product, not "only 0 on hand", as the hub and the CLI say
    body = {"sku": "EGG-FR-21", "quantity": 1}
    sold = scene.van.post("/api/v1/nodes/van/sell", json=body)
    received = scene.van.post("/api/v1/nodes/van/receive", json=body)
    assert (sold.status_code, received.status_code) == (404, 404), sold.text
    assert sold.json() == received.json()
    assert sold.json()["error"]["code"] == "unknown_sku"


def test_the_vans_agent_refuses_the_stock_of_an_unknown_sku_as_the_hub_does(scene: Scene) -> None:
    admin = {"Authorization": f"Bearer {scene.admin}"}
    at_hub = scene.hub.get("/api/v1/stock", params={"sku": "EGG-FR-21"}, headers=admin)
    at_van = scene.van.get("/api/v1/stock", params={"node": "van", "sku": "EGG-FR-21"})
    assert (at_hub.status_code, at_van.status_code) == (404, 404), at_van.text
    assert at_van.json()["error"]["code"] == at_hub.json()["error"]["code"] == "unknown_sku"
