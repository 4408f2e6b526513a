"""Ledger append rate and on-hand read latency, ours against the raw driver, in the same run.

    python -m bench.ledger              # SQLite and PostgreSQL, 2000 movements each way
    python -m bench.ledger --n 5000 --json

SQLite runs on a temporary file opened with microindex's own pragmas (WAL, synchronous=FULL).
PostgreSQL runs in a throwaway schema at --pg-url (default MICROINDEX_TEST_PG_URL, else the local
test server) and is skipped with a message when the server cannot be reached.

What is measured, per database:
- append, one movement per transaction: `service.stock.receive` / `sell` alternately, as a till
  records sales, against one plain `INSERT` per transaction into a table shaped like `movements`;
- append, 100 movements per transaction: `service.stock.set_stock` over 100 SKUs, against
  `executemany` of 100 rows per transaction; on SQLite also against raw SQL making the same
  writes as ours into a migrated microindex file ("raw: same schema": the ledger rows, on-hand
  per SKU, the head, one outbox message). Issue 21's 0.5 line is
  judged against the plain raw rows; the same-schema rows show what the schema costs;
- on-hand read: `uow.ledger.load(node, [sku])` and `uow.ledger.stock(node, sku)`, each in its own
  unit of work, against a bare `SELECT quantity FROM on_hand WHERE node = ? AND sku = ?`.
Ratios are ours / raw: for rates, higher is better (1.0 = as fast as the raw driver); for
latencies and CPU per movement, lower is better. The raw rate of single appends is the disk's
durable commit rate during the run (it swings from about 200/s to 14,000/s on a shared disk:
CPU per movement is the steadier figure).

Batched append, CPU µs per movement, ours against raw, on 2026-12-06 (load average about 20,
the disk at 230-670 raw commits/s: CPU is the figure to read), the code before and after
issue 21's ledger work run in turn: SQLite 23.6 / 21.8 -> 12.4 / 12.0 (raw 4.0-5.0);
PostgreSQL 69.1 / 71.5 -> 19.2 / 19.8 (raw 15.5-17.4). One outbox message per save instead of
one per movement (ADR 0012), on-hand once per SKU in one statement, a shared time formatted
once, and on PostgreSQL the batch sent as one JSON text rather than nine arrays.
Where SQLite's batch goes (cProfile and a timer per step, 100 SKUs a batch, µs per movement):
the commit 5.5 (4.2 of it `movements_by_sku`: a batch of 100 SKUs dirties an index page per
SKU, which the plain raw table, appending in key order, never does), the ledger rows and
on-hand 4.2 (the index 1.1 of it), recording the movements 2.1, the catalog check 1.3-1.7,
loading on-hand 1.1. Three runs on 2026-12-06 (load average 10, the disk at 11,000-34,000
raw movements/s): ours 12.6 / 12.7 / 13.6, plain raw 4.6 / 5.4 / 5.0 (CPU ratio 0.37 / 0.43 /
0.37, rates 0.47 / 0.67 / 0.79), raw into the same schema 7.6 / 8.7 / 8.1 (0.60 / 0.68 /
0.60, rates 0.65 / 0.69 / 1.01).
Then (ADR 0018) no index by SKU (migration 177: a count's on-hand is on-hand now less what moved
since its position) and the catalog check in one statement over `json_each`. Three runs on
2026-12-06, each after one of the code before (load average 6.6-8.0, the disk at 470-5,600 raw
commits/s), SQLite, batches of 100, CPU µs per movement: before 11.2 / 11.0 / 13.2 against raw
4.0 / 4.0 / 4.5 (CPU ratio 0.36 / 0.36 / 0.34, rates 0.40 / 0.40 / 0.58); after 9.6 / 11.7 /
8.5 against raw 4.1 / 5.1 / 3.8 (0.43 / 0.44 / 0.45, rates 0.53 / 0.75 / 0.51), raw into the
same schema 5.5 / 6.5 / 5.1 (0.57 / 0.56 / 0.60). Single appends after: SQLite 246 / 303 / 180
µs of CPU against raw 120 / 144 / 91 (rates 0.78 / 0.71 / 0.59); PostgreSQL 790 / 645 / 558
against 179 / 145 / 124 (rates 0.44 / 0.44 / 0.42: ten round trips against raw's two), batches
0.71 / 0.77 / 0.72 (client CPU 16.7 / 15.3 / 15.4 against 15.1 / 15.2 / 14.6).
Left in a SQLite batch (µs a movement): the movement rows 1.9 and on-hand 1.0, recording 1.9,
the commit 1.8, loading on-hand 1.2, the catalog check 0.65; a unit of work's BEGIN IMMEDIATE
after its commit (rolled back at exit) is 5 µs a transaction, a single append's to lose.
Then (ADR 0021) on PostgreSQL the head and on-hand locked in one statement and the ledger's
and outbox's writes sent with the COMMIT in one batch (8 round trips an append -> 4: BEGIN,
the catalog check, the locks, the writes), and on SQLite the BEGIN after a commit put off to
the next statement, the head read with on-hand and one SKU's on-hand written without JSON.
Three runs on 2026-12-06 before (load average 2.2-3.5, raw 1,050-2,300 commits/s) and after
(load average 4.8-5.2, raw 260-5,800 commits/s), ours / raw, CPU µs per movement and rate:
PostgreSQL single 644 / 166, 703 / 178, 709 / 167 (rates 0.59 / 0.64 / 0.41) -> 367 / 158,
489 / 168, 459 / 181 (0.96 / 0.85 / 0.87); batches 14.2 / 13.7, 17.8 / 15.8, 22.8 / 20.8
(0.63 / 0.77 / 0.79) -> 11.1 / 16.7, 13.3 / 15.5, 16.0 / 18.6 (0.87 / 0.75 / 0.92). SQLite
single 198 / 106, 234 / 120, 241 / 121 (0.73 / 0.76 / 0.57) -> 174 / 96, 196 / 111,
272 / 159 (0.65 / 0.93 / 0.96); batches 8.9 / 3.9, 12.8 / 5.5, 9.1 / 4.1 (0.53 / 0.54 /
0.58) -> 8.3 / 3.8, 9.1 / 4.3, 10.6 / 4.7 (0.51 / 0.99 / 0.99, the last two on a slow disk).
Then (ADR 0023) a `Movement` written through its slots (a frozen dataclass's own `__init__`
calls `object.__setattr__` per field: 18,400 instructions a movement made, now 10,800) and
SQLite's on-hand of a batch read in one row (a row a SKU cost a cursor step and a GIL round
trip each). Valgrind's instruction count a movement, SQLite batches of 100: 75,000 -> 63,400
(raw 30,000; raw SQL into our schema 36,700). Three runs on 2026-12-06 in turn (load average
3.0-3.7), ours / raw CPU µs: before 8.7 / 3.9, 8.9 / 4.0, 8.5 / 3.9 (CPU ratio 2.24 / 2.26 /
2.20, rates 0.48 / 0.55 / 0.48); after 8.0 / 4.0, 10.2 / 5.2, 8.2 / 4.1 (1.99 / 1.97 / 1.99,
rates 0.58 / 0.55 / 0.61).
Then (ADR 0022) on PostgreSQL the BEGIN sent with the catalog check (4 round trips an append ->
3, as raw's). Two runs each of the code before and after in turn on 2026-12-06 (load average
3.7-3.9, the disk at 300-1,500 raw commits/s), PostgreSQL single, ours / raw CPU µs a movement
and rate: before 456 / 166, 385 / 162 (0.56 / 0.60) -> 510 / 206, 534 / 225 (0.82 / 0.84):
CPU 2.75 / 2.38x -> 2.48 / 2.37x (the round trip saved is about what binding the catalog check
on the client costs); batches 0.67 / 0.80 -> 0.94 / 0.62.
Then (ADR 0027) on PostgreSQL the ledger's writes as one call of `ledger_save`, a function whose
statements each session plans once; the bench now reads the server backend's CPU from `/proc`.
Three runs each of the code before and after in turn on 2026-12-06 (load average 3.9-5.1, the
disk at 300-1,200 raw commits/s), single appends, ours / raw: server CPU 3.37 / 3.42 / 3.52x
-> 2.86 / 2.76 / 2.66x (µs: 818 / 625 / 713 -> 608 / 663 / 505, raw 183-243), client CPU 2.88 /
3.17 / 2.95x -> 2.80 / 2.70 / 2.51x, client + server 3.14 / 3.31 / 3.25x -> 2.83 / 2.73 / 2.59x.
Then (ADR 0029) on PostgreSQL the catalog check and the locking read as one call of `ledger_load`
sent with the BEGIN, and the outbox's lock and message in the append's `ledger_save` call (3 round
trips an append -> 2). Six runs each of the code before and after in turn on 2026-12-06 (load
average 5.4-9.2: other sessions' tests and valgrind; the disk at 150-510 raw commits/s, so the
rates say little), single appends, ours / raw CPU: client 2.90 / 2.66 / 2.80 / 2.60 / 2.69 /
2.67x -> 2.02 / 1.90 / 1.98 / 1.71 / 1.95 / 2.21x; server 3.29 / 3.03 / 3.12 / 2.88 / 3.05 /
2.93x -> 2.77 / 2.58 / 2.77 / 2.38 / 2.64 / 2.99x; client + server 3.09 / 2.85 / 2.96 / 2.74 /
2.87 / 2.80x -> 2.40 / 2.23 / 2.37 / 2.04 / 2.30 / 2.60x (µs 1,256-1,670 -> 969-1,718, raw
372-716); rates 0.57 / 0.63 / 0.55 / 0.67 / 0.69 / 0.64 -> 0.78 / 0.74 / 0.62 / 0.95 / 0.78 /
0.65. Batches of 100, client + server: 1.40 / 1.26 / 1.16 / 1.16 / 1.41 / 1.23x -> 0.97 / 1.05 /
1.07 / 0.90 / 0.88 / 1.18x.
Then (ADR 0033) on PostgreSQL one SKU's load as three index probes and one movement's writes as
`ledger_append(...)` with plain arguments (they were planned for batches: the whole catalog and
every on-hand row of the node read into hashes at each append), and the ledger's two messages
sent without a cursor (`connection.exchange`). Three runs each of the code before and after in
turn on 2026-12-07 (load average 4.4-5.6, the disk at 280-400 raw commits/s), single appends,
ours / raw CPU: client 2.10 / 2.05 / 2.37x -> 1.30 / 1.51 / 1.46x (µs 526 / 489 / 392 ->
363 / 268 / 271); server 2.74 / 2.63 / 3.08x -> 2.06 / 2.36 / 2.00x (µs 803 / 755 / 608 ->
628 / 473 / 520); client + server 2.45 / 2.37 / 2.75x -> 1.70 / 1.96 / 1.77x; rates 0.71 /
0.80 / 0.67 -> 0.78 / 0.71 / 0.92. Batches of 100, client + server: 1.31 / 1.25 / 1.18x ->
1.22 / 1.23 / 1.07x.
Then (ADR 0038) on SQLite one SKU's load bound as it is (no JSON made and read) and one
movement and one outbox message inserted with `execute`. Three runs each of the code before
and after in turn on 2026-12-07, --n 4000 (load average 9.6-16: five sessions on 2 cores; the
disk at 500-1,400 raw commits/s), single appends, ours / raw CPU µs: before 367.7 / 165.4,
377.0 / 174.8, 326.8 / 145.9 (2.22 / 2.16 / 2.24x, rates 0.50 / 0.68 / 0.62); after 325.9 /
172.4, 313.0 / 145.4, 365.3 / 152.1 (1.89 / 2.15 / 2.40x, rates 0.69 / 0.62 / 0.33): within
the noise of that machine. Raw SQL making our seven statements costs about 1.2x raw's CPU; the
rest is Python (about 47 calls an append) and its caches gone cold across each commit's fsync.
Batches of 100: 1.90 / 1.93 / 1.94x -> 1.90 / 2.01 / 2.02x.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.server_cpu import ServerCpu, backend_cpu
from microindex.adapters.postgres.connection import connect as pg_connect
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.connection import connect as sqlite_connect
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.movement import MovementKind
from microindex.domain.product import Product
from microindex.service import stock
from microindex.service.ports import UnitOfWorkFactory

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
NODE = "shop"
BATCH = 100
ROUNDS = 20
AT = datetime(2026, 1, 1, tzinfo=UTC)
SKUS = [f"SKU-{i:04d}" for i in range(BATCH)]
SAME_SCHEMA = " (raw: same schema)"
JUDGED = (
    "Issue 21's line (append at least 0.5 of raw) is judged against the plain raw rows: one"
    " INSERT into a table with no index but its key.\nRows marked 'raw: same schema' are"
    " raw SQL making our writes (ledger rows, on-hand, head, one outbox message) into a"
    " migrated microindex file: what the schema itself costs."
)
MOVEMENT_COLUMNS = "node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id"
RAW_TABLE = """CREATE TABLE raw_movements (
    node TEXT NOT NULL, seq INTEGER NOT NULL, sku TEXT NOT NULL, quantity INTEGER NOT NULL,
    kind TEXT NOT NULL, at TEXT NOT NULL, reference TEXT NOT NULL, actor TEXT NOT NULL,
    PRIMARY KEY (node, seq))"""


@dataclass(frozen=True)
class Row:
    database: str
    measure: str
    unit: str
    ours: float
    raw: float
    ratio: float


class Appender:
    """Appends movements in chunks, carrying on where the last chunk stopped."""

    def __init__(self, append: Callable[[int], None]) -> None:
        self._append = append
        self.done = 0

    def __call__(self, count: int) -> None:
        self._append(self.done)
        self.done += count


@dataclass(frozen=True)
class Compared:
    ours: float  # median rate per second
    raw: float
    ratio: float  # median of the per-round ratios
    ours_cpu_us: float  # CPU per operation over all rounds (steadier than the rates)
    raw_cpu_us: float
    same: Compared | None = None  # raw SQL into our own schema, when measured: ours against it
    ours_server_us: float | None = None  # the database server's CPU per operation, when read
    raw_server_us: float | None = None


def compare_rates(
    ours: Callable[[int], None],
    raw: Callable[[int], None],
    n: int,
    step: int,
    same: Callable[[int], None] | None = None,
    servers: tuple[ServerCpu, ServerCpu] | None = None,
) -> Compared:
    """Median rates (per second) of `ours` and `raw`, the median of their per-round ratios, and
    the CPU each spent per operation; with `same` (raw SQL making our writes in our schema),
    ours against that too, in `Compared.same`; with `servers` (the CPU of ours' and raw's
    server processes), the server's CPU per operation of each.

    Each call does `step` operations. One untimed call of each warms the files up; then ROUNDS
    rounds share `n` operations, ours and the baselines back to back (taking turns at going
    first), so that a slow spell of the disk (WAL growth, a checkpoint, a neighbour's fsync)
    weighs on all alike.
    """
    calls = max(1, n // ROUNDS // step)
    runs = [("ours", ours), ("raw", raw)] + ([("same", same)] if same else [])
    names = [name for name, _ in runs]
    for _, run in runs:
        run(step)
    rates: dict[str, list[float]] = {name: [] for name in names}
    cpu = dict.fromkeys(names, 0.0)
    server = dict.fromkeys(names, 0.0)
    server_cpu = dict(zip(("ours", "raw"), servers or (), strict=False))
    for round_ in range(ROUNDS):
        turn = round_ % len(runs)
        for name, run in runs[turn:] + runs[:turn]:
            reading = server_cpu.get(name)
            server_started = reading() if reading else 0.0
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(calls):
                run(step)
            rates[name].append(calls * step / (time.perf_counter() - started))
            cpu[name] += time.process_time() - cpu_started
            if reading:
                server[name] += reading() - server_started
    done = ROUNDS * calls * step

    def against(base: str) -> Compared:
        ratios = [o / r for o, r in zip(rates["ours"], rates[base], strict=True)]
        return Compared(
            statistics.median(rates["ours"]),
            statistics.median(rates[base]),
            statistics.median(ratios),
            1e6 * cpu["ours"] / done,
            1e6 * cpu[base] / done,
        )

    compared = replace(against("raw"), same=against("same") if same else None)
    if not servers:
        return compared
    return replace(
        compared,
        ours_server_us=1e6 * server["ours"] / done,
        raw_server_us=1e6 * server["raw"] / done,
    )


def latencies_us(n: int, read: Callable[[], object]) -> tuple[float, float]:
    """p50 and p99 of `read` over `n` calls, in microseconds (after a short warm-up)."""
    for _ in range(min(50, n)):
        read()
    times = []
    for _ in range(n):
        started = time.perf_counter_ns()
        read()
        times.append((time.perf_counter_ns() - started) / 1000)
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def fill_catalog(database: UnitOfWorkFactory) -> None:
    with database() as uow:
        uow.catalog.upsert([Product(Sku(s), s, Money(Decimal("1.00"), "GBP")) for s in SKUS])
        uow.commit()


def service_appends(database: UnitOfWorkFactory) -> Appender:
    """One movement per call, as a till records it: a delivery of 2, then a sale of 1, ..."""

    def append(i: int) -> None:
        if i % 2 == 0:
            stock.receive(database, NODE, SKUS[0], 2, AT, f"po-{i}")
        else:
            sale = MovementKind.SELL  # the ledger write a till's sale ends in
            stock.record_movement(database, NODE, SKUS[0], sale, -1, AT, f"till-{i}")

    return Appender(append)


def service_batches(database: UnitOfWorkFactory) -> Appender:
    """BATCH movements per call: a stock file setting every SKU to a new quantity."""

    def append(b: int) -> None:
        b //= BATCH
        rows = [stock.StockRow(sku, 10 + b + (b + i) % 7) for i, sku in enumerate(SKUS)]
        stock.set_stock(database, NODE, rows, AT, f"import-{b}")

    return Appender(append)


def movement_row(node: str, seq: int) -> tuple[Any, ...]:
    return (node, seq, SKUS[0], 1, "receive", AT.isoformat(), f"po-{seq}", "")


def append_rows(database: str, ours: UnitOfWorkFactory, raw_single: Appender,
                raw_batch: Appender, n: int, raw_same: Appender | None = None,
                servers: tuple[ServerCpu, ServerCpu] | None = None) -> list[Row]:  # fmt: skip
    """Rows for single and batched appends; `raw_same` (batched) adds the baseline of raw SQL
    making our writes into our schema; `servers` (PostgreSQL on this machine), the server's CPU
    and the client's and server's together."""
    rows = []
    for label, compared in (
        ("1 movement", compare_rates(service_appends(ours), raw_single, n, 1, servers=servers)),
        (
            f"{BATCH} movements",
            compare_rates(service_batches(ours), raw_batch, n, BATCH, raw_same, servers),
        ),
    ):
        against = [("", compared)] + ([(SAME_SCHEMA, compared.same)] if compared.same else [])
        for baseline, c in against:
            rows += [
                Row(database, f"append, {label} per transaction{baseline}", "movements/s",
                    c.ours, c.raw, c.ratio),
                Row(database, f"append, {label} per transaction, CPU{baseline}", "µs/movement",
                    c.ours_cpu_us, c.raw_cpu_us, c.ours_cpu_us / c.raw_cpu_us),
            ]  # fmt: skip
            if c.ours_server_us is not None and c.raw_server_us is not None:
                ours_both = c.ours_cpu_us + c.ours_server_us
                raw_both = c.raw_cpu_us + c.raw_server_us
                rows += [
                    Row(database, f"append, {label} per transaction, server CPU", "µs/movement",
                        c.ours_server_us, c.raw_server_us, c.ours_server_us / c.raw_server_us),
                    Row(database, f"append, {label} per transaction, client + server CPU",
                        "µs/movement", ours_both, raw_both, ours_both / raw_both),
                ]  # fmt: skip
    return rows


def same_schema_batches(conn: sqlite3.Connection) -> Appender:
    """Raw SQL doing what a batch of ours writes, into a migrated microindex file (the same
    tables and indexes): BATCH ledger rows, on-hand of each SKU, the ledger head and one outbox
    message, in one transaction, on microindex's pragmas."""
    at = AT.isoformat()

    def append(i: int) -> None:
        seqs = range(i + 1, i + BATCH + 1)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"INSERT INTO movements ({MOVEMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(NODE, s, SKUS[k], 1, "receive", at, f"po-{s}", "", "", "") for k, s in
             enumerate(seqs)],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO on_hand (node, sku, quantity) VALUES (?, ?, ?)"
            " ON CONFLICT (node, sku) DO UPDATE SET quantity = excluded.quantity",
            [(NODE, sku, i // BATCH + 1) for sku in SKUS],
        )
        conn.execute(
            "INSERT INTO ledger_heads (node, head) VALUES (?, ?)"
            " ON CONFLICT (node) DO UPDATE SET head = excluded.head",
            (NODE, seqs[-1]),
        )
        conn.execute(
            "INSERT INTO outbox (topic, key, payload, created_at) VALUES (?, ?, ?, ?)",
            ("movement", f"{NODE}#{seqs[0]}-{seqs[-1]}", "{}", at),
        )
        conn.execute("COMMIT")

    return Appender(append)


def read_rows(
    database: str,
    n: int,
    factory: UnitOfWorkFactory,
    raw_read: Callable[[], object],
) -> list[Row]:
    def load() -> object:
        with factory() as uow:
            return uow.ledger.load(NODE, [SKUS[0]]).on_hand

    def stock_line() -> object:
        with factory() as uow:
            return uow.ledger.stock(NODE, SKUS[0])

    raw50, raw99 = latencies_us(n, raw_read)
    rows = []
    for name, read in (("ledger.load", load), ("ledger.stock", stock_line)):
        p50, p99 = latencies_us(n, read)
        rows.append(Row(database, f"on-hand read via {name}, p50", "µs", p50, raw50, p50 / raw50))
        rows.append(Row(database, f"on-hand read via {name}, p99", "µs", p99, raw99, p99 / raw99))
    return rows


def bench_sqlite(n: int, folder: Path) -> list[Row]:
    database = SqliteDatabase(folder / "ledger.sqlite")
    raw = sqlite_connect(folder / "raw.sqlite")
    same = SqliteDatabase(folder / "same.sqlite")
    insert = "INSERT INTO raw_movements VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    try:
        database.migrate()
        fill_catalog(database)
        same.migrate()
        raw.execute(RAW_TABLE + " WITHOUT ROWID")

        def raw_single(i: int) -> None:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(insert, movement_row("single", i + 1))
            raw.execute("COMMIT")

        def raw_batch(i: int) -> None:
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(insert, [movement_row("batch", s) for s in range(i + 1, i + BATCH + 1)])
            raw.execute("COMMIT")

        raw_same = same_schema_batches(same.connection())
        rows = append_rows(
            "sqlite", database, Appender(raw_single), Appender(raw_batch), n, raw_same
        )
        reader = database.connection()

        def raw_read() -> object:
            return reader.execute(
                "SELECT quantity FROM on_hand WHERE node = ? AND sku = ?", (NODE, SKUS[0])
            ).fetchone()

        return rows + read_rows("sqlite", n, database, raw_read)
    finally:
        raw.close()
        same.close()
        database.close()


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def bench_postgres(n: int, url: str) -> list[Row]:
    with postgres_schema(url) as schema:
        database = PostgresDatabase(url, schema)
        try:
            database.migrate()
            fill_catalog(database)
            raw = pg_connect(url, schema)
            try:
                return _postgres_rows(n, database, raw)
            finally:
                raw.close()
        finally:
            database.close()


def _postgres_rows(n: int, database: PostgresDatabase, raw: psycopg.Connection[Any]) -> list[Row]:
    raw.execute(RAW_TABLE.replace("INTEGER", "bigint"))
    raw.commit()
    insert = "INSERT INTO raw_movements VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"

    def raw_single(i: int) -> None:
        raw.execute(insert, movement_row("single", i + 1))
        raw.commit()

    def raw_batch(i: int) -> None:
        with raw.cursor() as cur:
            cur.executemany(insert, [movement_row("batch", s) for s in range(i + 1, i + BATCH + 1)])
        raw.commit()

    ours_server = backend_cpu(database.connection())
    raw_server = backend_cpu(raw)
    servers = (ours_server, raw_server) if ours_server and raw_server else None
    rows = append_rows(
        "postgres", database, Appender(raw_single), Appender(raw_batch), n, servers=servers
    )
    raw.autocommit = True

    def raw_read() -> object:
        return raw.execute(
            "SELECT quantity FROM on_hand WHERE node = %s AND sku = %s", (NODE, SKUS[0])
        ).fetchone()

    return rows + read_rows("postgres", n, database, raw_read)


def reachable(url: str) -> str | None:
    """None if the server answers, else why not."""
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as error:
        return str(error).strip().splitlines()[0]
    return None


def render(rows: list[Row]) -> str:
    lines = [f"{'database':<9} {'measure':<63} {'ours':>12} {'raw':>12} {'ours/raw':>9}  unit"]
    for r in rows:
        lines.append(
            f"{r.database:<9} {r.measure:<63} {r.ours:>12,.1f} {r.raw:>12,.1f} {r.ratio:>9.2f}"
            f"  {r.unit}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="movements appended (and reads)")
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("MICROINDEX_TEST_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL server to use (default: MICROINDEX_TEST_PG_URL or the local one)",
    )
    args = parser.parse_args(argv)
    if args.n < BATCH:
        parser.error(f"--n must be at least {BATCH}")

    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="microindex-bench-") as folder:
        rows += bench_sqlite(args.n, Path(folder))
    why = reachable(args.pg_url)
    if why is None:
        rows += bench_postgres(args.n, args.pg_url)
    else:
        notes.append(f"PostgreSQL skipped: not reachable at {args.pg_url} ({why})")

    if args.json:
        report = {
            "n": args.n,
            "rows": [asdict(r) for r in rows],
            "judged_against": JUDGED,
            "notes": notes,
        }
        print(json.dumps(report, indent=2))
    else:
        print(f"microindex ledger bench, n = {args.n}\n")
        print(render(rows))
        print(f"\n{JUDGED}")
        for note in notes:
            print(f"\n{note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
