"""The promise tests' shop (a hub with the demo's nodes synced, holding real rights), on
SQLite and PostgreSQL, with the hub's lockers, transfers and shelf slots beside it; and a bare
hub with its rounds, service areas and pop-ups, on either database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.postgres.node_ops_store import PostgresNodeOps
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.postgres.rounds_store import PostgresRoundsDatabase
from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sqlite.rounds_store import SqliteRoundsDatabase
from microindex.demo.scenario import NODES
from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.product import Product, Size
from microindex.service import rights
from microindex.service.candidate_states import StoredStates
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.rounds_ports import RoundsFactory
from tests.promise.conftest import Shop

MUG = Product(
    Sku("MUG"),
    "Stoneware mug",
    Money(Decimal("12.50"), "GBP"),
    gtin=Gtin.parse("4006381333931"),
    weight_g=400,
    size=Size(120, 90, 100),
)
LAMP = Product(
    Sku("LAMP"), "Floor lamp", Money(Decimal("90"), "GBP"), weight_g=4000, size=Size(1400, 300, 300)
)


@dataclass
class Site:
    shop: Shop
    ops: NodeOpsFactory
    rounds: RoundsFactory

    @property
    def states(self) -> StoredStates:
        """The candidate state place_order reads, as the workspace builds it."""
        return StoredStates(self.shop.hub, self.rounds, self.ops)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    hub: SqlitePromiseDatabase | PostgresPromiseDatabase
    ops: NodeOpsFactory
    store: RoundsFactory
    if request.param == "sqlite":
        hub = SqlitePromiseDatabase(tmp_path / "hub.sqlite")
        ops, store = SqliteNodeOps(hub), SqliteRoundsDatabase(hub)
    else:
        url = request.getfixturevalue("postgres_url")
        hub = PostgresPromiseDatabase(url, request.getfixturevalue("postgres_schema"))
        ops, store = PostgresNodeOps(hub), PostgresRoundsDatabase(hub)
    hub.migrate()
    rights.renew_epoch(hub, "epoch-1")
    with hub() as uow:
        uow.catalog.upsert([MUG, LAMP])
        uow.commit()
    nodes = {}
    for node in NODES:
        database = SqliteSyncDatabase(tmp_path / f"{node.code.value}.sqlite")
        database.migrate()
        nodes[node.code.value] = database
    yield Site(Shop(hub, nodes), ops, store)
    hub.close()
    for database in nodes.values():
        database.close()


@dataclass
class RoundsHub:
    """A migrated hub, empty, with its rounds and pop-ups and its transfers beside it."""

    hub: SqlitePromiseDatabase | PostgresPromiseDatabase
    rounds: RoundsFactory
    ops: NodeOpsFactory


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def rounds_hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RoundsHub]:
    made: RoundsHub
    if request.param == "sqlite":
        lite = SqlitePromiseDatabase(tmp_path / "hub.sqlite")
        made = RoundsHub(lite, SqliteRoundsDatabase(lite), SqliteNodeOps(lite))
    else:
        url = request.getfixturevalue("postgres_url")
        pg = PostgresPromiseDatabase(url, request.getfixturevalue("postgres_schema"))
        made = RoundsHub(pg, PostgresRoundsDatabase(pg), PostgresNodeOps(pg))
    made.hub.migrate()
    yield made
    made.hub.close()
