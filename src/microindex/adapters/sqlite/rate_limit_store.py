"""Rate limits in the hub's SQLite file (migration 141): each client's recent actions per scope.

A take reads, decides (`Limit.admit`) and writes in one BEGIN IMMEDIATE transaction, so hub
processes sharing the file count together. Clients idle for a whole window are forgotten.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime

from microindex.domain.limits import Limit


class SqliteRateLimits:
    def __init__(self, connection: Callable[[], sqlite3.Connection]) -> None:
        self._connection = connection

    def take(self, scope: str, client: str, limit: Limit, at: datetime) -> bool:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT hits FROM rate_limits WHERE scope = ? AND client = ?", (scope, client)
            ).fetchone()
            hits = [datetime.fromisoformat(t) for t in json.loads(row[0])] if row else []
            admitted = limit.admit(hits, at)
            if admitted is not None:
                conn.execute(
                    "INSERT INTO rate_limits VALUES (?, ?, ?, ?) ON CONFLICT (scope, client)"
                    " DO UPDATE SET hits = excluded.hits, last_at = excluded.last_at",
                    (scope, client, json.dumps([t.isoformat() for t in admitted]), at.isoformat()),
                )
            conn.execute(
                "DELETE FROM rate_limits WHERE scope = ? AND last_at <= ?",
                (scope, (at - limit.per).isoformat()),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return admitted is not None
