"""A PostgreSQL database (optionally one schema of it) and its units of work."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

from microindex.adapters.postgres.catalog_staging import PostgresStaging
from microindex.adapters.postgres.connection import Connection, Statement, connect, run_batch
from microindex.adapters.postgres.migrations import migrate
from microindex.adapters.postgres.stores import (
    PostgresCatalog,
    PostgresLedger,
    PostgresMeta,
    PostgresNodes,
    PostgresOutbox,
)


class PostgresDatabase:
    """The hub's database. Each thread gets its own connection, opened on first use.

    `schema` puts every table in that schema (created by `migrate`), so that several hubs or
    test runs can share one server.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self._local = threading.local()
        self._opened: list[Connection] = []
        self._guard = threading.Lock()

    def migrate(self) -> list[int]:
        return migrate(self.connection(), self.schema)

    def connection(self) -> Connection:
        """This thread's connection; a new one if the last was closed or lost."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = connect(self.url, self.schema)
            self._local.conn = conn
            with self._guard:
                self._opened = [c for c in self._opened if not c.closed]
                self._opened.append(conn)
        return conn

    def unit_of_work(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.connection())

    __call__ = unit_of_work

    def staging(self) -> PostgresStaging:
        """A catalog import set aside in this thread's session (`ports.CatalogStaging`)."""
        return PostgresStaging(self.connection())

    def close(self) -> None:
        with self._guard:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


class PostgresUnitOfWork:
    """One transaction, opened by the first statement and ended by commit or rollback.

    Leaving the block without `commit` rolls back.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.catalog = PostgresCatalog(conn)
        self.nodes = PostgresNodes(conn)
        self.ledger = PostgresLedger(conn)
        self.outbox = PostgresOutbox(conn)
        self.meta = PostgresMeta(conn)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.ledger.before_commit()
        self.outbox.flush()
        held = self._held_back()
        if held:  # the writes held back and the COMMIT: one round trip
            run_batch(self._conn, [*held, ("COMMIT", ())])
        self._conn.commit()  # (nothing left to do after the batch's COMMIT)
        self._forget()

    def _held_back(self) -> list[Statement]:
        """What the stores held back until the commit (none here; see the subclasses)."""
        return []

    def rollback(self) -> None:
        if not self._conn.closed:
            self._conn.rollback()
        self._forget()

    def _forget(self) -> None:
        self.ledger.forget()
        self.outbox.forget()
