"""Timer runs claimed in the hub's PostgreSQL database (the table of migration 112): hub
workers on one database each try the insert; the primary key lets one of them have it.

A claim also takes a session advisory lock named after the schema and the timer, held until
the run is finished: a run that outlasts its period is not started again by another process for
the next due time while it is still going (that due time is claimed once it ends, if still
due). A process that dies mid-run drops its lock with its connection.
"""

from __future__ import annotations

from datetime import datetime

from microindex.adapters.postgres.connection import Connected, PostgresTransaction

_KEY = "hashtextextended(current_schema() || ' timer ' || %s, 0)"  # one hub per schema
_LOCK = f"SELECT pg_try_advisory_lock({_KEY})"
_UNLOCK = f"SELECT pg_advisory_unlock({_KEY})"


class PostgresTimerClaims:
    def __init__(self, database: Connected) -> None:
        self._database = database

    def claim(self, timer: str, due: datetime, at: datetime, by: str) -> bool:
        conn = self._database.connection()
        with PostgresTransaction(conn) as tx:
            locked = conn.execute(_LOCK, (timer,)).fetchone()
            if locked is None or not locked[0]:
                return False  # another process is running this timer now
            written = conn.execute(
                "INSERT INTO timer_runs (timer, due, claimed_at, claimed_by)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (timer, due) DO NOTHING",
                (timer, due, at, by),
            ).rowcount
            if written != 1:
                conn.execute(_UNLOCK, (timer,))
            tx.commit()
        return written == 1

    def finish(self, timer: str, due: datetime, outcome: str, summary: str) -> None:
        conn = self._database.connection()
        with PostgresTransaction(conn) as tx:
            conn.execute(
                "UPDATE timer_runs SET outcome = %s, summary = %s WHERE timer = %s AND due = %s",
                (outcome, summary, timer, due),
            )
            conn.execute(_UNLOCK, (timer,))
            tx.commit()
