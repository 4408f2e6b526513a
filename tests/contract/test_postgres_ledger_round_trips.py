"""An append to a PostgreSQL ledger takes a bounded number of round trips, counted on the wire
as in tests/promise/test_promise_round_trips.py: the BEGIN with the catalog check and the node's
head and on-hand locked (one batch, one call of `ledger_load`), the movements, on-hand, head and
outbox written with the COMMIT (one batch, one call of `ledger_save`), one fewer than raw
psycopg's BEGIN, INSERT and COMMIT. It took eight before: the head and on-hand locked one after
the other, then the ledger's writes, the outbox's lock and its row, the COMMIT, each a round
trip of its own; then four while psycopg sent BEGIN alone (ADR 0022); then three while the
catalog check went alone (ADR 0029)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable

import pytest
from psycopg import pq

from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.domain.movement import MovementKind
from microindex.service import stock
from tests.sync.test_sync_hub_round_trips import _trips

from .samples import AT, product

pytestmark = pytest.mark.postgres


def _trips_of(database: PostgresDatabase, work: Callable[[int], object], n: int) -> float:
    trips, _ = _trips(_traced(database, work, n))
    return trips / n


def _traced(database: PostgresDatabase, work: Callable[[int], object], n: int) -> bytes:
    """What went over the wire in `n` runs of `work`, after six runs untraced."""
    for i in range(-6, 0):  # psycopg prepares a statement from its fifth run
        work(i)
    with tempfile.TemporaryFile() as trace:
        pgconn = database.connection().pgconn
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            for i in range(n):
                work(i)
        finally:
            pgconn.untrace()
        trace.seek(0)
        return trace.read()


def _till(database: PostgresDatabase) -> Callable[[int], object]:
    def till(i: int) -> None:
        if i % 2 == 0:
            stock.receive(database, "shop", "A", 2, AT, f"po-{i}")
        else:
            stock.record_movement(database, "shop", "A", MovementKind.SELL, -1, AT, f"t-{i}")

    return till


def test_an_append_takes_at_most_2_round_trips_on_postgresql(
    postgres_url: str, new_postgres_schema: Callable[[], str]
) -> None:
    database = PostgresDatabase(postgres_url, new_postgres_schema())
    try:
        database.migrate()
        with database() as uow:
            uow.catalog.upsert([product("A"), product("B")])
            uow.commit()
        till = _till(database)

        def stock_file(i: int) -> None:
            rows = [stock.StockRow("A", 20 + i % 3), stock.StockRow("B", 30 + i % 5)]
            stock.set_stock(database, "shop", rows, AT, f"file-{i}")

        assert _trips_of(database, till, 10) <= 2
        assert _trips_of(database, stock_file, 10) <= 2
        with database() as uow:
            ledger = uow.ledger.load("shop", ["A", "B"])
            movements = uow.ledger.movements("shop", limit=100)
        assert [m.seq for m in movements] == list(range(1, ledger.head + 1))
        assert ledger.on_hand == {
            "A": sum(m.quantity for m in movements if m.sku == "A"),
            "B": sum(m.quantity for m in movements if m.sku == "B"),
        }
    finally:
        database.close()


def test_an_appends_reads_and_writes_go_as_two_calls_the_session_plans_once(
    postgres_url: str, new_postgres_schema: Callable[[], str]
) -> None:
    """A batch bound on the client is parsed and planned at every append; the statements of a
    PL/pgSQL function are planned once a session (ADR 0027). So the catalog check and the locks
    go as `ledger_load(...)`, the ledger's writes (movements, on-hand, head) and the outbox's
    lock and message as `ledger_save(...)` (ADR 0029), and no statement sent reads the catalog,
    locks or writes those tables."""
    database = PostgresDatabase(postgres_url, new_postgres_schema())
    try:
        database.migrate()
        with database() as uow:
            uow.catalog.upsert([product("A")])
            uow.commit()
        sent = _traced(database, _till(database), 4).decode(errors="replace")
        assert sent.count("ledger_load(") == sent.count("ledger_save(") == 4
        assert not re.findall(
            r"(?i)(?:INSERT INTO|UPDATE|FROM|LOCK TABLE) (?:movements|on_hand|ledger_heads|outbox"
            r"|products)",
            sent,
        )
    finally:
        database.close()
