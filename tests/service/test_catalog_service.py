from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service import catalog
from microindex.service.ports import UnitOfWork

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def product(sku: str, title: str = "Mug") -> Product:
    return Product(Sku(sku), title, Money(Decimal("20.00"), "GBP"))


def test_an_import_with_errors_changes_nothing() -> None:
    hub = MemoryDatabase()
    parsed = catalog.ParsedCatalog(
        [product("MUG-1")], [catalog.RowError(3, "Variant Price", "not a number", "12,5x")], 2
    )
    with pytest.raises(catalog.ImportRejected, match="row 3, column 'Variant Price'"):
        catalog.import_products(hub, parsed, AT)
    assert catalog.list_products(hub) == []


def test_skipping_bad_rows_imports_the_good_ones_and_reports_the_rest() -> None:
    hub = MemoryDatabase()
    error = catalog.RowError(3, "Variant Barcode", "check digit is 2, expected 1")
    parsed = catalog.ParsedCatalog([product("MUG-1")], [error], 2)
    report = catalog.import_products(hub, parsed, AT, skip_bad_rows=True)
    assert (report.created, report.updated, report.skipped) == (1, 0, [error])


def test_reimporting_updates_and_counts_updates() -> None:
    hub = MemoryDatabase()
    catalog.import_products(hub, catalog.ParsedCatalog([product("MUG-1")]), AT)
    report = catalog.import_products(
        hub, catalog.ParsedCatalog([product("MUG-1", "Blue mug"), product("MUG-2")]), AT
    )
    assert (report.created, report.updated) == (1, 1)
    assert catalog.products_by_sku(hub, ["MUG-1"])["MUG-1"].title == "Blue mug"


def test_a_node_pulls_catalog_changes_once_and_resumes_from_its_mark() -> None:
    hub, node = MemoryDatabase(), MemoryDatabase()
    catalog.import_products(hub, catalog.ParsedCatalog([product("MUG-1"), product("MUG-2")]), AT)
    assert catalog.pull_catalog(hub, node, batch=1) == 2
    assert catalog.pull_catalog(hub, node) == 0
    catalog.import_products(hub, catalog.ParsedCatalog([product("MUG-1", "Renamed")]), AT)
    assert catalog.pull_catalog(hub, node) == 1
    assert [p.title for p in catalog.list_products(node)] == ["Renamed", "Mug"]


class _CountingOutbox:
    """The hub's real outbox, counting the messages each read hands back."""

    def __init__(self, outbox: Any, tally: list[int]) -> None:
        self._outbox, self._tally = outbox, tally

    def after(self, last_id: int, limit: int = 1000) -> list[Any]:
        found: list[Any] = self._outbox.after(last_id, limit)
        self._tally.append(len(found))
        return found

    def of_topic(self, topic: str, last_id: int, limit: int = 1000) -> tuple[list[Any], int]:
        found, upto = self._outbox.of_topic(topic, last_id, limit)
        self._tally.append(len(found))
        return found, upto


def test_a_pull_reads_only_the_catalogs_messages_past_the_stock_events(tmp_path: Path) -> None:
    """Stock events share the hub's outbox with the catalog; a node pulling its catalog reads
    the two product messages, not the 3,000 events around them, and an idle pull reads none."""
    hub, node = SqliteDatabase(tmp_path / "hub.sqlite"), SqliteDatabase(tmp_path / "node.sqlite")
    hub.migrate()
    node.migrate()
    events = [(f"EV-{n}", {"n": n}) for n in range(3000)]
    with hub() as uow:
        uow.outbox.add_many("stock.changed", events[:1500], AT)
        uow.commit()
    catalog.import_products(hub, catalog.ParsedCatalog([product("MUG-1"), product("MUG-2")]), AT)
    with hub() as uow:
        uow.outbox.add_many("stock.changed", events[1500:], AT)
        uow.commit()
    tally: list[int] = []

    def counted() -> UnitOfWork:
        uow = hub()
        setattr(uow, "outbox", _CountingOutbox(uow.outbox, tally))  # noqa: B010
        return uow

    assert catalog.pull_catalog(counted, node, batch=1000) == 2
    assert sum(tally) == 2
    tally.clear()
    assert catalog.pull_catalog(counted, node, batch=1000) == 0
    assert sum(tally) == 0 and len(tally) == 1
    assert [p.sku.value for p in catalog.list_products(node)] == ["MUG-1", "MUG-2"]
    hub.close()
    node.close()
