"""Storage for a simulated world: in memory (fast) or SQLite files, with crashes and backups."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

from microindex.adapters.order_memory import MemoryPromiseDatabase
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase, SqlitePromiseUnitOfWork
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.memory import SimulatedCrash
from microindex.service.sync_ports import SyncUnitOfWorkFactory


class _CrashingUnitOfWork(SqlitePromiseUnitOfWork):
    def __init__(self, conn: sqlite3.Connection, database: CrashingSqliteDatabase) -> None:
        super().__init__(conn)
        self._database = database

    def commit(self) -> None:
        if self._database.crash_at_commit:
            self._database.crash_at_commit = False
            raise SimulatedCrash("crashed before COMMIT")  # the context rolls back
        super().commit()


class CrashingSqliteDatabase(SqlitePromiseDatabase):
    """Dies at the next commit when asked. Simulated time needs no fsync: synchronous=OFF here
    (durability under a real kill is the crash test's job, with the production settings)."""

    crash_at_commit = False

    def connection(self) -> sqlite3.Connection:
        conn = super().connection()
        if not getattr(self, "_fast", False):
            conn.execute("PRAGMA synchronous = OFF")
            self._fast = True
        return conn

    def unit_of_work(self) -> SqlitePromiseUnitOfWork:
        return _CrashingUnitOfWork(self.connection(), self)

    __call__ = unit_of_work


Database = MemoryPromiseDatabase | CrashingSqliteDatabase


class Stores:
    def __init__(self, nodes: tuple[str, ...], sqlite_dir: str = "") -> None:
        self._dir = Path(sqlite_dir) if sqlite_dir else None
        self.hub = self._open("hub")
        self.nodes = {n: self._open(n) for n in nodes}

    def _open(self, name: str) -> Database:
        if self._dir is None:
            return MemoryPromiseDatabase()
        database = CrashingSqliteDatabase(self._dir / f"{name}.sqlite")
        database.migrate()
        return database

    def node(self, name: str) -> SyncUnitOfWorkFactory:
        return self.nodes[name]

    def crash(self, name: str) -> None:
        """The next commit on this database dies (rolled back)."""
        (self.hub if name == "hub" else self.nodes[name]).crash_at_commit = True

    def backup(self) -> object:
        if isinstance(self.hub, MemoryPromiseDatabase):
            return copy.deepcopy((self.hub.base, self.hub.sync, self.hub.orders))
        snapshot = sqlite3.connect(":memory:")
        self.hub.connection().backup(snapshot)
        return snapshot

    def restore(self, snapshot: object) -> None:
        if isinstance(self.hub, MemoryPromiseDatabase):
            restored = copy.deepcopy(snapshot)
            assert isinstance(restored, tuple)
            self.hub.base, self.hub.sync, self.hub.orders = restored
        elif isinstance(snapshot, sqlite3.Connection):
            snapshot.backup(self.hub.connection())

    def close(self) -> None:
        for database in (self.hub, *self.nodes.values()):
            if isinstance(database, SqliteSyncDatabase):
                database.close()
