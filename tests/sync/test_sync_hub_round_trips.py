"""A push that moves many SKUs' rights costs the PostgreSQL hub a bounded number of round
trips per exchange, whatever the SKUs: the rights it spends (releases), writes and the
requests it makes go in set statements, not a statement per SKU.

Round trips are counted on the wire: libpq's protocol trace of the hub's connection shows one
ReadyForQuery from the server per round trip (a simple query, or a pipeline's Sync)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from psycopg import pq

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.movement import MovementKind, Tag
from microindex.service import rights, sync
from tests.sync.conftest import Pair

pytestmark = pytest.mark.postgres


def _trips(trace: bytes) -> tuple[int, int]:
    """Round trips (the server's ReadyForQuery) and statements run (Query or Execute)."""
    lines = trace.decode(errors="replace").splitlines()
    trips = sum(1 for line in lines if line.startswith("B\t") and "\tReadyForQuery" in line)
    statements = sum(
        1
        for line in lines
        if line.startswith("F\t") and ("\tQuery\t" in line or "\tExecute\t" in line)
    )
    return trips, statements


def _releasing_sync(url: str, schema: str, folder: Path, skus: int) -> tuple[int, int, int, int]:
    """A van of `skus` SKUs syncs once (the hub pools its rights), then again three hours
    later, when the hub hands a unit of each SKU back (RELEASE). The later sync's exchanges,
    the releases the van applied, the hub's round trips and statements."""
    hub = PostgresPromiseDatabase(url, schema)
    van = SqliteSyncDatabase(folder / "van.sqlite")
    van.migrate()
    try:
        rights.renew_epoch(hub, "epoch-1")
        pair = Pair(hub, {"van": van})
        with van() as uow:
            names = [f"SKU-{i:04d}" for i in range(skus)]
            ledger = uow.ledger.load("van", names)
            for sku in names:
                ledger.record(sku, MovementKind.RECEIVE, 5, pair.clock())
            uow.ledger.save(ledger)
            uow.commit()
        sync.sync_node(van, "van", pair.link("van"), pair.clock())
        seen = len(pair.ledger("van"))
        pair.later(180)
        pair.receive("van", "SKU-0000", 1)
        with tempfile.TemporaryFile() as trace:
            pgconn = hub.connection().pgconn
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                report = sync.sync_node(van, "van", pair.link("van"), pair.clock())
            finally:
                pgconn.untrace()
            trace.seek(0)
            trips, statements = _trips(trace.read())
        released = sum(1 for m in pair.ledger("van")[seen:] if m.tag is Tag.RELEASE)
        return report.exchanges, released, trips, statements
    finally:
        hub.close()
        van.close()


def test_a_push_releasing_every_sku_costs_the_hub_the_same_round_trips_at_300_skus_as_at_30(
    postgres_url: str, new_postgres_schema: Callable[[], str], tmp_path: Path
) -> None:
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small = _releasing_sync(postgres_url, new_postgres_schema(), tmp_path / "small", 30)
    large = _releasing_sync(postgres_url, new_postgres_schema(), tmp_path / "large", 300)
    (small_exchanges, small_released, small_trips, small_statements) = small
    (large_exchanges, large_released, large_trips, large_statements) = large
    assert small_released >= 20 and large_released >= 200, (small, large)  # rights did move
    # per exchange (a larger node may take one more exchange to settle), not per SKU: a
    # statement per SKU released made 404 round trips in 3 exchanges at 300 SKUs
    small_per, large_per = small_trips / small_exchanges, large_trips / large_exchanges
    assert large_per <= 1.25 * small_per and large_per < 40, (small, large)
    assert large_statements / large_exchanges <= 1.25 * small_statements / small_exchanges
