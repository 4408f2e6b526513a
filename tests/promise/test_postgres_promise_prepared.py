"""A PostgreSQL promise's two calls are prepared once a session (ADR 0045), and a promise still
goes through when psycopg has dropped them: psycopg prepares statements of its own and, when
it rolls back a transaction while holding some, sends `DEALLOCATE ALL` (the API sweep failed
on "prepared statement does not exist" the first time this was tried, ADR 0042)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.service import rights, sync
from tests.sync.conftest import SECRETS, Pair

pytestmark = pytest.mark.postgres

CALLS = ["promise_read_call", "promise_write_call"]


def _prepared(hub: PostgresPromiseDatabase) -> list[str]:
    """Our statements in the session of this thread's connection (a commit ends the read:
    a rollback would make psycopg deallocate its own)."""
    conn = hub.connection()
    rows = conn.execute(
        "SELECT name FROM pg_prepared_statements WHERE name LIKE 'promise%' ORDER BY name"
    ).fetchall()
    conn.commit()
    return [str(name) for (name,) in rows]


def test_a_promise_after_psycopg_dropped_every_prepared_statement_still_goes_through(
    postgres_url: str, new_postgres_schema: Callable[[], str], tmp_path: Path
) -> None:
    hub = PostgresPromiseDatabase(postgres_url, new_postgres_schema())
    node = next(iter(SECRETS))
    database = SqliteSyncDatabase(tmp_path / f"{node}.sqlite")
    try:
        database.migrate()
        rights.renew_epoch(hub, "epoch-1")
        pair = Pair(hub, {node: database})
        pair.receive(node, "MUG-1", 50)
        sync.sync_node(database, node, pair.link(node), pair.clock())
        assert pair.order("first", 1).created
        assert _prepared(hub) == CALLS

        conn = hub.connection()
        for _ in range(2):  # psycopg's own prepared statement, then a rollback that drops all
            conn.execute("SELECT 1 AS psycopg_prepares_it", prepare=True)
            conn.rollback()
        assert _prepared(hub) == []

        second = pair.order("second", 2)
        assert second.created
        assert _prepared(hub) == CALLS
        assert pair.order("second", 2).record.order.ident == "second"  # the same order again
        with hub() as uow:
            account = uow.accounts.load(node)
        assert account.h("MUG-1") == 47
        assert sorted(r.quantity for r in account.reservations.values()) == [1, 2]
    finally:
        hub.close()
        database.close()
