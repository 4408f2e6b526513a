"""The packaging store's contract (templates per node, the package each order used), held by
memory, SQLite and PostgreSQL alike; and on a stored database, a write stands alone or joins the
unit of work it is made in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from microindex.adapters.governance_wiring import PackagesUsedEverywhere
from microindex.adapters.packaging_memory import MemoryPackagingStore
from microindex.adapters.postgres.packaging_store import PostgresPackagingStore
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.packaging_store import SqlitePackagingStore
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.money import Money
from microindex.domain.packaging import PackageTemplate, PackageUsed
from microindex.domain.product import Size
from microindex.service.packaging import PackagingStore

from .conftest import POSTGRES, Databases, StoredDatabase
from .samples import AT, later


def box(code: str, name: str, cost: str) -> PackageTemplate:
    return PackageTemplate(code, name, Size(300, 250, 150), 5000, Money(Decimal(cost), "GBP"))


TEMPLATES = (
    replace(box("mailer-s", "Small mailer", "0.45"), low_waste=True),
    replace(box("box-m", "Medium box", "1.10"), padding_mm=20, tare_g=180),
)


def packaging_store(database: StoredDatabase) -> PackagingStore:
    """The store on the database's own storage, as each hub storage builds it (bootstrap)."""
    if isinstance(database, SqliteDatabase):
        return SqlitePackagingStore(database.connection())
    return PostgresPackagingStore(database.connection())


@pytest.fixture(params=["sqlite", POSTGRES])
def stored(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoredDatabase]:
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    yield databases.open()
    databases.close()


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PackagingStore]:
    if request.param == "memory":
        yield MemoryPackagingStore()
        return
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    yield packaging_store(databases.open())
    databases.close()


def test_templates_are_stored_per_node_in_code_order_and_replaced_by_code(
    store: PackagingStore,
) -> None:
    for template in TEMPLATES:
        store.save_template("shopfront", template)
    assert store.templates("shopfront") == sorted(TEMPLATES, key=lambda t: t.code)
    bigger = replace(box("box-m", "Medium box v2", "1.25"), max_weight_g=6000)
    store.save_template("shopfront", bigger)
    assert store.templates("shopfront") == [bigger, TEMPLATES[0]]
    assert store.templates("van") == []


def test_packages_used_are_recorded_and_replaced_on_repacking(store: PackagingStore) -> None:
    first = PackageUsed("ORD-1", "shopfront", "box-s", False, 800, 2, later(5))
    store.record(first)
    store.record(PackageUsed("ORD-2", "van", "mailer-s", True, 300, 1, AT))
    assert store.for_order("ORD-1") == first
    assert store.for_order("ORD-9") is None
    repacked = PackageUsed("ORD-1", "shopfront", "box-m", False, 900, 2, later(9))
    store.record(repacked)
    assert store.for_order("ORD-1") == repacked
    assert [u.order_ref for u in store.used("shopfront")] == ["ORD-1"]
    assert [u.order_ref for u in store.used()] == ["ORD-2", "ORD-1"]  # by time


def _reopened(database: StoredDatabase) -> StoredDatabase:
    if isinstance(database, SqliteDatabase):
        return SqliteDatabase(database.path)
    return PostgresDatabase(database.url, database.schema)


def test_a_write_alone_is_committed_and_one_in_a_unit_of_work_goes_with_it(
    stored: StoredDatabase,
) -> None:
    store = packaging_store(stored)
    store.record(PackageUsed("ORD-1", "van", "mailer-s", True, 300, 1, AT))
    with stored() as uow:
        uow.meta.put("touched", "yes")  # the unit of work's transaction is open
        store.record(PackageUsed("ORD-2", "van", "mailer-s", True, 300, 1, AT))
        assert [u.order_ref for u in store.used()] == ["ORD-1", "ORD-2"]
    other = _reopened(stored)
    try:
        assert [u.order_ref for u in packaging_store(other).used()] == ["ORD-1"]
    finally:
        other.close()


def test_packages_used_are_read_from_every_database_given(tmp_path: Path) -> None:
    hub, node = SqliteDatabase(tmp_path / "hub.sqlite"), SqliteDatabase(tmp_path / "van.sqlite")
    try:
        for database in (hub, node):
            database.migrate()
        packaging_store(hub).record(
            PackageUsed("ORD-2", "shopfront", "box-m", False, 1, 1, later(1))
        )
        packaging_store(node).record(PackageUsed("ORD-1", "van", "mailer-s", True, 1, 1, AT))
        found = PackagesUsedEverywhere([packaging_store(hub), packaging_store(node)]).used()
        assert [u.order_ref for u in found] == ["ORD-1", "ORD-2"]
    finally:
        hub.close()
        node.close()
