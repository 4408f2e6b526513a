"""The promise tests' shop (a hub with the demo's nodes synced, holding real rights), on
SQLite, with the hub's lockers, transfers and shelf slots beside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.demo.scenario import NODES
from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.product import Product, Size
from microindex.service import rights
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
    ops: SqliteNodeOps


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    hub = SqlitePromiseDatabase(tmp_path / "hub.sqlite")
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
    yield Site(Shop(hub, nodes), SqliteNodeOps(hub))
    for database in (hub, *nodes.values()):
        database.close()
