"""Rate limits in the hub's PostgreSQL database (migration 141): each client's recent actions
per scope.

A take locks the client's row, decides (`Limit.admit`) and writes in one transaction, so hub
processes on one database count together. Clients idle for a whole window are forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microindex.adapters.postgres.connection import Connection
from microindex.domain.limits import Limit


class PostgresRateLimits:
    def __init__(self, connection: Callable[[], Connection]) -> None:
        self._connection = connection

    def take(self, scope: str, client: str, limit: Limit, at: datetime) -> bool:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "INSERT INTO rate_limits VALUES (%s, %s, '{}', %s) ON CONFLICT DO NOTHING",
                (scope, client, at),
            )
            row = conn.execute(
                "SELECT hits FROM rate_limits WHERE scope = %s AND client = %s FOR UPDATE",
                (scope, client),
            ).fetchone()
            admitted = limit.admit(list(row[0]) if row else [], at)
            if admitted is not None:
                conn.execute(
                    "UPDATE rate_limits SET hits = %s::timestamptz[], last_at = %s"
                    " WHERE scope = %s AND client = %s",
                    (list(admitted), at, scope, client),
                )
            conn.execute(  # rows another process holds are left for a later take
                "DELETE FROM rate_limits WHERE (scope, client) IN (SELECT scope, client"
                " FROM rate_limits WHERE scope = %s AND last_at <= %s FOR UPDATE SKIP LOCKED)",
                (scope, at - limit.per),
            )
        return admitted is not None
