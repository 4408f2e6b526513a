"""A promise on a PostgreSQL hub takes a bounded number of round trips, counted on the wire as
in tests/sync/test_sync_hub_round_trips.py: the BEGIN with the idempotency check and the
promise's reads (one batch), then each node's lock, escrow and reservations, the order and the
COMMIT (one batch: ADR 0032). It took 20 before reads were folded, the node's lock taken by its
upsert and the writes pipelined, then 13.5 until the batches, then 6 while psycopg sent BEGIN
alone and the idempotency check went on its own (ADR 0022), then 4 while the node's lock and
its escrow each went in a batch of their own before the commit.

Each of the two messages is one call of a function (ADR 0036): the server parses and plans
4 statements an order (BEGIN, `promise_read`, `promise_write`, COMMIT), where it parsed 8 or 9
(the order and its parts read apart, each node's `rights_spend`, an upsert per online rate,
`order_add`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from psycopg import pq

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.service import rights, sync
from tests.sync.conftest import SECRETS, Pair
from tests.sync.test_sync_hub_round_trips import _trips

pytestmark = pytest.mark.postgres


def test_a_promise_takes_at_most_2_round_trips_on_postgresql(
    postgres_url: str, new_postgres_schema: Callable[[], str], tmp_path: Path
) -> None:
    hub = PostgresPromiseDatabase(postgres_url, new_postgres_schema())
    nodes = {n: SqliteSyncDatabase(tmp_path / f"{n}.sqlite") for n in SECRETS}
    try:
        for database in nodes.values():
            database.migrate()
        rights.renew_epoch(hub, "epoch-1")
        pair = Pair(hub, dict(nodes))
        for node in SECRETS:
            for sku in ("MUG-1", "MUG-2"):
                pair.receive(node, sku, 50)
            sync.sync_node(nodes[node], node, pair.link(node), pair.clock())
        for i in range(6):  # psycopg prepares a statement from its fifth run
            pair.order(f"warm-{i}", 1, sku=f"MUG-{1 + i % 2}")
        with tempfile.TemporaryFile() as trace:
            pgconn = hub.connection().pgconn
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                placed = [pair.order(f"o-{i}", 1, sku=f"MUG-{1 + i % 2}") for i in range(10)]
            finally:
                pgconn.untrace()
            trace.seek(0)
            sent = trace.read()
        trips, _ = _trips(sent)
        assert all(p.created for p in placed)
        assert trips / 10 <= 2, trips
        assert _statements(sent) / 10 <= 4, _statements(sent)
    finally:
        hub.close()
        for database in nodes.values():
            database.close()


def _statements(trace: bytes) -> int:
    """The statements the simple-query messages in `trace` hold: their `;` outside literals
    (which double their quotes) and a last one."""
    count = 0
    for line in trace.decode(errors="replace").splitlines():
        if not (line.startswith("F\t") and "\tQuery\t" in line):
            continue
        quoted = False
        for char in line.split("\tQuery\t", 1)[1].strip().strip('"'):
            if char == "'":
                quoted = not quoted  # a doubled quote turns it off and on again
            elif char == ";" and not quoted:
                count += 1
        count += 1
    return count
