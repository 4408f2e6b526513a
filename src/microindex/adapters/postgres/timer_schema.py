"""The timer runs table: one row per timer and due time (see `service/timers.py`)."""

TIMER_MIGRATION = (
    112,
    "timer runs, one row per timer and due time: the first process to claim one runs it",
    """
    CREATE TABLE timer_runs (
        timer      text NOT NULL,
        due        timestamptz NOT NULL,
        claimed_at timestamptz NOT NULL,
        claimed_by text NOT NULL,
        outcome    text NOT NULL DEFAULT 'running',
        summary    text NOT NULL DEFAULT '',
        PRIMARY KEY (timer, due)
    );
    """,
)
