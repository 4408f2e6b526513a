"""Order promising: orders promised and reserved per second, beside raw one-row UPDATEs.

    python -m bench.promise                  # 2,000 orders over 1,000 SKUs at 3 nodes
    python -m bench.promise --orders 500 --json

In-process through `service.promise.place_order` (idempotency check, candidates from the
hub's rights, the rule chain, the escrow reservation per node, the order and its events, one
commit per order) on a hub that holds stock rights for --skus SKUs at the demo's three nodes,
built with the sync services (each node receives its goods and syncs; with no demand yet the
rights pool at the hub). The baseline is one-row UPDATE transactions (`UPDATE ... SET qty =
qty - 1 WHERE id = ?`, one durable commit each: their rate is the disk's commit rate) through
the same driver and pragmas (SQLite: WAL, synchronous=FULL), alternated with ours in turns of
50 in the same process. Printed: orders/s and CPU µs per order beside the raw commit rate and
its CPU per transaction; ratio = raw wall time / ours (aim: >= 0.3), CPU x raw (aim: <= 10).
PostgreSQL (--pg-url, default MICROINDEX_TEST_PG_URL or the local test server) is skipped with
a message when unreachable.

CPU ms per order by catalog size (`--orders 500 --skus N`, 2026-12-06, load average 8-12 on 2
cores, so rates swing; CPU per order is the figure to compare). Before: every order read each
node's whole walk-in rates map (sync_peers.rates JSON); after: rates in rows per (node, SKU),
read for the order's SKUs only (migration 151).

| SKUs   | SQLite before | SQLite after | PostgreSQL before | PostgreSQL after |
|--------|---------------|--------------|-------------------|------------------|
| 500    | 1.99          | 1.10         | 4.24              | 3.58             |
| 5,000  | 11.15         | 1.11         | 12.41             | 2.46             |
| 20,000 | 41.43         | 1.13         | 47.16             | 3.48             |

PostgreSQL round trips (#21, ADR 0015; `--orders 500`, 2026-12-06): an order took 13.5 round
trips and about 70 system calls (a pipeline sends and polls once per statement); it now takes
6 and 18 (one read before deciding, then the lock, the escrow and the commit each as one
batch). On a loaded machine (load 8-15 on 2 cores, raw 41-274 commits/s), CPU per order
against raw at 500 / 5,000 / 20,000 SKUs: before 8.4 / 10.0 / 9.9x, after 6.1-8.7 /
5.7-8.4 / 6.0-7.4x in three runs. At 20,000 SKUs the promise's read of walk-in rates scanned
every node's rows while the planner's statistics were stale (8.8 ms a read): indexed by SKU
(migration 176), the final run gives 7.3 / 7.4 / 7.6x, 0.38 / 0.31 / 0.37 of raw's rate.

Then (ADR 0022) BEGIN sent in the first batch's message and the idempotency check read with
the view: 6 round trips an order -> 4. PostgreSQL, `--orders 500`, 2026-12-06, the code before
and after run in turn (load average 4.5-6.4 on 2 cores, the disk at 166-411 raw commits/s),
ratio and CPU x raw: 500 SKUs before 0.39 / 0.41 (6.4 / 6.4x), after 0.36 / 0.39 (5.9 /
5.7x); 5,000 before 0.31 (7.2x), after 0.41 (6.6x); 20,000 before 0.24 (8.3x), after 0.30
(6.9x). Measured beside it (`/proc` of the server backend, 500 SKUs): an order costs the server
about 1.4-1.8 ms of CPU (parse and plan of the batches, the order's four tables), a raw update
about 60 µs: on two shared cores that weighs on the rate as much as the client's CPU.

Then (ADR 0032) the rights reserved from the view and each node's lock, escrow and
reservations sent with the order and the COMMIT, as calls of functions the session plans once
(`rights_spend`, `order_add`, `promise_view`): 4 round trips an order -> 2. The bench now prints
the server backend's CPU (from `/proc`). PostgreSQL, `--orders 500`, 2026-12-07, before and
after in turn (load average 3.9-5.5 on 2 cores, raw 210-930 commits/s), client / server CPU µs
an order, CPU x raw, ratio: 500 SKUs before 1,283 / 1,680 (6.9x, 0.30) and 1,522 / 2,020 (6.7x,
0.43), after 964 / 1,180 (4.4x, 0.65) and 1,011 / 1,260 (3.6x, 0.60); 5,000 before 1,716 /
2,680 (8.7x, 0.31) and 1,581 / 2,520 (6.7x, 0.28), after 972 / 1,120 (4.5x, 0.68) and 845 /
1,040 (4.6x, 0.63); 20,000 before 1,447 / 3,500 (7.4x, 0.25), after 921 / 1,140 (5.9x, 0.30,
raw at 927 commits/s).

Then (ADR 0037) a SQLite promise reads its idempotency check, epochs, rights and rates in one
statement, reserves from that read and updates rights, reservations and rates in place: 19.3
statements an order -> 12.1; valgrind counts 1.95 M instructions an order -> 1.54 M (500
SKUs). `--orders 500`, 2026-12-07, the code before and after run in turn, load average 8.4-16.6
on 2 cores (every helper's tests and benches), SQLite CPU µs an order before / after (raw
commits/s), ratio before / after: 500 SKUs 1,188 / 1,279 (305, 229), 0.56 / 0.67; 1,382 /
1,215 (145, 363), 0.61 / 0.58. 5,000: 1,875 / 1,239 (152, 224), 0.50 / 0.64; 1,257 / 963
(172, 289), 0.73 / 0.59. 20,000: 1,642 / 1,506 (140, 138), 0.64 / 0.54; 1,517 / 1,085 (168,
216), 0.61 / 0.61. Mean 1,477 -> 1,215 µs (-18%; less the raw commit's CPU measured beside
it, 1,177 -> 955). PostgreSQL client CPU in the same runs, 1,280-1,850 before and after
alike (the service's share of the gain is about 5%, below this load's noise).

Then (ADR 0036) each message one function call: `promise_read` (the idempotency check with the
view) and `promise_write` (every node's lock, escrow, reservations and requests, the online
rates and the order), their arguments jsonb, their writes in 4 statements (9 before); the
server parses 4 statements an order (8-9 before), and neither message goes through a cursor.
PostgreSQL, `--orders 500`, 2026-12-07, before and after in turn, two rounds (load average
8-15 on 2 cores: other sessions' benches and tests; raw 103-199 commits/s, so the rates say
little), client / server CPU µs an order, server CPU x a raw update's, ratio: 500 SKUs before
1,395 / 1,540 (4.3x, 0.62) and 1,484 / 1,700 (5.0x, 0.49), after 1,340 / 1,560 (3.7x, 0.55)
and 1,193 / 1,440 (3.6x, 0.61); 5,000 before 1,716 / 1,920 (4.6x, 0.55) and 1,578 / 1,740
(4.8x, 0.47), after 1,200 / 1,400 (3.5x, 0.65) and 960 / 1,120 (4.0x, 0.58); 20,000 before
1,693 / 1,940 (4.9x, 0.52) and 1,450 / 1,620 (4.1x, 0.58), after 1,205 / 1,420 (3.7x, 0.55)
and 1,086 / 1,280 (3.6x, 0.64). The same statements replayed at SQL level (5,000 SKUs,
alternated, server CPU from `/proc/<pid>/schedstat`, medians of 6-8 rounds of 300):
1,583-1,860 -> 1,310-1,412 µs an order, a raw update 346. Again when quieter (load average
2.8-3.8, raw 712-2,302 commits/s), client / server CPU µs an order, ratio: 500 SKUs before
799 / 960 (0.39) and 841 / 1,000 (0.37), after 630 / 740 (0.52) and 572 / 700 (0.31); 5,000
before 919 / 1,060 (0.35) and 786 / 980 (0.24), after 642 / 760 (0.51) and 599 / 760 (0.38);
20,000 before 799 / 1,000 (0.32), after 562 / 720 (0.40). A raw update: 156-225 / 180-220.

Then (ADR 0042) a promise writes no index no query uses (migration 189: `order_parts_by_node`
dropped, `hub_reservations_by_sku` folded into `hub_reservations_open (node, state, sku)`: 9
index entries a one-SKU order where 11) and the view is read cell by cell as its tag needs.
Client instructions an order (callgrind, 200 orders at 5,000 SKUs less none): 1.39 M -> 1.28 M
(-8%); the server's CPU (SQL replay, the indexes alone, 24 rounds alternated): median 0.95 of
before. `--orders 500`, 2026-12-07, before and after in turn (load average 4.3-11.8 on 2 cores:
every CPU figure about 1.5x the quiet one; raw 70-602 commits/s), client / server CPU µs an
order, ratio: 500 SKUs before 1,193 / 1,520 (0.56) and 1,163 / 1,440 (0.69), after 1,183 /
1,480 (0.65) and 1,186 / 1,460 (0.69); 5,000 before 1,235 / 1,620 (0.50) and 1,047 / 1,380
(0.47), after 1,182 / 1,540 (0.77) and 1,012 / 1,320 (0.60); 20,000 before 1,045 / 1,420
(0.63) and 924 / 1,160 (0.36), after 1,056 / 1,400 (0.51) and 691 / 960 (0.45). A raw update:
188-497 / 220-480. Quieter (load average 2.8-4.8, raw 564-2,500 commits/s), two more rounds:
500 SKUs before 716 / 960 (0.25) and 1,122 / 1,400 (0.38), after 566 / 760 (0.28) and 810 /
1,000 (0.35); 5,000 before 667 / 860 (0.24) and 742 / 960 (0.36), after 479 / 660 (0.31) and
877 / 1,260 (0.33); 20,000 before 880 / 1,140 (0.47) and 1,006 / 1,320 (0.35), after 1,021 /
1,280 (0.37) and 527 / 760 (0.32); a raw update 114-289 / 160-300. The CPU figures swing
more than the change (5-8%); with raw past 2,000 commits/s the ratio is still near 0.3.

Then (ADR 0045) both calls through statements prepared once a session (`EXECUTE
promise_read_call`, `EXECUTE promise_write_call`). `--orders 500`, 2026-12-07, before and
after in turn, load average 5.2-6.1 (raw 250-580 commits/s: the ratios say nothing), client /
server CPU µs an order: 500 SKUs 560 / 800 -> 552 / 720; 5,000 578 / 820 -> 742 / 980; 20,000
548 / 820 -> 719 / 940 (the runs swing more than the change). Alternated in one process on
one hub (chunks of 50, medians of 20-30, schedstat): server 852 -> 784, 616 -> 553, 788 ->
763, 968 -> 958 µs an order; about 5% of the server's CPU, the client's unchanged.

Then (ADR 0050) measured, nothing changed: the trims left (`promise_read`'s first statement
merged into the first SKU's, per-round ratio 1.001 in a SQL replay; `order_events_pkey`
dropped, 1.003) are within noise. `--orders 500`, 2026-12-07, PostgreSQL, client / server CPU
µs an order (raw commits/s), ratio: load 4.5-4.8: 500 SKUs 459 / 580 (3,111) 0.27; 5,000 450 /
600 (2,104) 0.39; 20,000 521 / 680 (2,161) 0.31. Load 2.9-3.0: 500 SKUs 502 / 640 (2,670) 0.29;
5,000 647 / 840 (2,251) 0.27; 20,000 436 / 560 (2,856) 0.29. A raw update 110-142 / 140-180.
With raw past 2,000 commits/s the ratio sits at 0.27-0.31: a clear 0.35 needs an order about a
fifth shorter, which no storage trim left gives (ADR 0050 lists what would).

Then (ADR 0056) measured, nothing changed: what ADR 0050's three options would give. An
order's phases (500 SKUs, medians, load 4.8): the call to the read's send 101 µs, the read's
round trip 371, the view to the write's send 409 (all client CPU), after the commit's reply
65; a `SELECT 1` round trip 118 (58 client CPU). Client instructions an order (callgrind):
1.22 M, no C-level piece over 4.3%. The view-independent work (digest, each node's refusals
and reach) done while the read is on the wire, prototyped and alternated in chunks of 50:
per-round wall ratio new / old 0.92-1.08 (load 4.5-7.8), about 130 µs of CPU at most; fewer
rows (event, request) about 45 µs of server CPU (ADR 0045). `--orders 500`, 2026-12-07, load
5.7-7.3, raw 155-203 commits/s (slow disk), client / server CPU µs an order, ratio: 855 /
1,100 0.71; 862 / 1,140 0.62; 919 / 1,180 0.65. One round trip an order (the view kept across
orders; prototyped without the write's key and epoch checks, alternated): client CPU 19-30%
less, server 19-32% less, non-disk wall ratio 0.64-0.68: the only option past the fifth 0.3
needs at raw's fastest, and a freshness decision (ADR 0056).

Then (ADR 0066) counted and profiled: 2 messages and 4 statements an order (BEGIN and the
read; the write and COMMIT), 6 system calls on the client; the client's exchanges about 140 µs
of its CPU, the rest Python spread thin; the server's inside `promise_read` 105 µs, inside
`promise_write` 232, the rest the messages, the BEGIN and the COMMIT (perf: no piece a tenth
that is not the work itself). The read's walk-in rates no longer joined to `sync_peers`
(migration 198): a read call 0.86-0.87 of before at SQL level, whole orders within noise
(load 9-12, raw 146-250 commits/s): 500 SKUs client / server CPU µs an order before 541 / 760
and 583 / 780, after 525 / 700 and 580 / 780; 5,000 before 555 / 760 and 562 / 800, after
535 / 760 and 541 / 740. The write in fewer statements (1.04x) and no foreign keys from the
order's parts and events (0.92-0.95x of the write, about 3% of the server's CPU) not kept.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.server_cpu import ServerCpu, backend_cpu
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.connection import connect
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.demo.scenario import NODES
from microindex.domain.movement import MovementKind
from microindex.domain.node import Location
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.service import promise, rights, sync
from microindex.service.promise_ports import PromiseUnitOfWorkFactory

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning: every node open
SECRETS = {node.code.value: f"{node.code.value}-bench".encode() for node in NODES}
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PER_SKU = 1_000  # units of each SKU at each node: no order is refused for stock
HACKNEY = Location(51.5400, -0.0560)


def stock_hub(hub: PromiseUnitOfWorkFactory, folder: Path, skus: list[str]) -> None:
    """Each node receives PER_SKU of every SKU and syncs: the rights pool at the hub."""
    rights.renew_epoch(hub, "bench")
    endpoint = HubEndpoint(hub, SECRETS, lambda: T0)
    for node in NODES:
        code = node.code.value
        database = SqliteSyncDatabase(folder / f"{code}.sqlite")
        database.migrate()
        with database() as uow:
            ledger = uow.ledger.load(code, skus)
            for sku in skus:
                ledger.record(sku, MovementKind.RECEIVE, PER_SKU, T0)
            uow.ledger.save(ledger)
            uow.commit()
        sync.sync_node(database, code, InProcessTransport(code, SECRETS[code], endpoint), T0)
        database.close()


def requests(count: int, skus: list[str], seed: int = 5) -> list[OrderRequest]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        chosen = rng.sample(skus, rng.choice((1, 1, 2)))
        where = Location(
            HACKNEY.lat + rng.uniform(-0.01, 0.01), HACKNEY.lon + rng.uniform(-0.02, 0.02)
        )
        method = rng.choice((Method.LOCAL_DELIVERY, Method.PICKUP, Method.SHIP))
        lines = tuple(OrderLine(sku, rng.randint(1, 2)) for sku in chosen)
        made.append(OrderRequest(lines, method, T0, customer=where))
    return made


def alternate(
    ours: Callable[[int], object],
    raw: Callable[[int], object],
    n: int,
    chunk: int = 50,
    servers: tuple[ServerCpu, ServerCpu] | None = None,
) -> dict[str, float]:
    """Run `ours(i)` and `raw(i)` for i < n in turns of `chunk`, in this process, so both
    see the same disk and the same neighbours: the wall and CPU seconds each spent (with
    `servers`, the CPU seconds of ours' and raw's server processes too)."""
    spent = dict.fromkeys(("ours_wall", "ours_cpu", "raw_wall", "raw_cpu"), 0.0)
    server = dict(zip(("ours", "raw"), servers or (), strict=False))
    for start in range(0, n, chunk):
        for name, act in (("ours", ours), ("raw", raw)):
            reading = server.get(name)
            started = reading() if reading else 0.0
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(start, min(n, start + chunk)):
                act(i)
            spent[f"{name}_wall"] += time.perf_counter() - wall
            spent[f"{name}_cpu"] += time.process_time() - cpu
            if reading:
                spent[f"{name}_server"] = spent.get(f"{name}_server", 0.0) + reading() - started
    return spent


def figures(spent: dict[str, float], n: int) -> dict[str, Any]:
    """Orders per second and CPU per order beside the raw one-row UPDATE transactions (one
    durable commit each: their rate is the disk's commit rate during the run)."""
    return {
        "orders_per_s": round(n / spent["ours_wall"]),
        "cpu_us_per_order": round(1e6 * spent["ours_cpu"] / n, 1),
        "raw_commits_per_s": round(n / spent["raw_wall"]),
        "raw_cpu_us": round(1e6 * spent["raw_cpu"] / n, 1),
        "ratio": round(spent["raw_wall"] / spent["ours_wall"], 3),
        "cpu_over_raw": round(spent["ours_cpu"] / max(spent["raw_cpu"], 1e-9), 1),
        **(
            {
                "server_cpu_us_per_order": round(1e6 * spent["ours_server"] / n, 1),
                "raw_server_cpu_us": round(1e6 * spent["raw_server"] / n, 1),
            }
            if "ours_server" in spent
            else {}
        ),
    }


def place(hub: PromiseUnitOfWorkFactory, orders: list[OrderRequest]) -> Callable[[int], object]:
    """Order i through `service.promise.place_order`, as the API and the CLI place one."""
    nodes = list(NODES)
    return lambda i: promise.place_order(hub, f"bench-{i:07d}", orders[i], nodes)


def run_sqlite(folder: Path, skus: list[str], orders: list[OrderRequest]) -> dict[str, Any]:
    hub = SqlitePromiseDatabase(folder / "hub.sqlite")
    hub.migrate()
    raw: sqlite3.Connection = connect(folder / "raw.sqlite")
    raw.execute("CREATE TABLE raw_rights (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL)")
    raw.executemany("INSERT INTO raw_rights VALUES (?, ?)", [(i, 10**9) for i in range(100)])

    def update(i: int) -> None:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("UPDATE raw_rights SET qty = qty - 1 WHERE id = ?", (i % 100,))
        raw.execute("COMMIT")

    try:
        stock_hub(hub, folder, skus)
        return figures(alternate(place(hub, orders), update, len(orders)), len(orders))
    finally:
        hub.close()
        raw.close()


def run_postgres(url: str, folder: Path, skus: list[str], orders: list[OrderRequest]) -> Any:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"skipped: {url} unreachable ({error.__class__.__name__})"
    schema = f"bench_promise_{uuid.uuid4().hex[:8]}"
    hub = PostgresPromiseDatabase(url, schema)
    try:
        hub.migrate()
        stock_hub(hub, folder, skus)
        with psycopg.connect(url, options=f"-c search_path={schema}") as raw:
            raw.execute("CREATE TABLE raw_rights (id integer PRIMARY KEY, qty bigint NOT NULL)")
            raw.execute("INSERT INTO raw_rights SELECT g, 1000000000 FROM generate_series(0, 99) g")
            raw.commit()

            def update(i: int) -> None:
                raw.execute("UPDATE raw_rights SET qty = qty - 1 WHERE id = %s", (i % 100,))
                raw.commit()

            servers = backend_cpu(hub.connection()), backend_cpu(raw)
            both = (servers[0], servers[1]) if servers[0] and servers[1] else None
            spent = alternate(place(hub, orders), update, len(orders), servers=both)
            return figures(spent, len(orders))
    finally:
        with hub.connection() as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        hub.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--skus", type=int, default=1_000)
    parser.add_argument("--pg-url", default=os.environ.get("MICROINDEX_TEST_PG_URL", PG_URL))
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    skus = [f"SKU-{i:05d}" for i in range(args.skus)]
    orders = requests(args.orders, skus)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sqlite").mkdir()
        (Path(tmp) / "pg").mkdir()
        result = {
            "orders": args.orders,
            "skus": args.skus,
            "sqlite": run_sqlite(Path(tmp) / "sqlite", skus, orders),
            "postgres": run_postgres(args.pg_url, Path(tmp) / "pg", skus, orders),
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    _table(result)
    return 0


def _table(result: dict[str, Any]) -> None:
    print(f"{result['orders']} orders over {result['skus']} SKUs at {len(NODES)} nodes")
    print(
        f"{'hub':<10} {'orders/s':>9} {'CPU us/order':>13} {'raw commits/s':>14}"
        f" {'raw CPU us':>11} {'ratio':>6} {'CPU x raw':>10}"
    )
    for name in ("sqlite", "postgres"):
        row = result[name]
        if isinstance(row, str):
            print(f"{name:<10} {row}")
            continue
        print(
            f"{name:<10} {row['orders_per_s']:>9} {row['cpu_us_per_order']:>13}"
            f" {row['raw_commits_per_s']:>14} {row['raw_cpu_us']:>11} {row['ratio']:>6}"
            f" {row['cpu_over_raw']:>10}"
        )
        if "server_cpu_us_per_order" in row:
            print(
                f"{'':<10} server CPU us: {row['server_cpu_us_per_order']} an order,"
                f" {row['raw_server_cpu_us']} a raw update"
            )
    for name in ("sqlite", "postgres"):  # the line holds for each hub
        row = result[name]
        if isinstance(row, str):
            continue
        met = row["ratio"] >= 0.3 and row["cpu_over_raw"] <= 10
        verdict = "met" if met else "NOT met"
        print(f"aim on {name} (ratio >= 0.3 of raw, CPU within 10x raw): {verdict}")


if __name__ == "__main__":
    sys.exit(main())
