"""A kit sold by a node agent on its own machine (issue 23): the kit's parts reach the node with
the catalog in its sync reply, so its staff page and agent API sell the kit as its parts, in one
transaction at the node (`rights.sell_lines_walk_in`, as at the hub), with the hub out of reach;
the hub hears each part's sale at the next sync. A kit set again or removed travels the same way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microindex.adapters.sqlite.purchasing_store import SqliteKits
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.entrypoints.access import token_store
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service import access, sync
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.http.conftest import bearer

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
KIT = "KIT-ZERO-WASTE"
PARTS = {"BAR-SOAP": 2, "TIN-BALM": 1, "BAG-COTTON": 1}
HELD = {"BAR-SOAP": 6, "TIN-BALM": 4, "BAG-COTTON": 3}  # at the van: 3 kits
STAFF = "van-staff-secret"


def _product(sku: str, title: str) -> Product:
    return Product(Sku(sku), title, Money(Decimal("4.00"), "GBP"))


@dataclass
class Scene:
    hub: TestClient
    van: TestClient  # the van's own agent app
    ws: Workspace
    own: SqliteSyncDatabase
    link: HttpTransport
    admin: dict[str, str]

    def sync(self) -> None:
        sync.sync_node(self.own, "van", self.link, AT)

    def at_hub(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answer = self.hub.request(method, f"/api/v1{path}", json=body, headers=self.admin)
        assert answer.status_code == status, answer.text
        return answer.json()

    def at_van(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answer = self.van.request(method, f"/api/v1{path}", json=body)
        assert answer.status_code == status, answer.text
        return answer.json()

    def on_hand(self) -> dict[str, int]:
        lines = self.at_van("GET", "/stock?node=van")
        return {line["sku"]: line["on_hand"] for line in lines if line["sku"] in PARTS}


@pytest.fixture
def scene(tmp_path: Path, hub_url: str | None) -> Iterator[Scene]:
    folder = tmp_path / "hub"
    folder.mkdir()
    (folder / "microindex.toml").write_text(Settings(folder, hub_url=hub_url).to_toml())
    ws = bootstrap(Settings.load(folder), clock=lambda: AT)
    for node in NODES:
        add_node(ws.hub, node)
    hostile = "=SUM(A1) <!-- kit\\x07"
    products = [_product(KIT, hostile), *(_product(s, s.lower()) for s in PARTS)]
    import_products(ws.hub, ParsedCatalog(products), AT)
    admin = bearer(access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), AT).secret)
    own = SqliteSyncDatabase(tmp_path / "van" / "van.sqlite")
    own.migrate()
    site = NodeSite(
        own, "van", tmp_path / "van", STAFF, lambda: AT, "Van", kits=SqliteKits(own.connection)
    )
    with TestClient(create_app(ws)) as hub, TestClient(create_node_app(site)) as van:
        van.headers["Authorization"] = f"Bearer {STAFF}"
        link = HttpTransport("http://testserver", "van", ws.secrets.ensure("van"), hub)
        scene = Scene(hub, van, ws, own, link, admin)
        scene.sync()  # the catalog reaches the van
        for sku, quantity in HELD.items():
            scene.at_van("POST", "/nodes/van/receive", {"sku": sku, "quantity": quantity})
        parts = [{"sku": s, "quantity": q} for s, q in PARTS.items()]
        scene.at_hub("PUT", f"/kits/{KIT}", {"parts": parts})
        yield scene
    own.close()
    ws.close()


def test_the_agent_sells_a_kit_as_its_parts_once_the_kit_reached_it(scene: Scene) -> None:
    scene.at_van("GET", f"/codes/{KIT}")  # known as a product
    refused = scene.at_van("POST", f"/nodes/van/kits/{KIT}/sell", {"quantity": 1}, 404)
    assert refused["error"]["code"] == "unknown_kit"  # the kit has not reached the van yet
    scene.sync()  # its parts come with the catalog
    looked_up = scene.at_van("GET", f"/codes/{KIT}")
    assert {p["sku"]: p["quantity"] for p in looked_up["kit"]} == PARTS
    assert scene.at_van("GET", f"/kits/{KIT}/stock")[0]["on_hand"] == 3
    sold = scene.at_van("POST", f"/nodes/van/kits/{KIT}/sell", {"quantity": 1})
    assert {(m["sku"], m["kind"], m["quantity"]) for m in sold} == {
        ("BAR-SOAP", "sell", -2),
        ("TIN-BALM", "sell", -1),
        ("BAG-COTTON", "sell", -1),
    }
    assert scene.on_hand() == {"BAR-SOAP": 4, "TIN-BALM": 3, "BAG-COTTON": 2}
    # three more kits would take 6 soaps: all or none, nothing moves
    scene.at_van("POST", f"/nodes/van/kits/{KIT}/sell", {"quantity": 3}, 409)
    assert scene.on_hand() == {"BAR-SOAP": 4, "TIN-BALM": 3, "BAG-COTTON": 2}
    scene.sync()  # the hub hears each part's sale
    stock = {r["sku"]: r["on_hand"] for r in scene.at_hub("GET", "/stock?node=van")}
    assert {s: stock[s] for s in PARTS} == scene.on_hand()
    assert KIT not in stock  # a kit holds no stock of its own


def test_a_kit_removed_at_the_hub_stops_selling_at_the_agent(scene: Scene) -> None:
    scene.sync()
    scene.at_hub("DELETE", f"/kits/{KIT}")
    scene.sync()
    assert scene.at_van("GET", f"/codes/{KIT}")["kit"] is None
    scene.at_van("POST", f"/nodes/van/kits/{KIT}/sell", {"quantity": 1}, 404)
    assert scene.on_hand() == HELD


def test_goods_under_a_kits_sku_are_refused_by_the_agent_and_by_the_hub_for_it(
    scene: Scene,
) -> None:
    """A kit holds no stock of its own (ADR 0009): the agent refuses a receipt of it once the
    kit reached it, and the hub refuses to queue one for the van, in the same words."""
    scene.sync()  # the kit reaches the van; its receipts reach the hub: it runs elsewhere
    said = f"{KIT} is a kit: it holds no stock of its own; receive its parts instead"
    body = {"sku": KIT, "quantity": 4}
    refused = scene.at_van("POST", "/nodes/van/receive", body, 422)
    assert refused["error"]["message"].startswith(said)
    queued = scene.at_hub("POST", "/nodes/van/receive", body, 422)
    assert queued["error"]["message"] == refused["error"]["message"]
    counted = scene.at_van("POST", "/nodes/van/count", {"sku": KIT, "counted": 1}, 422)
    assert "count its parts instead" in counted["error"]["message"]
    scene.sync()
    lines = scene.at_van("GET", "/stock?node=van")
    assert KIT not in {line["sku"] for line in lines}
