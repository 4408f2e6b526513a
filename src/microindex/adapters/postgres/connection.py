"""Opening a PostgreSQL connection the way every microindex hub worker opens it."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, LiteralString, Protocol, Self

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

Connection = psycopg.Connection[TupleRow]


def connect(url: str, schema: str | None = None) -> Connection:
    """Times in UTC, the tables of `schema` (default: the server's search_path) first.

    The connection is returned outside any transaction, not in autocommit: a unit of work's
    first statement opens its transaction, and `commit` or `rollback` ends it.
    """
    conn = psycopg.connect(url, autocommit=True)
    try:
        configure(conn, schema)
    except BaseException:
        conn.close()
        raise
    return conn


def configure(conn: Connection, schema: str | None) -> None:
    """What `connect` sets on a connection opened in autocommit (the hub's pool opens its
    connections so, then calls this)."""
    conn.execute("SET TIME ZONE 'UTC'")
    if schema is not None:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    conn.autocommit = False


def execute_rows(conn: Connection, query: LiteralString, rows: Sequence[Sequence[Any]]) -> None:
    """`executemany` without its cost where it buys nothing: psycopg's takes a round trip for
    no rows and two for one (its pipeline's sync), where `execute` of one row takes one."""
    if len(rows) == 1:
        conn.execute(query, rows[0])
    elif rows:
        with conn.cursor() as cur:
            cur.executemany(query, rows)


class Connected(Protocol):
    """A hub database that hands out this thread's connection (side stores share it)."""

    def connection(self) -> Connection: ...


class PostgresTransaction:
    """One transaction on the hub's connection, ended by commit, else rolled back on leaving;
    after a commit the next statement opens the next transaction (as `commit` then
    `BEGIN IMMEDIATE` on SQLite). The side stores' units of work (lockers and transfers,
    rounds and pop-ups) are one of these with their stores on the same connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        self._conn.rollback()

    def commit(self) -> None:
        self._conn.commit()
