"""A catalog import staged beside the catalog and merged at once, the same on every adapter:
a SKU or GTIN on two rows, a GTIN another product holds, GTINs moved within one file, and the
outbox message each product is sent to the nodes as (made in SQL on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from contextlib import closing
from dataclasses import replace

import psycopg
import pytest

from microindex.adapters.csvio import read_plain
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.catalog_staging import MERGE_CACHE
from microindex.adapters.sqlite.connection import connect
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.gtin import Gtin
from microindex.service.catalog import (
    PRODUCT_TOPIC,
    ImportRejected,
    ParsedCatalog,
    RowError,
    import_products,
    list_products,
)
from microindex.service.ports import CatalogHub, ReadRow
from microindex.service.records import product_record

from .conftest import Databases
from .samples import AT, full_product, product

HEADER = "sku,gtin,title,price,currency"
GTIN = "04006381333931"


def file(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join([HEADER, *lines]).encode("utf-8"))


def test_a_sku_or_gtin_on_two_rows_names_the_first_row(uow_factory: CatalogHub) -> None:
    rows = ("MUG-01,4006381333931,Mug,12.50,EUR", "MUG-02,4006381333931,Mug,12.50,EUR",
            "MUG-01,,Mug,12.50,EUR")  # fmt: skip
    with read_plain(file(*rows)) as read, pytest.raises(ImportRejected) as refused:
        import_products(uow_factory, read, AT)
    assert refused.value.errors == [
        RowError(3, "gtin", "duplicate GTIN, first on row 2", GTIN),
        RowError(4, "sku", "duplicate SKU, first on row 2", "MUG-01"),
    ]
    assert list_products(uow_factory) == []
    with read_plain(file(*rows)) as read:
        report = import_products(uow_factory, read, AT, skip_bad_rows=True)
    assert (report.created, report.updated, len(report.skipped)) == (1, 0, 2)
    assert [p.sku.value for p in list_products(uow_factory)] == ["MUG-01"]


def test_a_bad_rows_sku_still_counts_and_both_keys_of_a_row_are_named(
    uow_factory: CatalogHub,
) -> None:
    rows = ("MUG-01,4006381333931,Mug,12.5x,EUR", "MUG-01,4006381333931,Mug,12.50,EUR")
    with read_plain(file(*rows)) as read, pytest.raises(ImportRejected) as refused:
        import_products(uow_factory, read, AT)
    assert [(e.row, e.column, e.reason[:13]) for e in refused.value.errors] == [
        (2, "price", "not a number "),
        (3, "sku", "duplicate SKU"),
        (3, "gtin", "duplicate GTI"),
    ]


def test_a_gtin_held_by_a_product_outside_the_file_is_a_bad_row(uow_factory: CatalogHub) -> None:
    owner = replace(product("A"), gtin=Gtin(GTIN))
    import_products(uow_factory, ParsedCatalog([owner]), AT)
    thief = replace(product("B"), gtin=Gtin(GTIN))
    with pytest.raises(ImportRejected) as refused:
        import_products(uow_factory, ParsedCatalog([product("C"), thief]), AT)
    assert refused.value.errors == [
        RowError(3, "gtin", "already the GTIN of SKU 'A' in the catalog", GTIN)
    ]
    report = import_products(uow_factory, ParsedCatalog([product("C"), thief]), AT, True)
    assert (report.created, [e.row for e in report.skipped]) == (1, [3])


def test_two_products_swap_their_gtins_in_one_file(uow_factory: CatalogHub) -> None:
    other = "00000000000017"
    a, b = replace(product("A"), gtin=Gtin(GTIN)), replace(product("B"), gtin=Gtin(other))
    import_products(uow_factory, ParsedCatalog([a, b]), AT)
    swapped = [replace(b, gtin=Gtin(GTIN)), replace(a, gtin=Gtin(other))]
    report = import_products(uow_factory, ParsedCatalog(swapped), AT)
    assert (report.created, report.updated) == (0, 2)
    assert {p.sku.value: p.gtin for p in list_products(uow_factory)} == {
        "A": Gtin(other), "B": Gtin(GTIN),
    }  # fmt: skip


def test_each_product_is_sent_as_its_record_in_row_order(uow_factory: CatalogHub) -> None:
    hostile = replace(product("Z-1"), title='=SUM(A1) <!-- "x" --> ÉCLAT\x07 (b)')
    products = [hostile, full_product(), product("A")]
    import_products(uow_factory, ParsedCatalog(products), AT, note=("k", "v"))
    with uow_factory() as uow:
        messages = uow.outbox.after(0)
        assert uow.meta.get("k") == "v"
    assert [(m.topic, m.key) for m in messages] == [(PRODUCT_TOPIC, p.sku.value) for p in products]
    assert [m.payload for m in messages] == [product_record(p) for p in products]
    assert list_products(uow_factory) == sorted(products, key=lambda p: p.sku.value)


def test_staging_a_file_holds_no_lock_on_the_catalog(databases: Databases) -> None:
    """Another writer commits while a file is staged; only the merge takes the lock."""
    hub = databases.open()
    assert isinstance(hub, SqliteDatabase | PostgresDatabase)
    rows = [ReadRow(2 + i, f"S-{i}", None, product(f"S-{i}")) for i in range(3)]
    with hub.staging() as staged:
        staged.stage(rows)
        _write_beside(hub)
        staged.repeats()
        staged.taken()
        _write_beside(hub)
        assert staged.merge(PRODUCT_TOPIC, AT, None) == (3, 0)
    assert len(list_products(hub)) == 3


def _write_beside(hub: SqliteDatabase | PostgresDatabase) -> None:
    """A product written on another connection that would wait for no lock."""
    if isinstance(hub, SqliteDatabase):
        with closing(connect(hub.path)) as other:
            other.execute("PRAGMA busy_timeout = 0")
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('beside', '1')")
            other.execute("COMMIT")
        return
    with psycopg.connect(hub.url) as other:
        other.execute("SET lock_timeout = '1s'")
        other.execute(f"SET search_path TO {hub.schema}")
        other.execute("LOCK TABLE products IN EXCLUSIVE MODE NOWAIT")
        other.execute("LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE NOWAIT")


def test_a_file_is_staged_while_another_writer_holds_the_lock(databases: Databases) -> None:
    hub = databases.open()
    rows = [ReadRow(2, "S-1", None, product("S-1"))]
    if isinstance(hub, SqliteDatabase):
        hub.connection().execute("PRAGMA busy_timeout = 0")  # a wait would be an error
        with closing(connect(hub.path)) as other, hub.staging() as staged:
            other.execute("BEGIN IMMEDIATE")
            staged.stage(rows)
            assert staged.repeats() == [] and staged.taken() == []
            other.execute("COMMIT")
            assert staged.merge(PRODUCT_TOPIC, AT, None) == (1, 0)
        return
    assert isinstance(hub, PostgresDatabase)
    with psycopg.connect(hub.url) as other, hub.staging() as staged:
        other.execute(f"SET search_path TO {hub.schema}")
        other.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
        hub.connection().execute("SET lock_timeout = '1ms'")
        hub.connection().commit()
        staged.stage(rows)
        other.commit()
        assert staged.merge(PRODUCT_TOPIC, AT, None) == (1, 0)


def test_the_merge_cache_is_the_imports_alone(databases: Databases) -> None:
    """SQLite: the import's larger page cache is given back to the hub's connection after it,
    a refused file included, so every other unit of work keeps the connection's own size."""
    hub = databases.open()
    if not isinstance(hub, SqliteDatabase):
        pytest.skip("a SQLite connection's page cache")
    conn = hub.connection()
    conn.execute("PRAGMA main.cache_size = -3000")
    twice = file("MUG-01,,Mug,12.50,EUR", "MUG-01,,Mug,12.50,EUR")
    with read_plain(twice) as read, pytest.raises(ImportRejected):
        import_products(hub, read, AT)
    assert conn.execute("PRAGMA main.cache_size").fetchone() == (-3000,)
    with read_plain(file("MUG-01,,Mug,12.50,EUR")) as read, hub.staging() as staged:
        staged.stage(list(read.read))
        assert conn.execute("PRAGMA main.cache_size").fetchone() == (MERGE_CACHE,)
        assert staged.merge(PRODUCT_TOPIC, AT, None) == (1, 0)
    assert conn.execute("PRAGMA main.cache_size").fetchone() == (-3000,)
