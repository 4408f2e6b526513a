"""Timer runs claimed in the hub's PostgreSQL database (the table of migration 112): hub
workers on one database each try the insert; the primary key lets one of them have it."""

from __future__ import annotations

from datetime import datetime

from microindex.adapters.postgres.connection import Connected, PostgresTransaction


class PostgresTimerClaims:
    def __init__(self, database: Connected) -> None:
        self._database = database

    def claim(self, timer: str, due: datetime, at: datetime, by: str) -> bool:
        conn = self._database.connection()
        with PostgresTransaction(conn) as tx:
            written = conn.execute(
                "INSERT INTO timer_runs (timer, due, claimed_at, claimed_by)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (timer, due) DO NOTHING",
                (timer, due, at, by),
            ).rowcount
            tx.commit()
        return written == 1

    def finish(self, timer: str, due: datetime, outcome: str, summary: str) -> None:
        conn = self._database.connection()
        with PostgresTransaction(conn) as tx:
            conn.execute(
                "UPDATE timer_runs SET outcome = %s, summary = %s WHERE timer = %s AND due = %s",
                (outcome, summary, timer, due),
            )
            tx.commit()
