"""A sync calls the hub's database a bounded number of times, whatever the SKUs a node holds,
and an idle sync's reply is small and the same size whatever the SKUs.

SQLite's trace sees each row of an `executemany` as a statement: a run of one statement text is
one call from Python (the rates of the SKUs split are written that way)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.movement import MovementKind
from microindex.service import rights, sync
from tests.sync.conftest import SECRETS, Pair


def _shape(statement: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\b[0-9][0-9.e+-]*", "?", statement)


def _idle_sync(folder: Path, skus: int) -> tuple[int, int]:
    """Statements the hub runs for a node's fourth sync, with nothing new, at `skus` SKUs, and
    the bytes of its reply."""
    hub = SqlitePromiseDatabase(folder / "hub.sqlite")
    nodes = {n: SqliteSyncDatabase(folder / f"{n}.sqlite") for n in SECRETS}
    for database in (hub, *nodes.values()):
        database.migrate()
    rights.renew_epoch(hub, "epoch-1")
    pair = Pair(hub, dict(nodes))
    try:
        for i in range(skus):
            pair.receive("van", f"SKU-{i:04d}", 4)
        sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
        pair.order("o-1", 1, sku="SKU-0000")  # one SKU with an online rate
        for _ in range(2):  # the rights settle: the van's walk-in share goes to it
            pair.later(5)
            sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
        pair.later(5)
        seen: list[str] = []
        link = pair.link("van")
        hub.connection().set_trace_callback(seen.append)
        report = sync.sync_node(pair.nodes["van"], "van", link, pair.clock())
        hub.connection().set_trace_callback(None)
        assert report.exchanges == 1
        shapes = [_shape(text) for text in seen]  # the trace shows the values bound
        calls = sum(1 for i, shape in enumerate(shapes) if i == 0 or shape != shapes[i - 1])
        return calls, link.stats.reply_bytes
    finally:
        for database in (hub, *nodes.values()):
            database.close()


def test_an_idle_sync_makes_as_many_hub_database_calls_at_300_skus_as_at_30(tmp_path: Path) -> None:
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small, small_reply = _idle_sync(tmp_path / "small", 30)
    large, large_reply = _idle_sync(tmp_path / "large", 300)
    # the idle sweep's slice holds every SKU at 30 and some at 300: the holders of a SKU sold
    # online are read only when the slice holds one
    assert large <= small <= 26, (small, large)
    assert small_reply < 200 and large_reply < 200, (small_reply, large_reply)  # no advice


# rows an idle sync reads from the tables of a node's SKUs on a PostgreSQL hub
_PER_SKU = ("hub_rights", "hub_walk_in_rates", "hub_split_rates")


def _rows_read(hub: PostgresPromiseDatabase, schema: str) -> int:
    """Rows read from the per-SKU tables (table scans and index fetches), as the server
    counts them: the hub's connection flushes its counts first."""
    conn = hub.connection()
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.commit()
    conn.execute("SELECT pg_stat_clear_snapshot()")
    row = conn.execute(
        "SELECT sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))"
        " FROM pg_stat_user_tables WHERE schemaname = %s AND relname = ANY(%s)",
        (schema, list(_PER_SKU)),
    ).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
def test_an_idle_sync_on_a_postgresql_hub_reads_the_sweeps_rows_not_the_nodes(
    tmp_path: Path, postgres_url: str, new_postgres_schema: Callable[[], str]
) -> None:
    """With the tables analysed (as autovacuum does after a node's first sync), an idle sync
    reads its slice's rows by key: at 3,000 SKUs, not every row of the node (a 200-key
    `sku = ANY(...)` was planned as a scan of the node's rights and rates)."""
    schema = new_postgres_schema()
    hub = PostgresPromiseDatabase(postgres_url, schema)
    node = SqliteSyncDatabase(tmp_path / "van.sqlite")
    node.migrate()
    rights.renew_epoch(hub, "epoch-1")
    pair = Pair(hub, {"van": node})
    try:
        with node() as uow:
            skus = [f"SKU-{i:04d}" for i in range(3000)]
            ledger = uow.ledger.load("van", skus)
            for sku in skus:
                ledger.record(sku, MovementKind.RECEIVE, 4, pair.clock())
            uow.ledger.save(ledger)
            uow.commit()
        for _ in range(3):  # the first sync, then the rights settle
            sync.sync_node(node, "van", pair.link("van"), pair.clock())
            pair.later(5)
        conn = hub.connection()
        conn.execute(f"ANALYZE {', '.join(_PER_SKU)}")
        conn.commit()
        before = _rows_read(hub, schema)
        report = sync.sync_node(node, "van", pair.link("van"), pair.clock(), max_exchanges=1)
        read = _rows_read(hub, schema) - before
    finally:
        node.close()
        hub.close()
    assert report.exchanges == 1
    # the slice's 200 SKUs: found (rights, rates, the slice itself) and upserted (rates), a
    # few reads of each; a scan of any one table would read its 3,000 rows (9,602 before)
    assert read <= 8 * sync.SyncSettings().sweep, read
