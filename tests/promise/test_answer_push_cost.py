"""The hub's answer after each push (`repromise.answer_push`, which the sync endpoint runs after
every push) costs the same whether the node holds 4 or 40 open orders, when none of their goods
is gone: it reads the orders whose set-aside lost units and those at risk, not every open order
at the node (two reads per order, and one per line, on every push)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from psycopg import pq

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.service import repromise, rights, sync
from tests.sync.conftest import NODES, SECRETS, Pair
from tests.sync.test_sync_hub_round_trips import _trips

pytestmark = pytest.mark.postgres


def _answer_trips(url: str, schema: str, folder: Path, orders: int) -> int:
    hub = PostgresPromiseDatabase(url, schema)
    nodes = {n: SqliteSyncDatabase(folder / f"{n}.sqlite") for n in SECRETS}
    try:
        for database in nodes.values():
            database.migrate()
        rights.renew_epoch(hub, "epoch-1")
        pair = Pair(hub, dict(nodes))
        for node in SECRETS:
            pair.receive(node, "MUG-1", 100)
            sync.sync_node(nodes[node], node, pair.link(node), pair.clock())
        placed = [pair.order(f"o-{i}", 1) for i in range(orders)]
        assert all(p.created for p in placed)
        for node in SECRETS:  # each node sets its orders aside
            sync.sync_node(nodes[node], node, pair.link(node), pair.clock())
        with tempfile.TemporaryFile() as trace:
            pgconn = hub.connection().pgconn
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                for node in SECRETS:
                    changed = repromise.answer_push(hub, node, pair.clock(), NODES)
                    assert changed == []
            finally:
                pgconn.untrace()
            trace.seek(0)
            trips, _ = _trips(trace.read())
        return trips
    finally:
        hub.close()
        for database in nodes.values():
            database.close()


def test_the_answer_after_a_push_costs_the_same_for_4_or_40_open_orders(
    postgres_url: str, new_postgres_schema: Callable[[], str], tmp_path: Path
) -> None:
    few = _answer_trips(postgres_url, new_postgres_schema(), tmp_path / "few", 4)
    many = _answer_trips(postgres_url, new_postgres_schema(), tmp_path / "many", 40)
    assert many <= few, (few, many)
