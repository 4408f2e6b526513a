from datetime import UTC, datetime
from decimal import Decimal

import pytest

from microindex.adapters.memory import MemoryDatabase
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service import catalog

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
