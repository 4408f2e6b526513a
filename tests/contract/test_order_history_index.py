"""An order's history is read by its key through an index (migration 186): before, the
query scanned every event of every order, so an order's page slowed with the shop's age."""

from __future__ import annotations

from typing import Any

from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase

from .conftest import Databases

HISTORY = "SELECT ident, node, step, at, actor, note FROM order_events WHERE ident = {} ORDER BY id"


def _plan(database: Any) -> str:
    if isinstance(database, SqliteDatabase):
        found = database.connection().execute(
            "EXPLAIN QUERY PLAN " + HISTORY.format("?"), ("order-1",)
        )
        return "\n".join(str(row[-1]) for row in found)
    assert isinstance(database, PostgresDatabase)
    conn = database.connection()
    with conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")  # the table is empty: ask what it can use
        rows = conn.execute("EXPLAIN " + HISTORY.format("%s"), ("order-1",)).fetchall()
    return "\n".join(str(row[0]) for row in rows)


def test_an_orders_history_is_read_through_its_index(databases: Databases) -> None:
    database = databases.open()
    plan = _plan(database)
    assert "order_events_by_order" in plan, plan
    assert "SCAN order_events" not in plan and "Seq Scan" not in plan, plan
