"""Opening a SQLite database the way every microindex file is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000


def connect(path: Path | str) -> sqlite3.Connection:
    """WAL, synchronous=FULL (a power loss must never reuse a sequence number), foreign keys on.

    The connection is in autocommit mode: units of work issue BEGIN IMMEDIATE themselves, so
    there is one writer at a time and it takes its lock before it reads.
    """
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn
