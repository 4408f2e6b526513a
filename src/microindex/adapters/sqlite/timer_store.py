"""Timer runs claimed in the hub's SQLite file (the table of migration 112)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Protocol

from microindex.adapters.sqlite.unit_of_work import SqliteTransaction


class _Connected(Protocol):
    def connection(self) -> sqlite3.Connection: ...


class SqliteTimerClaims:
    def __init__(self, database: _Connected) -> None:
        self._database = database

    def claim(self, timer: str, due: datetime, at: datetime, by: str) -> bool:
        conn = self._database.connection()
        with SqliteTransaction(conn) as tx:
            written = conn.execute(
                "INSERT INTO timer_runs (timer, due, claimed_at, claimed_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (timer, due) DO NOTHING",
                (timer, due.isoformat(), at.isoformat(), by),
            ).rowcount
            tx.commit()
        return written == 1

    def finish(self, timer: str, due: datetime, outcome: str, summary: str) -> None:
        conn = self._database.connection()
        with SqliteTransaction(conn) as tx:
            conn.execute(
                "UPDATE timer_runs SET outcome = ?, summary = ? WHERE timer = ? AND due = ?",
                (outcome, summary, timer, due.isoformat()),
            )
            tx.commit()
