"""The secrets a PostgreSQL hub keeps (migration 132): every hub process reads the same."""

from __future__ import annotations

from collections.abc import Mapping

from microindex.adapters.postgres.connection import Connected


class PostgresKeys:
    def __init__(self, hub: Connected) -> None:
        self.hub = hub

    def get(self, name: str) -> bytes | None:
        conn = self.hub.connection()
        with conn.transaction():
            row = conn.execute("SELECT value FROM hub_secrets WHERE name = %s", (name,)).fetchone()
        return None if row is None else bytes(row[0])

    def add_new(self, values: Mapping[str, bytes]) -> None:
        conn = self.hub.connection()
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO hub_secrets (name, value) VALUES (%s, %s)"
                " ON CONFLICT (name) DO NOTHING",
                list(values.items()),
            )
