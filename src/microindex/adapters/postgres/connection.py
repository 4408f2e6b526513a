"""Opening a PostgreSQL connection the way every microindex hub worker opens it."""

from __future__ import annotations

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
        conn.execute("SET TIME ZONE 'UTC'")
        if schema is not None:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.autocommit = False
    except BaseException:
        conn.close()
        raise
    return conn
