"""The storage adapters the contract tests run against: memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.service.ports import UnitOfWorkFactory

from .samples import product

StoredDatabase = SqliteDatabase | PostgresDatabase

POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


class Databases:
    """Opens databases of one kind for a test, each empty, and closes them after it.

    On PostgreSQL each is a schema of its own: made by its first `migrate` if `from_empty`
    (for tests of migrations), else already migrated (`new_postgres_schema`).
    """

    def __init__(
        self, kind: str, tmp_path: Path, request: pytest.FixtureRequest, from_empty: bool
    ) -> None:
        self.kind = kind
        self._tmp_path = tmp_path
        self._opened: list[StoredDatabase] = []
        # Requested now, while the fixture sets up, so that schemas are dropped after closing.
        if kind == "postgres":
            self._url: str = request.getfixturevalue("postgres_url")
            schemas = "empty_postgres_schema" if from_empty else "new_postgres_schema"
            self._new_schema: Callable[[], str] = request.getfixturevalue(schemas)

    def open(self, migrate: bool = True) -> StoredDatabase:
        database: StoredDatabase
        if self.kind == "sqlite":
            database = SqliteDatabase(self._tmp_path / f"db{len(self._opened)}.sqlite")
        else:
            database = PostgresDatabase(self._url, self._new_schema())
        self._opened.append(database)
        if migrate:
            database.migrate()
        return database

    def close(self) -> None:
        for database in self._opened:
            database.close()


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    """An empty, migrated database of each kind."""
    if request.param == "memory":
        yield MemoryDatabase()
        return
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    yield databases.open()
    databases.close()


@pytest.fixture(params=["sqlite", POSTGRES])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    """For tests of what only a stored database has: migrations, concurrent connections."""
    opened = Databases(request.param, tmp_path, request, from_empty=True)
    yield opened
    opened.close()


@pytest.fixture
def stocked(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """A catalog of three products (SKUs A, B, C), no stock anywhere."""
    with uow_factory() as uow:
        uow.catalog.upsert([product("A"), product("B"), product("C")])
        uow.commit()
    return uow_factory
