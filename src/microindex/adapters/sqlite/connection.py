"""Opening a SQLite database the way every microindex file is opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def writing(conn: sqlite3.Connection, savepoint: str) -> Iterator[sqlite3.Connection]:
    """Its own BEGIN IMMEDIATE transaction, or a savepoint named `savepoint` inside the
    caller's (a store called within a unit of work joins it)."""
    if conn.in_transaction:
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {savepoint}")
            conn.execute(f"RELEASE {savepoint}")
            raise
        conn.execute(f"RELEASE {savepoint}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
