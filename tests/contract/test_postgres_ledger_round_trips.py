"""An append to a PostgreSQL ledger takes a bounded number of round trips, counted on the wire
as in tests/promise/test_promise_round_trips.py: the BEGIN with the catalog check and the node's
head and on-hand locked (one batch, one call of `ledger_load`), the movements, on-hand, head and
outbox written with the COMMIT (one batch, one call of `ledger_save`), one fewer than raw
psycopg's BEGIN, INSERT and COMMIT. It took eight before: the head and on-hand locked one after
the other, then the ledger's writes, the outbox's lock and its row, the COMMIT, each a round
trip of its own; then four while psycopg sent BEGIN alone (ADR 0022); then three while the
catalog check went alone (ADR 0029). A single append's two calls touch only its own rows, as
index probes (ADR 0033)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable

import psycopg
import pytest
from psycopg import pq

from microindex.adapters.postgres.connection import Connection, exchange
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
    lock and message as `ledger_save(...)` (ADR 0029), for a single movement as
    `ledger_append(...)` with each value an argument of its own, no JSON (ADR 0033); and no
    statement sent reads the catalog, locks or writes those tables."""
    database = PostgresDatabase(postgres_url, new_postgres_schema())
    try:
        database.migrate()
        with database() as uow:
            uow.catalog.upsert([product("A")])
            uow.commit()
        sent = _traced(database, _till(database), 4).decode(errors="replace")
        assert sent.count("ledger_load(") == sent.count("ledger_append(") == 4
        assert "ledger_save(" not in sent
        assert "::json" not in sent.split("ledger_append(")[1].split(";COMMIT")[0]
        assert not re.findall(
            r"(?i)(?:INSERT INTO|UPDATE|FROM|LOCK TABLE) (?:movements|on_hand|ledger_heads|outbox"
            r"|products)",
            sent,
        )
    finally:
        database.close()


def _rows_read(conn: Connection) -> dict[str, tuple[int, int, int]]:
    """This transaction's scans so far, by table: sequential scans, rows they read, rows read
    through an index (bitmap scans included)."""
    rows = conn.execute(
        "SELECT relname, seq_scan, seq_tup_read, coalesce(idx_tup_fetch, 0)"
        " FROM pg_stat_xact_user_tables WHERE schemaname = current_schema()"
    ).fetchall()
    return {str(name): (int(a), int(b), int(c)) for name, a, b, c in rows}


def test_a_single_append_reads_only_its_own_rows_however_many_the_node_holds(
    postgres_url: str, new_postgres_schema: Callable[[], str]
) -> None:
    """One SKU's append at a node holding 1,000: the catalog check, the locks and the writes are
    index probes of that SKU's rows. They were planned for a batch: the catalog read whole
    into a hash for the check, and every on-hand row of the node read twice (the lock and the
    update, each a hash join over the node's rows)."""
    database = PostgresDatabase(postgres_url, new_postgres_schema())
    skus = [f"S{i:04d}" for i in range(1000)]
    try:
        database.migrate()
        with database() as uow:
            uow.catalog.upsert([product(sku) for sku in skus])
            uow.commit()
        stock.set_stock(database, "shop", [stock.StockRow(sku, 5) for sku in skus], AT, "file")
        conn = database.connection()
        conn.execute("ANALYZE products")
        conn.execute("ANALYZE on_hand")
        conn.commit()
        with database() as uow:
            before = _rows_read(conn)
            ledger = uow.ledger.load_known("shop", ["S0007"])
            assert ledger is not None and ledger.on_hand == {"S0007": 5}
            ledger.record("S0007", MovementKind.SELL, -1, AT, "till")
            uow.ledger.save(ledger)
            uow.ledger.movements("shop", after=ledger.head)  # sends the save held back
            after = _rows_read(conn)
        for table in ("products", "on_hand"):  # (the head: one row, however it is read)
            seq, seq_rows, index_rows = (
                a - b for a, b in zip(after[table], before[table], strict=True)
            )
            assert (seq, seq_rows) == (0, 0), table
            assert index_rows <= 2, table  # on-hand: the load's lock, the update
    finally:
        database.close()


def test_values_are_bound_as_a_client_cursor_binds_them(postgres_url: str) -> None:
    """`exchange` binds text, integers, booleans and None itself: the server reads the same
    values as from psycopg's own binding."""
    hostile = ("%s", "100%", "x'); DROP TABLE t; --", "\\'", "É\u202eẞ", "=1+2")
    values = ("it's", -3, 7, True, False, None, '{"a": "b\\"c"}', "back\\slash", *hostile)
    json_at = 6
    query = "SELECT " + ", ".join("%s::jsonb" if i == json_at else "%s" for i in range(len(values)))
    with psycopg.connect(postgres_url) as conn:
        ours = exchange(conn, [(query, values)])[0]
        bound = psycopg.ClientCursor(conn).mogrify(query, values).replace("%", "%%")
        theirs = exchange(conn, [(bound, ())])[0]
        assert [ours.get_value(0, i) for i in range(len(values))] == [
            theirs.get_value(0, i) for i in range(len(values))
        ]
        texts = [ours.get_value(0, i + 8) for i in range(len(hostile))]
        assert texts == [text.encode() for text in hostile]  # each read back as it was
        with pytest.raises(psycopg.DataError):
            exchange(conn, [("SELECT %s", ("nul\x00",))])
