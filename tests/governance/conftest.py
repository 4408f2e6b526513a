"""A small shop for governance tests: a hub and three nodes, on memory, on SQLite files, or with
the hub on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.governance_memory import MemoryGovernanceDatabase
from microindex.adapters.postgres.governance_store import PostgresGovernanceDatabase
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.governance_store import SqliteGovernanceDatabase
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.codes import NodeCode, Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.node import Capabilities, Location, Node, NodeKind
from microindex.domain.product import Fragility, Product
from microindex.service import catalog, nodes
from microindex.service.governance_ports import GovernanceUnitOfWorkFactory

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
MUG, BOWL, VASE = "MUG-TIDE-350", "BWL-MOSS-S", "VAS-PLUM-M"
VASE_GTIN = "5069412000027"

NODES = (
    Node(
        NodeCode("shopfront"),
        NodeKind.STORE,
        "Shopfront",
        Location(51.5363, -0.0618),
        capabilities=Capabilities(return_point=True),
    ),
    Node(
        NodeCode("locker"),
        NodeKind.LOCKER,
        "Locker",
        Location(51.5317, -0.1240),
        capabilities=Capabilities(return_point=True),
    ),
    Node(NodeCode("van"), NodeKind.VAN, "Van", Location(51.5450, -0.0553)),
)
PRODUCTS = (
    Product(Sku(MUG), "Tide mug", Money(Decimal("26.00"), "GBP")),
    Product(Sku(BOWL), "Moss bowl", Money(Decimal("28.00"), "GBP"), fragility=Fragility.FRAGILE),
    Product(
        Sku(VASE),
        "Plum vase",
        Money(Decimal("90.00"), "GBP"),
        gtin=Gtin.parse(VASE_GTIN),
        fragility=Fragility.VERY_FRAGILE,
    ),
)


@dataclass
class Shop:
    hub: GovernanceUnitOfWorkFactory
    nodes: dict[str, GovernanceUnitOfWorkFactory]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    """On "postgres" the hub is a PostgreSQL schema and the nodes SQLite files, as deployed."""
    opened: list[SqliteDatabase | PostgresDatabase] = []

    def database(name: str) -> GovernanceUnitOfWorkFactory:
        if request.param == "memory":
            return MemoryGovernanceDatabase()
        db: SqliteDatabase | PostgresDatabase
        if request.param == "postgres" and name == "hub":
            url = request.getfixturevalue("postgres_url")
            db = PostgresDatabase(url, request.getfixturevalue("postgres_schema"))
        else:
            db = SqliteDatabase(tmp_path / f"{name}.sqlite")
            db.migrate()
        opened.append(db)
        if isinstance(db, PostgresDatabase):  # as PostgresHubStorage builds it
            return PostgresGovernanceDatabase(db)
        return SqliteGovernanceDatabase(db)

    hub = database("hub")
    for node in NODES:
        nodes.add_node(hub, node)
    assert isinstance(
        hub, MemoryGovernanceDatabase | SqliteGovernanceDatabase | PostgresGovernanceDatabase
    )
    catalog.import_products(hub, catalog.ParsedCatalog(list(PRODUCTS)), AT)
    node_dbs = {n.code.value: database(n.code.value) for n in NODES}
    for node_db in node_dbs.values():
        catalog.pull_catalog(hub, node_db)
    yield Shop(hub, node_dbs)
    for db in opened:
        db.close()
