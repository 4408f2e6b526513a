"""Two processes open one SQLite file at once (a hub's workers, a node's agent and its CLI):
each reads the versions the file has, then applies what it lacks. One that another process
applied in between is passed over, not run twice ("table ... already exists")."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from microindex.adapters.sqlite.migrations import MIGRATIONS, migrate


class Overtaken(sqlite3.Connection):
    """A connection that, having read the versions the file has, is overtaken before its
    first write transaction by another connection migrating the whole file: the race, made
    to happen every time."""

    path = ""
    overtaken = False

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "BEGIN IMMEDIATE" and not self.overtaken:
            self.overtaken = True
            other = sqlite3.connect(self.path, isolation_level=None)
            try:
                migrate(other)
            finally:
                other.close()
        return super().execute(sql, *args)


def test_a_migration_applied_meanwhile_by_another_process_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "node.sqlite"
    Overtaken.path = str(path)
    conn = sqlite3.connect(path, isolation_level=None, factory=Overtaken)
    try:
        assert migrate(conn) == []  # the other applied every one
        assert isinstance(conn, Overtaken) and conn.overtaken
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations")]
        assert versions == sorted(version for version, _, _ in MIGRATIONS)
    finally:
        conn.close()
