"""Sync throughput: the hub's apply rate beside a raw insert baseline, catch-up, wire bytes.

    python -m bench.sync                 # 100,000 pending movements, batches of 5,000
    python -m bench.sync --pending 20000 --json

All in one run, on temporary SQLite files opened with microindex's pragmas (WAL,
synchronous=FULL):
- hub apply rate: pushes of --batch movements decoded, verified and applied by the hub
  (`HubEndpoint.handle`, as the HTTP route calls it: MAC check, idempotent replicate, rights
  fold, checkpoint, reply), alternated push by push with raw `executemany` INSERTs of the same
  rows into a table shaped like `movements` (the same primary key, and since migration 177 no
  index by SKU on either), one transaction per batch; CPU µs per movement both ways. Ratio =
  raw wall time / ours (aim: >= 0.3).
- catch-up: a node with --pending movements the hub lacks, `sync.sync_node` end to end over the
  in-process transport (read, encode, sign, verify, decode, apply, reply, apply reply).
- wire bytes per movement: push frames, and push plus reply frames, over movements, for the
  catch-up and for small pushes of 20 movements (a till syncing every few minutes). Aim: <= 64.
- idle sync: nodes holding --idle-skus SKUs (500, 5,000, 20,000) sync with nothing new once
  their rights have settled, the sizes in turns (one sync of each, 30 rounds): the hub's CPU
  and wall time per sync (around the endpoint, median) and the push's and reply's bytes; the
  same on a PostgreSQL hub (analysed after the first sync, as autovacuum would), with the
  server backend's CPU per sync from /proc (mean). Aim: flat across the sizes, reply under
  1 KB (issue 21). `--idle-only` runs just this.

Idle sync, hub CPU ms and reply bytes at 500 / 5,000 / 20,000 SKUs (2026-12-06, loaded machine):
before (two queries per SKU in the rebalance, rates in the peer JSON) 13.9 / 134 / 572 ms;
after (batched reads, rates in rows) 10.8 / 110 / 474 ms; reply 1,046 / 11,465 / 46,855 bytes
both times. With replies that carry only what changed (ADR 0008): 3.75 / 3.94 / 3.83 ms and
40 / 40 / 42 bytes. Then (ADR 0062, 2026-12-07, load average 12-14, old and new code in
turn, three pairs, sizes in turns): SQLite unchanged, 3.07 / 3.37 / 3.40 ms (1.11x); the
PostgreSQL server's CPU, which grew with the node's SKUs (the slice's 200 keys read as scans
of the node's rows), 6.67 / 9.67 / 11.67 ms (1.75x) -> 7.00 / 8.67 / 9.33 (1.33x), the rows
read by key.
Hub apply, CPU µs per movement (same run, load average about 21, before and after issue 21's
apply work in turn): SQLite 19.9 -> 14.9 (raw 3.1-3.2; wall ratio 0.117 -> 0.181 on the
loaded machine); PostgreSQL 30.4 -> 16.6 (raw 9.9-10.4; 0.479 -> 0.514). The first split of a
node sums its sales in SQL instead of reading every movement back. Then (ADR 0014) the hub
applies the wire rows, building no Movement for a receipt or a sale within local rights, and
the first split reads the ledger in key order: three runs (load average 10-13) 9.7 / 8.8 / 9.7
µs against raw 3.4 / 3.0 / 3.8, wall ratio 0.377 / 0.347 / 0.477; PostgreSQL 0.634 / 0.632 /
0.505.
Then (ADR 0038) a push's run of rows taken and mirrored in one loop each (`Ledger.take_rows`,
`NodeAccount.mirror_rows`: one `Rights` a SKU, not a row) and its string table, time deltas
and indexes read inline. On 2026-12-07, --pending 20000, the code before and after in turn
on a loaded machine (load average 14-16, five sessions on 2 cores), SQLite, CPU µs per
movement: before 12.0 / 12.9 against raw 2.4 / 2.9 (CPU 5.0 / 4.4x raw, wall ratio 0.211 /
0.126), after 12.0 / 10.8 against raw 2.8 / 2.6 (4.3 / 4.2x, 0.259 / 0.283); the apply alone,
three more pairs (load 10-12): before 17.9 / 14.6 / 16.9 (5.1 / 5.8 / 5.0x raw), after 14.2
/ 12.8 / 14.7 (3.9 / 4.3 / 4.2x); PostgreSQL 0.652 / 0.725 -> 0.765 / 0.790. cProfile's
function calls over the apply: 425,640 -> 214,983. The 0.3 line not shown met on that machine.
Then (ADR 0041) sync format 8: a push's movements as columns, read with a few calls a push.
On 2026-12-07, the 20,000 movements' apply (`HubEndpoint.handle`, four pushes), the code
before and after in turn: callgrind, instructions a movement less a run that only opens the
hub, 67,235 -> 54,053 (raw executemany 16,483: raw / ours 0.245 -> 0.305); CPU µs a
movement, the least of two applies, twelve pairs in turn (load average 7.4-9.5, other
sessions running): before 6.7-11.5 (median 8.0), after 5.8-8.8 (median 6.4), after lower in
11 of 12 pairs, raw 1.7-2.2 µs on quieter runs of the same load. A push of 5,000 movements:
24.1-25.0 KB -> 9.9 KB.
Then (ADR 0046) a push's stock webhook events as one outbox message, and a push that splits
nothing reading no more of the node's rights: callgrind 54,030 -> 48,984 instructions a
movement (raw / ours 0.305 -> 0.336); --pending 20000, old and new in turn, five pairs (load
average 2.8-3.4): SQLite ratio 0.293-0.316 -> 0.305-0.370 (0.3 met in 2 -> 5 of 5), CPU
4.6-4.8 -> 4.1-4.8 µs a movement (raw 1.3-1.5); PostgreSQL 0.56-0.83 -> 0.81-1.02.
Then (ADR 0051) a push's SKU sets read in C: callgrind 48,871 -> 48,697 instructions a
movement; --pending 20000, old and new in turn, three pairs (load 4.5-6.1, tests running
beside): SQLite ratio 0.249 / 0.353 / 0.322 -> 0.332 / 0.334 / 0.346, CPU 6.4-6.7 -> 5.9-7.7
µs a movement (raw 1.7-2.2): within noise.
Then (ADR 0054) a push decoded and applied with the cyclic collector paused: callgrind 48,926
-> 48,037 instructions a movement (-1.8%); --pending 20000, old and new in turn, twelve pairs
(load average 1.1-3.7, tests running beside in the first six): SQLite CPU 5.3-8.1 (median
6.0) -> 4.6-7.8 (median 5.0) µs a movement, new lower in 9 of 12 (raw 1.7-3.1); ratio
0.286-0.368 (median 0.33) -> 0.279-0.410 (median 0.37), 0.3 met in 10 -> 11 of 12. The
apply alone on a fresh process (smaller heap), least of five, three pairs: 4.58 / 4.63 / 6.79
-> 4.48 / 4.44 / 4.59. The 4.2 aimed at is not met.
PostgreSQL (--pg-url, default MICROINDEX_TEST_PG_URL or the local test server): the same hub
apply rate in a throwaway schema, beside raw `executemany` INSERTs into a copy of `movements`
(LIKE ... INCLUDING ALL); skipped with a message when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from microindex.adapters.postgres.rights_store import PostgresSyncDatabase
from microindex.adapters.sqlite.connection import connect
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.codec import encode_push
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.domain.movement import MovementKind
from microindex.domain.sync.messages import Push
from microindex.service import rights, sync
from microindex.service.sync_ports import SyncUnitOfWorkFactory

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SECRETS = {"van": b"bench-secret"}
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
KINDS = [(MovementKind.RECEIVE, 5), (MovementKind.SELL, -1), (MovementKind.SELL, -2)]


def _node(folder: Path, pending: int) -> SqliteSyncDatabase:
    node = SqliteSyncDatabase(folder / "van.sqlite")
    node.migrate()
    with node() as uow:
        ledger = uow.ledger.load("van", [f"SKU-{i:04d}" for i in range(500)])
        for i in range(pending):
            kind, qty = KINDS[0] if i < 500 or i % 3 == 0 else KINDS[1 + i % 2]
            sku = f"SKU-{i % 500:04d}"
            if ledger.available(sku) + qty < 0:
                kind, qty = KINDS[0]
            at = T0 + timedelta(seconds=7 * i)
            ledger.record(sku, kind, qty, at, f"till-{i // 3}", "ana")
        uow.ledger.save(ledger)
        uow.commit()
    return node


def _hub(folder: Path) -> SqliteSyncDatabase:
    hub = SqliteSyncDatabase(folder / "hub.sqlite")
    hub.migrate()
    rights.renew_epoch(hub, "bench")
    return hub


def catch_up(folder: Path, pending: int, batch: int) -> dict[str, Any]:
    node, hub = _node(folder, pending), _hub(folder)
    link = InProcessTransport("van", SECRETS["van"], HubEndpoint(hub, SECRETS, lambda: T0))
    started, cpu = time.perf_counter(), time.process_time()
    report = sync.sync_node(node, "van", link, T0, batch=batch)
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    rows = _rows(node)
    node.close()
    hub.close()
    stats = link.stats
    return {
        "pending": pending,
        "exchanges": report.exchanges,
        "catch_up_s": round(seconds, 2),
        "catch_up_cpu_s": round(cpu_s, 2),  # node and hub: both run in this process
        "push_bytes_per_movement": round(stats.bytes_per_movement, 1),
        "push_and_reply_bytes_per_movement": round(
            (stats.push_bytes + stats.reply_bytes) / stats.movements, 1
        ),
        "rows": rows,
    }


def _frames(node: SqliteSyncDatabase, pending: int, batch: int) -> list[bytes]:
    frames = []
    with node() as uow:
        for counter, start in enumerate(range(0, pending, batch), start=1):
            movements = tuple(uow.ledger.movements("van", start, batch))
            push = Push("van", 1, counter, "bench", movements, pending, 0, True, 0)
            frames.append(encode_push(push, SECRETS["van"]))
    return frames


def alternate(
    ours: Callable[[int], object], raw: Callable[[int], object], n: int
) -> dict[str, float]:
    """Run `ours(i)` and `raw(i)` for i < n in turns, in this process, so both see the same
    disk and the same neighbours: the wall and CPU seconds each spent."""
    spent = dict.fromkeys(("ours_wall", "ours_cpu", "raw_wall", "raw_cpu"), 0.0)
    for i in range(n):
        for name, act in (("ours", ours), ("raw", raw)):
            wall, cpu = time.perf_counter(), time.process_time()
            act(i)
            spent[f"{name}_wall"] += time.perf_counter() - wall
            spent[f"{name}_cpu"] += time.process_time() - cpu
    return spent


def figures(spent: dict[str, float], movements: int) -> dict[str, Any]:
    return {
        "apply_per_s": round(movements / spent["ours_wall"]),
        "apply_cpu_us": round(1e6 * spent["ours_cpu"] / movements, 1),
        "raw_insert_per_s": round(movements / spent["raw_wall"]),
        "raw_cpu_us": round(1e6 * spent["raw_cpu"] / movements, 1),
        "apply_over_raw": round(spent["raw_wall"] / spent["ours_wall"], 3),
    }


def apply_beside_raw(
    hub: SyncUnitOfWorkFactory, frames: list[bytes], insert: Callable[[int], object], n: int
) -> dict[str, Any]:
    """The hub applies push k (`HubEndpoint.handle`, as the HTTP route does), then the raw
    baseline inserts batch k, in turns; the pushes are encoded beforehand."""
    endpoint = HubEndpoint(hub, SECRETS, lambda: T0)
    return figures(alternate(lambda k: endpoint.handle(frames[k]), insert, len(frames)), n)


def postgres(url: str, frames: list[bytes], rows: list[tuple[Any, ...]], batch: int) -> Any:
    """The same on a PostgreSQL hub (a throwaway schema), beside raw executemany INSERTs."""
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"skipped: {url} unreachable ({error.__class__.__name__})"
    schema = f"bench_sync_{uuid.uuid4().hex[:8]}"
    hub = PostgresSyncDatabase(url, schema)
    try:
        hub.migrate()
        rights.renew_epoch(hub, "bench")
        with psycopg.connect(url, options=f"-c search_path={schema}") as raw:
            raw.execute("CREATE TABLE raw_movements (LIKE movements INCLUDING ALL)")
            raw.commit()

            def insert(k: int) -> None:
                with raw.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO raw_movements VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        rows[k * batch : (k + 1) * batch],
                    )
                raw.commit()

            return apply_beside_raw(hub, frames, insert, len(rows))
    finally:
        with hub.connection() as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        hub.close()


def _rows(node: SqliteSyncDatabase) -> list[tuple[Any, ...]]:
    with node() as uow:
        return [
            (m.node, m.seq, m.sku, m.quantity, m.kind.value, m.at.isoformat(), m.reference, m.actor)
            for m in uow.ledger.movements("van", 0, 10**7)
        ]


def raw_inserts(folder: Path, rows: list[tuple[Any, ...]], batch: int) -> Callable[[int], None]:
    """Batch k of `rows` in one transaction into a table shaped like `movements`."""
    conn: sqlite3.Connection = connect(folder / "raw.sqlite")
    conn.execute(
        "CREATE TABLE movements (node TEXT NOT NULL, seq INTEGER NOT NULL, sku TEXT NOT NULL,"
        " quantity INTEGER NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, reference TEXT NOT"
        " NULL, actor TEXT NOT NULL, PRIMARY KEY (node, seq)) WITHOUT ROWID"
    )

    def insert(k: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO movements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows[k * batch : (k + 1) * batch],
        )
        conn.execute("COMMIT")

    return insert


def small_pushes(folder: Path, count: int = 400, size: int = 20) -> dict[str, float]:
    """Bytes per movement when a till syncs every `size` sales: the push, and push + reply."""
    folder.mkdir()
    node, hub = _node(folder, count), _hub(folder)
    link = InProcessTransport("van", SECRETS["van"], HubEndpoint(hub, SECRETS, lambda: T0))
    for _ in range(count // size):
        sync.sync_node(node, "van", link, T0, batch=size, max_exchanges=1)
    node.close()
    hub.close()
    stats = link.stats
    return {
        "push": round(stats.push_bytes / stats.movements, 1),
        "push_and_reply": round((stats.push_bytes + stats.reply_bytes) / stats.movements, 1),
    }


class _TimedEndpoint:
    """The hub's endpoint, keeping the CPU seconds it spent and the reply bytes it sent."""

    def __init__(self, endpoint: HubEndpoint) -> None:
        self._endpoint = endpoint
        self.cpu_s: list[float] = []
        self.wall_s: list[float] = []
        self.push_bytes: list[int] = []
        self.reply_bytes: list[int] = []

    def handle(self, frame: bytes) -> bytes:
        started, cpu = time.perf_counter(), time.process_time()
        reply = self._endpoint.handle(frame)
        self.cpu_s.append(time.process_time() - cpu)
        self.wall_s.append(time.perf_counter() - started)
        self.push_bytes.append(len(frame))
        self.reply_bytes.append(len(reply))
        return reply

    def clear(self) -> None:
        for kept in (self.cpu_s, self.wall_s, self.push_bytes, self.reply_bytes):
            kept.clear()


