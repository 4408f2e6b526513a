"""A PostgreSQL database (optionally one schema of it) and its units of work."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from psycopg.pq import TransactionStatus

from microindex.adapters.postgres.catalog_staging import PostgresStaging
from microindex.adapters.postgres.connection import (
    Connection,
    Statement,
    configure,
    exchange,
)
from microindex.adapters.postgres.migrations import migrate
from microindex.adapters.postgres.pool import DEFAULT_SIZE, ConnectionPool, Leases
from microindex.adapters.postgres.stores import (
    PostgresCatalog,
    PostgresLedger,
    PostgresMeta,
    PostgresNodes,
    PostgresOutbox,
)


class PostgresDatabase:
    """The hub's database, on a bounded pool of connections (`pool`): at most `connections`
    open in this process; an HTTP request's work runs on the one its request leased (see
    `pool.connection_scope`), other work on its thread's.

    `schema` puts every table in that schema (created by `migrate`), so that several hubs or
    test runs can share one server.
    """

    def __init__(
        self, url: str, schema: str | None = None, connections: int = DEFAULT_SIZE
    ) -> None:
        self.url = url
        self.schema = schema
        self.pool = ConnectionPool(url, lambda conn: configure(conn, schema), connections)
        self._leases = Leases(self.pool)

    def migrate(self) -> list[int]:
        return migrate(self.connection(), self.schema)

    def connection(self) -> Connection:
        """The caller's connection (its request's, else its thread's); a new one if the last
        was closed or lost. Waits while every connection of the pool is in use."""
        return self._leases.current()

    def unit_of_work(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.connection())

    __call__ = unit_of_work

    def reading(self) -> PostgresUnitOfWork:
        """`ports.DatabaseReads.reading`: a REPEATABLE READ, READ ONLY transaction, so every
        read in it sees the commit it began with; PostgreSQL readers never wait for writers."""
        conn = self.connection()
        if conn.info.transaction_status == TransactionStatus.IDLE:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return PostgresUnitOfWork(conn)

    def staging(self) -> PostgresStaging:
        """A catalog import set aside in this thread's session (`ports.CatalogStaging`)."""
        return PostgresStaging(self.connection())

    def close(self) -> None:
        self.pool.close()
        self._leases.forget_threads()


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
        held = [*self.ledger.held_back(self.outbox), *self.outbox.held_back(), *self._held_back()]
        if held:  # the writes held back and the COMMIT: one round trip
            exchange(self._conn, [*held, ("COMMIT", ())])
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
