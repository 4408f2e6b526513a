"""The secrets a SQLite hub keeps in its file (migration 132), as a PostgreSQL hub does."""

from __future__ import annotations

from collections.abc import Mapping

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase, SqliteTransaction


class SqliteKeys:
    def __init__(self, hub: SqliteDatabase) -> None:
        self.hub = hub

    def get(self, name: str) -> bytes | None:
        row = (
            self.hub.connection()
            .execute("SELECT value FROM hub_secrets WHERE name = ?", (name,))
            .fetchone()
        )
        return None if row is None else bytes(row[0])

    def add_new(self, values: Mapping[str, bytes]) -> None:
        conn = self.hub.connection()
        with SqliteTransaction(conn) as transaction:
            conn.executemany(
                "INSERT INTO hub_secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                list(values.items()),
            )
            transaction.commit()
