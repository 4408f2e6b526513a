"""bench/pg_hub.py starts its 200-node fleet from one node's real first sync, cloned
(bench/fleet_clone.py). The clones must be what real first syncs leave: here three nodes
really sync for the first time on one hub, and on another one syncs and is cloned twice;
every table of the hub and of each node's SQLite file is the same, row for row."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from bench.fleet_clone import clone_hub, clone_node
from psycopg import sql

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.domain.movement import MovementKind
from microindex.service import rights, sync

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CODES = ("a", "b", "c")
SECRETS = {code: f"{code}-secret".encode() for code in CODES}
SKUS = [f"SKU-{i:03d}" for i in range(40)]
SKIP = {"schema_migrations": "applied_at", "outbox": "id"}  # when migrated; a serial


def _node_file(folder: Path, code: str) -> SqliteSyncDatabase:
    database = SqliteSyncDatabase(folder / f"{code}.sqlite")
    database.migrate()
    with database() as uow:
        ledger = uow.ledger.load(code, SKUS)
        for i, sku in enumerate(SKUS):
            ledger.record(sku, MovementKind.RECEIVE, 1 + i % 7, T0)
        uow.ledger.save(ledger)
        uow.commit()
    return database


def _first_syncs(url: str, schema: str, folder: Path, codes: tuple[str, ...]) -> None:
    hub = PostgresPromiseDatabase(url, schema)
    try:
        rights.renew_epoch(hub, "epoch-1")
        endpoint = HubEndpoint(hub, SECRETS, lambda: T0)
        for code in codes:
            node = _node_file(folder, code)
            sync.sync_node(node, code, InProcessTransport(code, SECRETS[code], endpoint), T0)
            node.close()
    finally:
        hub.close()


def _hub_tables(url: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        tables = [
            str(t)
            for (t,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        ]
        found = {}
        for table in tables:
            columns = [
                sql.Identifier(str(c))
                for (c,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s"
                    " AND table_name = %s AND column_name <> %s ORDER BY ordinal_position",
                    (schema, table, SKIP.get(table, "")),
                )
            ]
            query = sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(columns), sql.Identifier(table)
            )
            found[table] = sorted(conn.execute(query).fetchall(), key=repr)
    return found


def _node_tables(file: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(file)
    try:
        names = [
            str(n) for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
            if name != "schema_migrations"
        }
    finally:
        conn.close()


def test_cloned_first_syncs_leave_what_real_first_syncs_leave(
    postgres_url: str, new_postgres_schema: Callable[[], str], tmp_path: Path
) -> None:
    real, cloned = new_postgres_schema(), new_postgres_schema()
    (tmp_path / "real").mkdir()
    (tmp_path / "cloned").mkdir()
    _first_syncs(postgres_url, real, tmp_path / "real", CODES)
    _first_syncs(postgres_url, cloned, tmp_path / "cloned", CODES[:1])
    shifts = clone_hub(postgres_url, "a", list(CODES[1:]), schema=cloned)
    for code in CODES[1:]:
        file = tmp_path / "cloned" / f"{code}.sqlite"
        clone_node(tmp_path / "cloned" / "a.sqlite", "a", code, file, shifts[code])

    real_hub, cloned_hub = _hub_tables(postgres_url, real), _hub_tables(postgres_url, cloned)
    assert len(real_hub["movements"]) == 3 * 2 * len(SKUS)  # receipts and the grants back
    assert len(real_hub["outbox"]) >= 3  # a push's stock.changed events, a node
    for table, rows in real_hub.items():
        assert cloned_hub[table] == rows, table
    for code in CODES:
        real_node = _node_tables(tmp_path / "real" / f"{code}.sqlite")
        assert _node_tables(tmp_path / "cloned" / f"{code}.sqlite") == real_node, code
