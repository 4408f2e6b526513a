"""Opening a SQLite database the way every microindex file is opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 10_000

# Python 3.11's sqlite3 binds a parameter that is not exactly an int, float, str or bytes (None
# and a bool among them) only after looking for an adapter, and each miss raises and formats an
# AttributeError inside: about 0.3 µs a parameter, and a catalog import binds ten None a row
# (valgrind counted 3% of its instructions there; Python 3.12 no longer formats it). With an
# adapter for each, the look-up is a hit and the same NULL and integer are bound.


def _null(value: None) -> None:
    return value


sqlite3.register_adapter(type(None), _null)
sqlite3.register_adapter(bool, int)


class Connection(sqlite3.Connection):
    """A connection that can put off a transaction's BEGIN until its next statement.

    A unit of work that commits goes on in a new transaction (see `SqliteTransaction`), but
    most leave right after the commit: `begin_later` has the next statement begin it first,
    so a unit of work left without one costs neither a BEGIN nor a ROLLBACK, and one that goes
    on still takes its lock before its first read. `in_transaction` counts the transaction due.
    """

    _due: str | None = None

    def begin_later(self, begin: str) -> None:
        """Run `begin` (`BEGIN IMMEDIATE`, say) before the next statement, not now."""
        self._due = begin

    def drop_due_begin(self) -> bool:
        """Forget the BEGIN put off, if any; whether there was one."""
        due, self._due = self._due, None
        return due is not None

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if self._due is not None:
            self._begin_due()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        if self._due is not None:
            self._begin_due()
        return super().executemany(sql, parameters)

    def _begin_due(self) -> None:
        begin, self._due = self._due, None
        if begin is not None:
            super().execute(begin)

    @property
    def in_transaction(self) -> bool:
        return self._due is not None or super().in_transaction


def connect(path: Path | str) -> Connection:
    """WAL, synchronous=FULL (a power loss must never reuse a sequence number), foreign keys on.

    The connection is in autocommit mode: units of work issue BEGIN IMMEDIATE themselves, so
    there is one writer at a time and it takes its lock before it reads.
    """
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, factory=Connection
    )
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
