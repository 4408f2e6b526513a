"""A SQLite database file and its units of work."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from types import TracebackType
from typing import Self

from microindex.adapters.sqlite.catalog_staging import SqliteStaging
from microindex.adapters.sqlite.connection import Connection, connect
from microindex.adapters.sqlite.migrations import migrate
from microindex.adapters.sqlite.stores import (
    SqliteCatalog,
    SqliteLedger,
    SqliteMeta,
    SqliteNodes,
    SqliteOutbox,
)


class SqliteDatabase:
    """One microindex SQLite file; each thread gets its own connection, writers queue."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._guard = threading.Lock()

    def migrate(self) -> list[int]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return migrate(self.connection())

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._guard:
                self._opened.append((threading.current_thread(), conn))
        return conn

    def unit_of_work(self) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self.connection())

    __call__ = unit_of_work

    def reading(self) -> SqliteUnitOfWork:
        """A unit of work that only reads (`ports.DatabaseReads`): a deferred transaction,
        so in WAL mode it reads the last commit and never waits for the writer's lock."""
        return SqliteReading(self.connection())

    def staging(self) -> SqliteStaging:
        """A catalog import set aside in this thread's connection (`ports.CatalogStaging`)."""
        return SqliteStaging(self.connection())

    def close(self) -> None:
        """Close this thread's connection and those of threads that ended. Another live
        thread's connection (a background index catch-up's, say) is let go, never closed from
        here: closing it while that thread works in it, or is about to, crashes the process.
        It closes when that thread drops it; its next unit of work opens the file again."""
        here = threading.current_thread()
        with self._guard:
            for owner, conn in self._opened:
                if owner is here or not owner.is_alive():
                    conn.close()
            self._opened.clear()
        self._local = threading.local()


class SqliteTransaction:
    """BEGIN IMMEDIATE on entry: the write lock is taken before anything is read.

    Like the in-memory fake, work after a commit or rollback runs in a new transaction that
    the context's exit rolls back unless it is committed too. That transaction's BEGIN waits
    for its first statement (`connection.Connection.begin_later`), so it still comes before
    anything is read, and a unit of work that leaves after its commit, as most do, costs no
    BEGIN and ROLLBACK more. Every unit of work on a microindex SQLite file is one of these
    with its stores on the same connection.
    """

    BEGIN = "BEGIN IMMEDIATE"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> Self:
        self._conn.execute(self.BEGIN)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        if self._drop_due_begin():
            return  # nothing ran since the last commit or rollback
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def commit(self) -> None:
        """Commit, and go on in a new transaction (rolled back on exit unless committed)."""
        if self._drop_due_begin():
            self._begin_later()  # nothing ran since the last commit: nothing to commit
            return
        self._conn.execute("COMMIT")
        self._begin_later()

    def rollback(self) -> None:
        if not self._drop_due_begin() and self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._begin_later()

    def _begin_later(self) -> None:
        if isinstance(self._conn, Connection):
            self._conn.begin_later(self.BEGIN)
        else:  # a connection not opened by `connection.connect`: begin now
            self._conn.execute(self.BEGIN)

    def _drop_due_begin(self) -> bool:
        return isinstance(self._conn, Connection) and self._conn.drop_due_begin()


class SqliteUnitOfWork(SqliteTransaction):
    """The core stores: catalog, nodes, ledger, outbox, meta."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.catalog = SqliteCatalog(conn)
        self.nodes = SqliteNodes(conn)
        self.ledger = SqliteLedger(conn)
        self.outbox = SqliteOutbox(conn)
        self.meta = SqliteMeta(conn)


class SqliteReading(SqliteUnitOfWork):
    """The core stores for reading only (`SqliteDatabase.reading`): BEGIN DEFERRED, so the
    first read takes a snapshot of the last commit and no lock is waited for. A write in it
    would have to wait for the writer, and may fail: it is for reads."""

    BEGIN = "BEGIN DEFERRED"