def _idle_node(folder: Path, skus: int) -> SqliteSyncDatabase:
    node = SqliteSyncDatabase(folder / "van.sqlite")
    node.migrate()
    with node() as uow:
        ledger = uow.ledger.load("van", [f"SKU-{i:05d}" for i in range(skus)])
        for i in range(skus):
            ledger.record(f"SKU-{i:05d}", MovementKind.RECEIVE, 5, T0, "bench", "ana")
        uow.ledger.save(ledger)
        uow.commit()
    return node


def _backend_cpu_s(pids: set[int]) -> float:
    """CPU seconds (user + system) the PostgreSQL server processes `pids` spent so far, from
    /proc (the server runs on this machine; 0 where it cannot be read)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class _IdleRun:
    """A node holding `skus` SKUs and its hub (SQLite, or a throwaway PostgreSQL schema), its
    rights settled: `once()` is an idle sync a minute after the last, timed at the hub."""

    def __init__(self, folder: Path, skus: int, pg_url: str | None = None) -> None:
        folder.mkdir()
        self.skus, self.schema = skus, ""
        self.node = _idle_node(folder, skus)
        self.hub: SqliteSyncDatabase | PostgresSyncDatabase
        if pg_url is None:
            self.hub = _hub(folder)
        else:
            self.schema = f"bench_idle_{uuid.uuid4().hex[:8]}"
            self.hub = PostgresSyncDatabase(pg_url, self.schema)
            self.hub.migrate()
            rights.renew_epoch(self.hub, "bench")
        self.clock = [T0]
        self.timed = _TimedEndpoint(HubEndpoint(self.hub, SECRETS, lambda: self.clock[0]))
        self.link = InProcessTransport("van", SECRETS["van"], self.timed.handle)
        for _ in range(3):  # the first sync, then the split settles
            self.clock[0] += timedelta(minutes=1)
            sync.sync_node(self.node, "van", self.link, self.clock[0])
        self.pids: set[int] = set()
        if isinstance(self.hub, PostgresSyncDatabase):
            conn = self.hub.connection()  # this thread's: the one the hub syncs on
            conn.execute("ANALYZE")  # as autovacuum would after the first sync (the test
            row = conn.execute("SELECT pg_backend_pid()").fetchone()  # server runs without)
            conn.commit()
            self.pids.add(int(row[0]) if row else 0)
        self.server_s: list[float] = []
        self.timed.clear()

    def once(self) -> None:
        self.clock[0] += timedelta(minutes=1)
        server = _backend_cpu_s(self.pids)
        sync.sync_node(self.node, "van", self.link, self.clock[0], max_exchanges=1)
        self.server_s.append(_backend_cpu_s(self.pids) - server)

    def close(self) -> dict[str, Any]:
        self.node.close()
        if isinstance(self.hub, PostgresSyncDatabase):
            with self.hub.connection() as conn:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(self.schema)))
        self.hub.close()
        timed = self.timed

        def median(values: list[Any]) -> Any:
            return sorted(values)[len(values) // 2]

        found = {
            "skus": self.skus,
            "hub_cpu_ms": round(1000 * median(timed.cpu_s), 2),
            "hub_wall_ms": round(1000 * median(timed.wall_s), 2),
            "push_bytes": median(timed.push_bytes),
            "reply_bytes": median(timed.reply_bytes),
        }
        if self.pids:  # clock ticks of 10 ms: the mean over the rounds
            found["server_cpu_ms"] = round(1000 * sum(self.server_s) / len(self.server_s), 2)
        return found


def idle_syncs(
    folder: Path, sizes: list[int], rounds: int = 30, pg_url: str | None = None
) -> list[dict[str, Any]]:
    """Nodes holding each of `sizes` SKUs sync with nothing new, a minute apart, once their
    rights have settled, in turns (one sync of each size, then again), so every size sees
    the same load: the hub's CPU per idle sync and the reply's bytes (median of `rounds`). On
    PostgreSQL (`pg_url`) also the server's CPU per idle sync (its backend's, from /proc)."""
    runs = [_IdleRun(folder / f"idle-{n}{'-pg' if pg_url else ''}", n, pg_url) for n in sizes]
    for _ in range(rounds):
        for run in runs:
            run.once()
    return [run.close() for run in runs]


def _idle_postgres(folder: Path, sizes: list[int], url: str) -> Any:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"skipped: {url} unreachable ({error.__class__.__name__})"
    return idle_syncs(folder, sizes, pg_url=url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("MICROINDEX_TEST_PG_URL", PG_URL))
    parser.add_argument(
        "--idle-skus",
        default="500,5000,20000",
        help="Catalog sizes for the idle sync (comma-separated SKUs a node holds).",
    )
    parser.add_argument("--idle-only", action="store_true", help="Only the idle syncs.")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.idle_skus.split(",") if n]
    if args.idle_only:
        with tempfile.TemporaryDirectory(prefix="bench-sync-") as name:
            idle = idle_syncs(Path(name), sizes)
            idle_pg = _idle_postgres(Path(name), sizes, args.pg_url)
        _print({"idle_sync": idle, "idle_sync_postgresql": idle_pg}, args.json)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as name:
        folder = Path(name)
        result = catch_up(folder, args.pending, args.batch)
        rows = result.pop("rows")
        sample = min(args.pending, 50_000)
        (folder / "apply").mkdir()
        node, hub = _node(folder / "apply", sample), _hub(folder / "apply")
        frames = _frames(node, sample, args.batch)
        insert = raw_inserts(folder, rows[:sample], args.batch)
        on_sqlite = apply_beside_raw(hub, frames, insert, sample)
        node.close()
        hub.close()
        small = small_pushes(folder / "small")
        on_postgres = postgres(args.pg_url, frames, rows[:sample], args.batch)
        idle = idle_syncs(folder, sizes)
        idle_pg = _idle_postgres(folder, sizes, args.pg_url)
    result |= {
        "sqlite": on_sqlite,
        "small_push_bytes_per_movement": small,
        "postgresql": on_postgres,
        "idle_sync": idle,
        "idle_sync_postgresql": idle_pg,
    }
    _print(result, args.json)
    return 0


def _print(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:<32} {value}")


if __name__ == "__main__":
    sys.exit(main())
