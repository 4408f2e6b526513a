"""Sync throughput: the hub's apply rate beside a raw insert baseline, catch-up, wire bytes.

    python bench/sync.py                 # 100,000 pending movements, batches of 5,000
    python bench/sync.py --pending 20000 --json

All in one run, on temporary SQLite files opened with microindex's pragmas (WAL,
synchronous=FULL):
- hub apply rate: pushes of --batch movements decoded, verified and applied by the hub
  (`HubEndpoint.handle`: MAC check, idempotent replicate, rights fold, checkpoint, reply),
  against raw `executemany` INSERTs of the same rows into a table shaped like `movements` (same
  primary key and index), one transaction per batch. Ratio = ours / raw (aim: >= 0.25).
- catch-up: a node with --pending movements the hub lacks, `sync.sync_node` end to end over the
  in-process transport (read, encode, sign, verify, decode, apply, reply, apply reply).
- wire bytes per movement: push frames over movements, for the catch-up and for small pushes
  of 20 movements (a till syncing every few minutes). Aim: <= 64.
- idle sync: a node holding --idle-skus SKUs (500, 5,000, 20,000) syncs with nothing new once
  its rights have settled: the hub's CPU per sync (`time.process_time` around the endpoint)
  and the reply's bytes. Aim: flat across the sizes, reply under 1 KB (issue 21).
  `--idle-only` runs just this.

Idle sync, hub CPU ms and reply bytes at 500 / 5,000 / 20,000 SKUs (2026-12-06, loaded machine):
before (two queries per SKU in the rebalance, rates in the peer JSON) 13.9 / 134 / 572 ms;
after (batched reads, rates in rows) 10.8 / 110 / 474 ms; reply 1,046 / 11,465 / 46,855 bytes
both times. Still in proportion to the SKUs: the account load, the split of every SKU and the
advice for every SKU in the reply (issue 21 item 2) remain.
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
    started = time.perf_counter()
    report = sync.sync_node(node, "van", link, T0, batch=batch)
    seconds = time.perf_counter() - started
    rows = _rows(node)
    node.close()
    hub.close()
    return {
        "pending": pending,
        "exchanges": report.exchanges,
        "catch_up_s": round(seconds, 2),
        "bytes_per_movement": round(link.stats.bytes_per_movement, 1),
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


def apply_rate(hub: SyncUnitOfWorkFactory, frames: list[bytes], pending: int) -> float:
    """Movements per second the hub applies; the pushes are encoded beforehand."""
    endpoint = HubEndpoint(hub, SECRETS, lambda: T0)
    started = time.perf_counter()
    for frame in frames:
        endpoint.handle(frame)
    return pending / (time.perf_counter() - started)


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
        ours = apply_rate(hub, frames, len(rows))
        conn = hub.connection()
        conn.execute("CREATE TABLE raw_movements (LIKE movements INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur:
            for start in range(0, len(rows), batch):
                cur.executemany(
                    "INSERT INTO raw_movements VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    rows[start : start + batch],
                )
                conn.commit()
        raw = len(rows) / (time.perf_counter() - started)
        return {
            "apply_per_s": round(ours),
            "raw_insert_per_s": round(raw),
            "apply_over_raw": round(ours / raw, 3),
        }
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


def raw_rate(folder: Path, rows: list[tuple[Any, ...]], batch: int) -> float:
    conn: sqlite3.Connection = connect(folder / "raw.sqlite")
    conn.execute(
        "CREATE TABLE movements (node TEXT NOT NULL, seq INTEGER NOT NULL, sku TEXT NOT NULL,"
        " quantity INTEGER NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, reference TEXT NOT"
        " NULL, actor TEXT NOT NULL, PRIMARY KEY (node, seq)) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX movements_by_sku ON movements (node, sku, seq)")
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO movements VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows[start : start + batch]
        )
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return len(rows) / seconds


def small_pushes(folder: Path, count: int = 400, size: int = 20) -> float:
    """Bytes per movement when a till syncs every few sales."""
    folder.mkdir()
    node, hub = _node(folder, count), _hub(folder)
    link = InProcessTransport("van", SECRETS["van"], HubEndpoint(hub, SECRETS, lambda: T0))
    for _ in range(count // size):
        sync.sync_node(node, "van", link, T0, batch=size, max_exchanges=1)
    node.close()
    hub.close()
    return link.stats.bytes_per_movement


class _TimedEndpoint:
    """The hub's endpoint, keeping the CPU seconds it spent and the reply bytes it sent."""

    def __init__(self, endpoint: HubEndpoint) -> None:
        self._endpoint = endpoint
        self.cpu_s: list[float] = []
        self.reply_bytes: list[int] = []

    def handle(self, frame: bytes) -> bytes:
        started = time.process_time()
        reply = self._endpoint.handle(frame)
        self.cpu_s.append(time.process_time() - started)
        self.reply_bytes.append(len(reply))
        return reply


def idle_syncs(folder: Path, skus: int, rounds: int = 10) -> dict[str, Any]:
    """A node holding `skus` SKUs syncs with nothing new, a minute apart, once its rights
    have settled: the hub's CPU per idle sync and the reply's bytes (median of `rounds`)."""
    folder.mkdir()
    node, hub = SqliteSyncDatabase(folder / "van.sqlite"), _hub(folder)
    node.migrate()
    with node() as uow:
        ledger = uow.ledger.load("van", [f"SKU-{i:05d}" for i in range(skus)])
        for i in range(skus):
            ledger.record(f"SKU-{i:05d}", MovementKind.RECEIVE, 5, T0, "bench", "ana")
        uow.ledger.save(ledger)
        uow.commit()
    clock = [T0]
    timed = _TimedEndpoint(HubEndpoint(hub, SECRETS, lambda: clock[0]))
    link = InProcessTransport("van", SECRETS["van"], timed.handle)
    for _ in range(3):  # the first sync, then the split settles
        clock[0] += timedelta(minutes=1)
        sync.sync_node(node, "van", link, clock[0])
    timed.cpu_s.clear()
    timed.reply_bytes.clear()
    for _ in range(rounds):
        clock[0] += timedelta(minutes=1)
        sync.sync_node(node, "van", link, clock[0], max_exchanges=1)
    node.close()
    hub.close()
    return {
        "skus": skus,
        "hub_cpu_ms": round(1000 * sorted(timed.cpu_s)[len(timed.cpu_s) // 2], 2),
        "reply_bytes": sorted(timed.reply_bytes)[len(timed.reply_bytes) // 2],
    }


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
            idle = [idle_syncs(Path(name) / f"idle-{n}", n) for n in sizes]
        _print({"idle_sync": idle}, args.json)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as name:
        folder = Path(name)
        result = catch_up(folder, args.pending, args.batch)
        rows = result.pop("rows")
        sample = min(args.pending, 50_000)
        (folder / "apply").mkdir()
        node, hub = _node(folder / "apply", sample), _hub(folder / "apply")
        frames = _frames(node, sample, args.batch)
        ours = apply_rate(hub, frames, sample)
        node.close()
        hub.close()
        raw = raw_rate(folder, rows[:sample], args.batch)
        small = small_pushes(folder / "small")
        on_postgres = postgres(args.pg_url, frames, rows[:sample], args.batch)
        idle = [idle_syncs(folder / f"idle-{n}", n) for n in sizes]
    result |= {
        "sqlite_apply_per_s": round(ours),
        "sqlite_raw_insert_per_s": round(raw),
        "sqlite_apply_over_raw": round(ours / raw, 3),
        "small_push_bytes_per_movement": round(small, 1),
        "postgresql": on_postgres,
        "idle_sync": idle,
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
