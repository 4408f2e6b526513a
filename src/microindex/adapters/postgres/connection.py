"""Opening a PostgreSQL connection the way every microindex hub worker opens it."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, LiteralString, Protocol, Self

import psycopg
from psycopg import errors, generators, sql
from psycopg.pq import Escaping, ExecStatus, TransactionStatus
from psycopg.pq.abc import PGresult
from psycopg.rows import TupleRow

Connection = psycopg.Connection[TupleRow]
Cursor = psycopg.Cursor[TupleRow]
Statement = tuple[LiteralString, Sequence[Any]]  # a query and its parameters


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


def run_batch(conn: Connection, statements: Sequence[Statement]) -> psycopg.ClientCursor[TupleRow]:
    """Run `statements` in order as one message (the simple query protocol, parameters bound
    on the client): one send and one round trip, where a pipeline sends and polls once per
    statement. The cursor holds the first statement's result; `nextset()` moves on.

    When no transaction is open, the batch opens it: its `BEGIN` goes in the same message,
    where psycopg would send its own alone first (a round trip of its own)."""
    cursor = psycopg.ClientCursor(conn)
    query = ";".join(q for q, _ in statements)
    params = [p for _, ps in statements for p in ps]
    if not opens_transaction(conn):
        cursor.execute(query, params)
        return cursor
    conn.autocommit = True  # so that psycopg sends no BEGIN of its own
    try:
        cursor.execute("BEGIN;" + query, params)
    finally:
        # back as it was; in the transaction the BEGIN opened, psycopg's setter would refuse
        conn._autocommit = False
    cursor.nextset()  # past the BEGIN
    return cursor


def exchange(conn: Connection, statements: Sequence[Statement]) -> list[PGresult]:
    """`run_batch`'s message (the BEGIN in it when a transaction is due), sent without a
    cursor: the results of each statement, an error raised as psycopg raises it.

    Parameters that are all text, integers, booleans or None (as the ledger's calls are) are
    bound here, in a few string operations; anything else as a `ClientCursor` binds it. A
    cursor's own work (its transformer, its query cache, its result bookkeeping) cost about
    100 µs of client CPU a message on this VM, as much as a round trip's system calls."""
    query = ";".join(q for q, _ in statements)
    params = [p for _, ps in statements for p in ps]
    text = _bound(conn, query, params)
    begin = opens_transaction(conn)
    data = (f"BEGIN;{text}" if begin else text).encode(conn.info.encoding)
    pgconn = conn.pgconn
    with conn.lock:
        pgconn.send_query(data)
        results: list[PGresult] = conn.wait(generators.execute(pgconn))
    for result in results:
        if result.status == ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=conn.info.encoding)
    return results[1:] if begin else results


def _bound(conn: Connection, query: LiteralString, params: Sequence[Any]) -> str:
    """`query` with `params` in it as SQL literals, as `ClientCursor` would send it: text
    escaped by libpq (`PQescapeLiteral`, as psycopg escapes it, for the connection's encoding
    and settings), integers, booleans and None written out; anything else bound by psycopg."""
    literals = []
    encoding = conn.info.encoding
    escape = Escaping(conn.pgconn).escape_literal
    for value in params:
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                raise psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
            literals.append(escape(value.encode(encoding)).decode(encoding))
        elif kind is int:
            literals.append(str(value) if value >= 0 else f" {value}")
        elif kind is bool:
            literals.append("true" if value else "false")
        elif value is None:
            literals.append("NULL")
        else:
            break
    if len(literals) < len(params):  # something else: psycopg's own binding
        return psycopg.ClientCursor(conn).mogrify(query, params)
    return query % tuple(literals)


def read(conn: Connection, query: LiteralString, params: Sequence[Any]) -> Cursor:
    """`conn.execute(query, params)`, but a unit of work's first statement (no transaction
    open yet) goes as a `run_batch`, with the BEGIN in its message."""
    if opens_transaction(conn):
        return run_batch(conn, [(query, params)])
    return conn.execute(query, params)


def opens_transaction(conn: Connection) -> bool:
    """The next statement on `conn` makes psycopg begin a transaction (a plain BEGIN)."""
    return (
        conn.pgconn.transaction_status == TransactionStatus.IDLE
        and not conn.autocommit
        and conn.isolation_level is None
        and conn.read_only is None
    )


def row_statements(query: LiteralString, rows: Sequence[Sequence[Any]]) -> list[Statement]:
    """`query` once per row, for `run_batch`."""
    return [(query, row) for row in rows]


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
