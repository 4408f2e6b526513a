"""Migrations: ordered, recorded, idempotent, and a fresh database equals an upgraded one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from microindex.adapters.postgres import migrations as postgres_migrations
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite import migrations as sqlite_migrations
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.service.ports import ProductFilter

from .conftest import Databases, StoredDatabase
from .samples import AT, product

# What the unit of work's stores need. Other ports (packaging, tokens) bring tables of their own,
# which PostgreSQL gains with their PostgreSQL stores.
UNIT_OF_WORK_TABLES = (
    "meta", "nodes", "products", "ledger_heads", "movements", "on_hand", "stock_counts", "outbox",
    "schema_migrations",
)  # fmt: skip


def _migrations_module(database: StoredDatabase) -> Any:
    return sqlite_migrations if isinstance(database, SqliteDatabase) else postgres_migrations


def _schema(database: StoredDatabase) -> list[tuple[Any, ...]]:
    """Everything that defines the schema, in an order and form two databases can compare."""
    if isinstance(database, SqliteDatabase):
        rows = database.connection().execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        )
        return [tuple(row) for row in rows]
    return _postgres_schema(database)


def _postgres_schema(database: PostgresDatabase) -> list[tuple[Any, ...]]:
    conn = database.connection()
    schema = database.schema
    columns = conn.execute(
        "SELECT 'column', table_name, column_name, data_type, is_nullable, column_default,"
        " collation_name, is_identity FROM information_schema.columns WHERE table_schema = %s"
        " ORDER BY table_name, ordinal_position",
        (schema,),
    ).fetchall()
    constraints = conn.execute(
        "SELECT 'constraint', t.relname, c.conname, pg_get_constraintdef(c.oid)"
        " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s"
        " ORDER BY t.relname, c.conname",
        (schema,),
    ).fetchall()
    indexes = conn.execute(
        "SELECT 'index', tablename, indexname, replace(indexdef, %s, '') FROM pg_indexes"
        " WHERE schemaname = %s ORDER BY tablename, indexname",
        (f"{schema}.", schema),
    ).fetchall()
    conn.rollback()
    return [*columns, *constraints, *indexes]


def _tables(database: StoredDatabase) -> dict[str, list[str]]:
    """Table name to column names, in order."""
    if isinstance(database, SqliteDatabase):
        conn = database.connection()
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {n: [c[1] for c in conn.execute(f"PRAGMA table_info({n})")] for n in names}
    tables: dict[str, list[str]] = {}
    for row in _postgres_schema(database):
        if row[0] == "column":
            tables.setdefault(row[1], []).append(row[2])
    return tables


def test_migrating_twice_changes_nothing(databases: Databases) -> None:
    database = databases.open(migrate=False)
    module = _migrations_module(database)
    assert database.migrate() == sorted(v for v, _, _ in module.MIGRATIONS)
    with database() as uow:
        uow.catalog.upsert([product("A")])
        uow.commit()
    before = _schema(database)
    assert database.migrate() == []
    assert _schema(database) == before
    with database() as uow:
        assert uow.catalog.count() == 1


def test_each_migration_is_recorded_once(databases: Databases) -> None:
    database = databases.open()
    module = _migrations_module(database)
    conn = database.connection()
    rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    conn.rollback()
    assert [tuple(r) for r in rows] == sorted((v, n) for v, n, _ in module.MIGRATIONS)


def _old_receipt(database: StoredDatabase) -> None:
    """A receipt in the movements table's first columns (those before tags had their own)."""
    sqlite = isinstance(database, SqliteDatabase)
    mark = "?" if sqlite else "%s"
    conn = database.connection()
    conn.execute(
        "INSERT INTO movements (node, seq, sku, quantity, kind, at, reference, actor)"
        f" VALUES ({', '.join([mark] * 8)})",
        ("shop", 1, "A", 1, "receive", AT.isoformat() if sqlite else AT, "delivery", ""),
    )
    conn.commit()


def _old_product(database: StoredDatabase) -> None:
    """A product in the products table's first columns (those before its filter keys)."""
    sqlite = isinstance(database, SqliteDatabase)
    mark = "?" if sqlite else "%s"
    conn = database.connection()
    conn.execute(
        "INSERT INTO products (sku, title, description, brand, category, attributes, price,"
        " currency, media, fragility, limited_edition, tags, handle)"
        f" VALUES ({', '.join([mark] * 13)})",
        ("A", "Mug", "", "", "Kitchen", "[]", "20.00", "GBP", "[]", "sturdy", False, "[]", ""),
    )
    conn.commit()


def test_old_products_get_their_filter_keys_folded(databases: Databases) -> None:
    module = _migrations_module(databases.open(migrate=False))
    every = sorted(module.MIGRATIONS)
    keys = next(i for i, (version, _, _) in enumerate(every) if version == 134)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "MIGRATIONS", every[:keys])
        old = databases.open()
    _old_product(old)
    conn = old.connection()
    mark = "?" if isinstance(old, SqliteDatabase) else "%s"
    conn.execute(f"UPDATE products SET title = {mark}, brand = {mark}", ("STRAẞE Mug", "ÉCLAT"))
    conn.commit()
    assert 134 in old.migrate()
    with old() as uow:
        found = uow.catalog.page(ProductFilter("strasse mug", "kitchen", "éclat"), "", 10)
    assert [p.sku.value for p in found] == ["A"]


def test_a_fresh_database_equals_an_upgraded_one(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = databases.open()
    module = _migrations_module(fresh)
    every = sorted(module.MIGRATIONS)
    for stop in range(len(every)):  # stopped after each earlier version, with data in it
        monkeypatch.setattr(module, "MIGRATIONS", every[:stop])
        old = databases.open()
        if stop:
            _old_product(old)
            _old_receipt(old)
        monkeypatch.setattr(module, "MIGRATIONS", every)
        assert old.migrate() == [v for v, _, _ in every[stop:]]
        assert _schema(old) == _schema(fresh)
        old.close()  # its connections back: one database per migration would outgrow the server's


@pytest.mark.postgres
def test_postgres_tables_mirror_the_sqlite_ones(
    tmp_path: Any, postgres_url: str, empty_postgres_schema: Callable[[], str]
) -> None:
    sqlite = SqliteDatabase(tmp_path / "mirror.sqlite")
    postgres = PostgresDatabase(postgres_url, empty_postgres_schema())
    try:
        sqlite.migrate()
        postgres.migrate()
        in_postgres, in_sqlite = _tables(postgres), _tables(sqlite)
        assert set(UNIT_OF_WORK_TABLES) <= set(in_postgres)
        assert {name: in_sqlite.get(name) for name in in_postgres} == in_postgres
    finally:
        sqlite.close()
        postgres.close()
