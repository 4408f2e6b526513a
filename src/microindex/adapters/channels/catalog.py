"""The catalog in SKU order, streamed for feeds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from microindex.adapters.sqlite.connection import connect
from microindex.adapters.sqlite.stores import SqliteCatalog
from microindex.domain.product import Product
from microindex.service.ports import UnitOfWorkFactory


class SqliteProducts:
    """Reads the hub's SQLite file on a connection of its own, in a read transaction, so a long
    feed neither holds the write lock nor sees a half-applied import."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def products(self) -> Iterator[Product]:
        conn = connect(self.path)
        try:
            conn.execute("BEGIN")
            yield from SqliteCatalog(conn).all()
        finally:
            conn.close()

    def product(self, sku: str) -> Product | None:
        with closing(connect(self.path)) as conn:
            return SqliteCatalog(conn).get(sku)

    def with_handle(self, handle: str) -> list[Product]:
        with closing(connect(self.path)) as conn:
            return SqliteCatalog(conn).with_handle(handle)


class UnitOfWorkProducts:
    """Any hub (PostgreSQL, in-memory) through its unit of work."""

    def __init__(self, hub: UnitOfWorkFactory) -> None:
        self.hub = hub

    def products(self) -> Iterator[Product]:
        with self.hub() as uow:
            yield from uow.catalog.all()

    def product(self, sku: str) -> Product | None:
        with self.hub() as uow:
            return uow.catalog.get(sku)

    def with_handle(self, handle: str) -> list[Product]:
        with self.hub() as uow:
            return uow.catalog.with_handle(handle)
