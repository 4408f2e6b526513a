"""The timer runs table: one row per timer and due time (see `service/timers.py`)."""

TIMER_MIGRATION = (
    112,
    "timer runs, one row per timer and due time: the first process to claim one runs it",
    """
    CREATE TABLE timer_runs (
        timer      TEXT NOT NULL,
        due        TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        claimed_by TEXT NOT NULL,
        outcome    TEXT NOT NULL DEFAULT 'running',
        summary    TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (timer, due)
    ) WITHOUT ROWID;
    """,
)
