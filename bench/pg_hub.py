"""The hub on PostgreSQL as 1 and 2 processes (`microindex serve --workers N`), over HTTP.

    python -m bench.pg_hub            # 200 nodes x 20,000 SKUs (long: minutes to hours)
    python -m bench.pg_hub --small    # 20 nodes x 2,000 SKUs, fewer orders (a minute or two)
    python -m bench.pg_hub --json

All in one run, on throwaway schemas of the PostgreSQL server (--pg-url, default
MICROINDEX_TEST_PG_URL or the local test server):
- raw psycopg rates, the baseline: single-row `UPDATE ... SET qty = qty - 1` committed one by
  one from --buyers threads (what a promise does at least once), and `executemany` INSERTs of
  movement-shaped rows in batches of 5,000 (what a push does at least once);
- for 1 and 2 hub processes, each on a new schema: orders per second (`POST /api/v1/orders`
  from --buyers threads, each promise taken from rights the hub holds; also per half and the
  p99 of one order) and sync movements per second (8 nodes pushing their new movements at
  once over HTTP, `sync_node` end to end);
- the fleet (--nodes nodes x --skus SKUs, on its own schema; `fleet` below):
  bulk-loaded, not measured: the state every node's first sync leaves, at the hub and in each
  node's SQLite file, made from one node's real first sync (through the hub's sync service)
  cloned to the others (`bench.fleet_clone`, checked against real first syncs by
  tests/sync/test_fleet_clone.py) in minutes instead of the two hours 8M first-sync movements
  take; measured: on 1 and then 2 hub processes, every node agent (`sync.sync_node` over
  `HttpTransport`) pushes --later newly received SKUs to the hub's HTTP sync endpoint until
  the hub has everything: movements per second and the time of every push as the node sees it
  (p50, p99, max).
`--fleet-only` skips the order and sync phases (raw rates and the fleet only).

The fleet figures of this change are at the end of this docstring.

Figures, 2026-12-06, on this machine shared with four other sessions (load average 8-12 on 2
cores, the server near its 100 connections): read them as a floor, not as what the code does
on a quiet machine. Full size (200 nodes x 20,000 SKUs in the catalog, every node registered):

| run                   | orders/s | order p99 | sync movements/s | raw updates/s | raw inserts/s |
|-----------------------|----------|-----------|------------------|---------------|---------------|
| 1 process             | 12.9     | 2,725 ms  | 1,259            | 2,961         | 30,107        |
| 2 processes           | 16.6     | 1,532 ms  | 1,301            | (same run)    | (same run)    |
| 1 process, 50 nodes * | 39.2     | 782 ms    | 1,553            | 1,298         | 12,049        |
| 2 processes, 50 nodes | 32.1     | 749 ms    | 1,554            | (same run)    | (same run)    |
| 1 process, 2,000 SKUs*| 16.5     | 2,020 ms  | 1,900            | 407           | 10,037        |
| 2 processes, 2,000    | 17.4     | 1,656 ms  | 826              | (same run)    | (same run)    |

(* with walk-in rates in rows, migration 151; the first two rows before it.) Orders per second
fall with the nodes registered (200 against 50), not with the catalog: promising weighs every
registered node.

The fleet at full size did not finish in the time there was: its first syncs (4M receipts
and, the hub pooling every right, 4M grants back) ran at about 1,200 movements/s, about two
hours. Push times at smaller fleets (the later pushes: 20 new receipts a node):
- 20 nodes x 2,000 SKUs: first sync 1,563 movements/s (push p99 7.6 s); later pushes p50 1.19 s,
  p99 1.81 s, max 1.81 s (40 pushes).
- 8 nodes x 20,000 SKUs (`--fleet-only --buyers 2`): first sync 1,818 movements/s, push p50
  3.2 s, p99 8.7 s. The later pushes (each releasing a unit of every SKU to the node) then took
  minutes: the rebalance summed the releases on their way once per SKU, quadratic in the SKUs;
  fixed (`NodeAccount.releasing_by_sku`). 20 nodes x 20,000 with 8 threads timed out at
  120 s a push before that fix. After it, and with a push's rights written in one batch:
  first sync 2,414 movements/s (push p99 13.5 s), later pushes p50 1.27 s, p99 1.53 s, max
  1.53 s (16 pushes; raw in the same run: 1,918 updates/s, 27,948 inserts/s).
- 20 nodes x 20,000 SKUs (`--buyers 4`, after the fixes): first sync 3,571 movements/s (800,000
  in 224 s; push p50 2.6 s, p99 10.3 s, max 13.4 s); the later pushes, each releasing 20,000
  units, were still running after 8 minutes when the session ended (a single one spent 16 s in
  the rebalance between two queries): the next cost to take on.

The fleet with its start bulk-loaded (2026-12-06, load average 11-20, two other sessions'
tests beside it; `--fleet-only`):
- 200 nodes x 20,000 SKUs: bulk load 1,277 s (f000's real first sync of 40,000 movements in
  120 s, 199 clones at the hub and in SQLite files). The measured round on 1 process ran 9
  minutes (525 pushes) until one push met a keep-alive connection the server had just closed;
  the bench now syncs such a node again, as the agent does at its next poll.
- 50 nodes x 20,000 SKUs: bulk load 91 s. The measured round on 1 process is the second sync
  of every node, and at it the hub hands most SKUs' rights back (tau learned from the gap
  since the first sync): about 17,000 RELEASE requests a node, 500 a reply, so some 35-45
  exchanges a node. After 15.5 minutes: 3,488 HTTP pushes (3.8 a second from 8 threads),
  689,000 release movements mirrored from 40 of the 50 nodes (about 740 movements/s; raw in
  the same run: 1,502 updates/s, 23,669 inserts/s). At that pace a round of 200 nodes takes
  about an hour on this machine: the cost now is the number of exchanges (500 requests a
  reply, each exchange re-reading the node's 20,000 rights at the node), not a statement per
  SKU at the hub. At 16.5 minutes the round stopped: the shared server refused connections
  ("sorry, too many clients already", its log at 08:52-08:53, other sessions' tests beside
  it), the hub answered 500 and a node met it three times.

After ADR 0016 (2026-12-06 11:33-11:52, load average 11-15, other sessions' tests beside it;
`--fleet-only --nodes N --skus 20000 --json`, default 8 threads; CPU is the bench process and
the hub processes it waited for, /usr/bin/time):
- 20 x 20,000 (bulk load 43 s): the second sync, 40 pushes (2 a node), push p50 1.82 s, p99
  8.75 s; the third sync (2 processes), 40 pushes, p50 0.47 s, p99 2.56 s. Raw in the same
  run: 1,983 updates/s, 44,576 inserts/s. 2 min 38 s wall, 54.6 s user + 3.8 s system CPU.
  Before (this session, same size): the third sync's sweep handed a unit of each SKU back 200
  SKUs an exchange; 799 pushes in 7.5 minutes and not finished.
- 50 x 20,000 (bulk load 119 s): the second sync hands 19,980 units of 20,000 SKUs back to
  each node (tau learned its gap), in one reply a node: 250 pushes (5 a node; 35-45 and more
  before), 1,001,000 movements in 550 s, 1,821 movements/s (740 before), push p50 9.5 s,
  p99 31.0 s, max 37.9 s (a push of 5,000 release movements). The third sync (2 processes):
  100 pushes (2 a node), p50 0.81 s, p99 19.3 s. Raw in the same run: 1,348 updates/s,
  26,432 inserts/s. 14 min 15 s wall, 357.5 s user + 14.3 s system CPU.
- 200 x 20,000 was not run: its second sync is 4M release movements, about 37 minutes at
  this rate after a bulk load of about 8, more than the session had left.

After ADR 0017 (the hub mirrors grants and releases as rows, writes rights, requests and rates
as one JSON text, locks no on-hand for grants; 2026-12-06 14:35-15:09, other sessions' tests
beside it). Before and after are this branch's parent and head, run back to back, the
measured round the second sync's re-split (`--gap 120`: 20,000 release movements a node):
| fleet, code | movements | s     | moves/s | push p50 | push p99 | raw upd/s | raw ins/s | load   |
|-------------|-----------|-------|---------|----------|----------|-----------|-----------|--------|
| 20, before  | 400,400   | 143.4 | 2,792   | 5.24 s   | 35.0 s   | 2,470     | 45,545    | 3.3-7.8|
| 20, after   | 400,400   | 108.9 | 3,677   | 3.99 s   | 20.0 s   | 1,882     | 56,683    | 5.0-8.2|
| 50, before  | 1,001,000 | 306.4 | 3,267   | 5.17 s   | 16.1 s   | 3,242     | 59,619    | 2.2-10 |
| 50, after   | 1,001,000 | 215.3 | 4,650   | 3.03 s   | 15.9 s   | 4,856     | 70,833    | 3.8-8.7|
(20 or 50 nodes x 20,000 SKUs; load: the load average at the run's start and end.)
CPU of the bench and hub processes over the whole run (/usr/bin/time, user): 20 nodes 132 s
before, 108 s after; 50 nodes 312 s before, 240 s after. At 4,650 movements/s the 200 x
20,000 round's 4M movements take about 15 minutes after its bulk load. One node's second
sync alone (`bench.profile_resplit`, in process, cProfile): the hub's `receive_push` 8.2 s
before (load average 1), 3.75 s after (load average 5); its mirror 0.75 s, now 0.25 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
from psycopg import sql

from bench.fleet_clone import clone_hub, clone_node
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import bootstrap
from microindex.domain.access import Grant, Role
from microindex.domain.codes import NodeCode, Sku
from microindex.domain.money import Money
from microindex.domain.movement import MovementKind
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.domain.product import Product
from microindex.entrypoints.access import token_store
from microindex.service import access, sync
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.service.sync_ports import HubUnreachable, SyncUnitOfWorkFactory
from microindex.settings import Settings

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
CLI = [str(Path(sys.executable).parent / "microindex")]
HERE = Location(51.545, -0.055)
ORDER_NODES, ORDER_SKUS, ORDER_STOCK = 3, 20, 5_000
SYNC_NODES, SYNC_MOVES = 8, 2_500


@dataclass(frozen=True)
class Size:
    nodes: int
    skus: int
    orders: int
    later: int  # receipts each fleet node pushes after its first sync


FULL, SMALL = Size(200, 20_000, 2_000, 20), Size(20, 2_000, 400, 20)


def now() -> datetime:
    return datetime.now(UTC)


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def new_schema(url: str) -> Iterator[str]:
    """A throwaway schema; its URL. Dropped afterwards."""
    schema = f"bench_pg_hub_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield with_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def raw_rates(url: str, threads: int, rows: int = 50_000) -> dict[str, float]:
    """psycopg alone: committed single-row updates per second from `threads` threads, and
    movement-shaped rows inserted per second by executemany in batches of 5,000."""
    schema = f"bench_raw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    at = with_schema(url, schema)
    try:
        with psycopg.connect(at, autocommit=True) as conn:
            conn.execute("CREATE TABLE rights (sku text PRIMARY KEY, h integer NOT NULL)")
            conn.execute(
                "CREATE TABLE movements (node text, seq bigint, sku text, quantity integer,"
                " kind text, at timestamptz, reference text, actor text, PRIMARY KEY (node, seq))"
            )
            conn.execute(
                "INSERT INTO rights SELECT 'S' || g, 1000000 FROM generate_series(1, 20) g"
            )
        updates = max(400, rows // 25)

        def update(part: int) -> None:
            with psycopg.connect(at) as conn:
                for i in range(updates // threads):
                    conn.execute(
                        "UPDATE rights SET h = h - 1 WHERE sku = %s AND h >= 1",
                        (f"S{(part + i) % 20 + 1}",),
                    )
                    conn.commit()

        update_s = _timed(lambda: _parallel(update, range(threads)))
        stamp = now()
        batch = [("n", i, f"S{i % 20}", 1, "receive", stamp, "", "bench") for i in range(rows)]

        def insert() -> None:
            with psycopg.connect(at) as conn, conn.cursor() as cur:
                for start in range(0, rows, 5_000):
                    cur.executemany(
                        "INSERT INTO movements VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        batch[start : start + 5_000],
                    )
                    conn.commit()

        insert_s = _timed(insert)
        return {
            "updates_per_s": (updates // threads * threads) / update_s,
            "inserts_per_s": rows / insert_s,
        }
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _parallel(
    work: Callable[[Any], object], items: Sequence[Any] | range, threads: int = 0
) -> list[Any]:
    with ThreadPoolExecutor(max_workers=threads or len(items) or 1) as pool:
        return list(pool.map(work, items))


@dataclass
class Shop:
    folder: Path
    url: str
    channel: str
    secrets: dict[str, bytes]


def _node(code: str) -> Node:
    capabilities = Capabilities(
        pickup=True, local_delivery_radius_km=10.0, local_delivery_speed_kmh=15.0
    )
    return Node(
        code=NodeCode(code),
        kind=NodeKind.STORE,
        name=code,
        location=HERE,
        opening_hours=OpeningHours.always(),
        capabilities=capabilities,
        zone="Europe/London",
        offline_gap_s=0.0,  # the hub holds every right: orders never wait on a node
    )


def set_up(folder: Path, url: str, size: Size) -> Shop:
    """Nodes, the catalog and a channel token; the order nodes' stock granted to the hub."""
    ws = bootstrap(Settings(folder, hub_url=url))
    try:
        codes = [f"o{i}" for i in range(ORDER_NODES)] + [f"s{i}" for i in range(SYNC_NODES)]
        codes += [f"f{i:03d}" for i in range(size.nodes)]
        for code in codes:
            add_node(ws.hub, _node(code))
        products = [
            Product(Sku(f"SKU-{i:05d}"), f"Bench product {i}", Money(Decimal("9.99"), "GBP"))
            for i in range(size.skus)
        ]
        import_products(ws.hub, ParsedCatalog(products), now())
        secrets = {code: ws.secrets.ensure(code) for code in codes}
        channel = access.issue(token_store(ws), ws.hub, Grant(Role.CHANNEL), now(), "bench")
        for code in codes[:ORDER_NODES]:
            receive(ws.node(code), code, [f"SKU-{i:05d}" for i in range(ORDER_SKUS)], ORDER_STOCK)
            sync.sync_node(ws.node(code), code, ws.link(code), now())
    finally:
        ws.close()
    return Shop(folder, url, channel.secret, secrets)


def receive(node_db: SyncUnitOfWorkFactory, code: str, skus: Sequence[str], quantity: int) -> int:
    with node_db() as uow:
        ledger = uow.ledger.load(code, skus)
        stamp = now()
        for sku in skus:
            ledger.record(sku, MovementKind.RECEIVE, quantity, stamp, "bench", "bench")
        uow.ledger.save(ledger)
        uow.commit()
    return len(skus)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def hub(shop: Shop, workers: int) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROINDEX_")}
    env["MICROINDEX_HUB_URL"] = shop.url
    args = ["-w", str(shop.folder), "serve", "--port", str(port), "--workers", str(workers)]
    with (shop.folder / f"hub-{workers}.log").open("wb") as log:
        process = subprocess.Popen([*CLI, *args], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _answers(base + "/docs"):
            if time.monotonic() > deadline or process.poll() is not None:
                said = (shop.folder / f"hub-{workers}.log").read_text(errors="replace")
                raise RuntimeError(f"the hub did not start; its log ends:\n{said[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def orders_per_s(base: str, shop: Shop, count: int, buyers: int) -> dict[str, float]:
    """`count` one-unit orders from `buyers` threads, each a new key; all must be promised.
    The rate over all, over the first and over the second half (a falling rate means each
    order costs more as orders pile up), and the p99 time of one order."""
    headers = {"Authorization": f"Bearer {shop.channel}"}
    done: list[tuple[float, float]] = []  # (finished at, took)
    guard = threading.Lock()

    def buy(part: int) -> int:
        promised = 0
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for i in range(part, count, buyers):
                order = {
                    "lines": [{"sku": f"SKU-{i % ORDER_SKUS:05d}", "quantity": 1}],
                    "method": "pickup",
                    "pickup_node": f"o{i % ORDER_NODES}",
                }
                sent = time.perf_counter()
                answer = client.post(
                    "/api/v1/orders", json=order, headers={"Idempotency-Key": f"b-{i}"}
                )
                with guard:
                    done.append((time.perf_counter(), time.perf_counter() - sent))
                promised += answer.status_code == 201
        return promised

    start = time.perf_counter()
    promised = sum(_parallel(buy, range(buyers)))
    if promised != count:
        raise RuntimeError(f"{count - promised} of {count} orders not promised")
    ends = sorted(end for end, _ in done)
    half, end = ends[count // 2 - 1], ends[-1]
    return {
        "orders_per_s": round(count / (end - start), 1),
        "first_half_per_s": round((count // 2) / (half - start), 1),
        "second_half_per_s": round((count - count // 2) / (end - half), 1),
        "order_p99_ms": round(1000 * percentile([took for _, took in done], 0.99), 1),
    }


class TimedClient:
    """An httpx client that keeps how long each push took (as the node saw it)."""

    def __init__(self, times: list[float], guard: threading.Lock) -> None:
        # a slow push is a figure, not a failure; idle connections are dropped before the
        # server's keep-alive (uvicorn: 5 s) closes them under a request being sent
        limits = httpx.Limits(keepalive_expiry=2.0)
        self._client = httpx.Client(timeout=900, limits=limits)
        self._times, self._guard = times, guard

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        start = time.perf_counter()
        answer = self._client.post(url, **kwargs)
        with self._guard:
            self._times.append(time.perf_counter() - start)
        return answer

    def close(self) -> None:
        self._client.close()


def push_all(
    base: str, shop: Shop, folder: Path, codes: Sequence[str], threads: int, times: list[float]
) -> int:
    """Sync each node over HTTP until the hub has everything; the movements pushed."""
    guard = threading.Lock()

    def push(code: str) -> int:
        client = TimedClient(times, guard)
        database = SqliteSyncDatabase(folder / f"{code}.sqlite")
        try:
            link = HttpTransport(base, code, shop.secrets[code], client=client)
            for attempt in range(3):  # as the agent does at its next poll: sync again
                try:
                    return sync.sync_node(database, code, link, now()).pushed
                except HubUnreachable:
                    if attempt == 2:
                        raise
                    say(f"{code}: hub unreachable, syncing again")
            return 0
        finally:
            database.close()
            client.close()

    return sum(_parallel(push, codes, threads))


def node_files(folder: Path, codes: Sequence[str], skus: Sequence[str], quantity: int) -> int:
    made = 0
    for code in codes:
        database = SqliteSyncDatabase(folder / f"{code}.sqlite")
        database.migrate()
        made += receive(database, code, skus, quantity)
        database.close()
    return made


def sync_per_s(base: str, shop: Shop, folder: Path) -> float:
    codes = [f"s{i}" for i in range(SYNC_NODES)]
    skus = [f"SKU-{i:05d}" for i in range(SYNC_MOVES)]
    node_files(folder, codes, skus, 3)
    start = time.perf_counter()
    pushed = push_all(base, shop, folder, codes, SYNC_NODES, [])
    return pushed / (time.perf_counter() - start)


def say(what: str, figures: object = "") -> None:
    """Progress on stderr as the run goes: a long run cut short still tells how far it got."""
    print(f"{time.strftime('%H:%M:%S')} {what} {figures}".rstrip(), file=sys.stderr, flush=True)


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def fleet(shop: Shop, folder: Path, size: Size, threads: int, gap_s: float = 0.0) -> dict[str, Any]:
    """The fleet: its starting state made fast, then every node's pushes measured, on 1 and
    then 2 hub processes.

    Bulk-loaded (not measured): node f000 receives 5 of every SKU and really syncs for the
    first time, in process through the hub's sync service (`sync.receive_push`, the function
    the HTTP endpoint calls); its state is then cloned to the other nodes, at the hub by
    INSERT ... SELECT and at the nodes by copying its SQLite file (`bench.fleet_clone`,
    checked against real first syncs by tests/sync/test_fleet_clone.py).
    Measured: in each round every node receives `size.later` new SKUs' units (2 each, other
    SKUs each round) and its own agent code (`sync.sync_node` over `HttpTransport`) pushes
    them to the hub's HTTP sync endpoint from `threads` threads until the hub has everything,
    applying each reply; the time of every HTTP push as the node sees it.

    `gap_s`: the measured round starts at least this long after the template's first sync
    (waiting if the load was quicker). From 90 s on, the nodes' second sync is the re-split
    a full-size fleet meets after its long load: tau learns the gap (`rights_split.tau_moves`)
    and the hub hands 20,000 units back to each node, 20,000 release movements pushed back;
    a smaller fleet loaded in under a minute would sync twice within one tau and never
    re-split."""
    codes = [f"f{i:03d}" for i in range(size.nodes)]
    skus = [f"SKU-{i:05d}" for i in range(size.skus)]
    template, started = codes[0], time.perf_counter()
    node_files(folder, [template], skus, 5)
    ws = bootstrap(Settings(shop.folder, hub_url=shop.url))
    database = SqliteSyncDatabase(folder / f"{template}.sqlite")
    try:
        first = sync.sync_node(database, template, ws.link(template), now())
    finally:
        database.close()
        ws.close()
    synced = time.monotonic()
    say(f"fleet: {template}'s first sync, {first.pushed} movements; cloning to the others")
    shifts = clone_hub(shop.url, template, codes[1:])
    for code in codes[1:]:
        clone_node(
            folder / f"{template}.sqlite", template, code, folder / f"{code}.sqlite", shifts[code]
        )
    loaded_s = time.perf_counter() - started
    say(f"fleet: {size.nodes} nodes x {size.skus} SKUs loaded in {loaded_s:.0f} s")
    figures: dict[str, Any] = {
        "nodes": size.nodes,
        "skus": size.skus,
        "bulk_load_s": round(loaded_s),
        "template_first_sync_movements": first.pushed,
    }
    if (wait := gap_s - (time.monotonic() - synced)) > 0:
        say(f"fleet: waiting {wait:.0f} s, {gap_s:.0f} s after the first sync")
        time.sleep(wait)
    for round_, workers in enumerate((1, 2)):
        chosen = skus[round_ * size.later : (round_ + 1) * size.later]
        node_files(folder, codes, chosen, 2)
        times: list[float] = []
        with hub(shop, workers) as base:
            start = time.perf_counter()
            pushed = push_all(base, shop, folder, codes, threads, times)
            took = time.perf_counter() - start
        figures[f"{workers}_process"] = run = {
            "movements": pushed,
            "seconds": round(took, 1),
            "movements_per_s": round(pushed / took),
            "pushes": len(times),
            "push_p50_ms": round(1000 * percentile(times, 0.5), 1),
            "push_p99_ms": round(1000 * percentile(times, 0.99), 1),
            "push_max_ms": round(1000 * max(times), 1),
        }
        say(f"fleet on {workers} process(es)", run)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("MICROINDEX_TEST_PG_URL", PG_URL))
    parser.add_argument("--small", action="store_true", help="20 nodes x 2,000 SKUs.")
    parser.add_argument("--nodes", type=int, help="Fleet nodes (default 200, --small 20).")
    parser.add_argument("--skus", type=int, help="SKUs each fleet node holds (20,000; 2,000).")
    parser.add_argument("--buyers", type=int, default=8, help="Threads placing orders.")
    parser.add_argument(
        "--later", type=int, help="SKUs each fleet node receives and pushes a round (20)."
    )
    parser.add_argument(
        "--gap",
        type=float,
        default=0.0,
        help="Seconds at least between the fleet's first sync and its measured round (>= 90:"
        " the second sync re-splits every SKU, as after a full-size fleet's long load).",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--fleet-only", action="store_true", help="Only the raw rates and the fleet (2 processes)."
    )
    args = parser.parse_args(argv)
    size = SMALL if args.small else FULL
    size = Size(
        args.nodes or size.nodes, args.skus or size.skus, size.orders, args.later or size.later
    )
    try:
        psycopg.connect(args.pg_url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable at {args.pg_url}: {error}", file=sys.stderr)
        return 2
    figures: dict[str, Any] = {"raw": raw_rates(args.pg_url, args.buyers)}
    say("raw psycopg", figures["raw"])
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-hub-"))
    try:
        for workers in () if args.fleet_only else (1, 2):  # each on a new schema, the same data
            with new_schema(args.pg_url) as url:  # (the fleet's nodes: promising reads each)
                shop = set_up(folder / f"hub-{workers}", url, size)
                say(f"{workers} process(es): set up")
                with hub(shop, workers) as base:
                    nodes = folder / f"sync-nodes-{workers}"
                    nodes.mkdir()
                    run = orders_per_s(base, shop, size.orders, args.buyers)
                    run["sync_movements_per_s"] = round(sync_per_s(base, shop, nodes))
                    figures[f"{workers}_process"] = run
                    say(f"{workers} process(es)", run)
        with new_schema(args.pg_url) as url:
            shop = set_up(folder / "hub-fleet", url, size)
            (folder / "fleet").mkdir()
            figures["fleet"] = fleet(shop, folder / "fleet", size, args.buyers, args.gap)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _report(figures, args.json)
    return 0


def _report(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    raw = figures["raw"]
    print(
        f"raw psycopg: {raw['updates_per_s']:.0f} single-row updates/s, "
        f"{raw['inserts_per_s']:.0f} inserts/s (executemany)"
    )
    for workers in (1, 2) if "1_process" in figures else ():
        run = figures[f"{workers}_process"]
        print(
            f"{workers} hub process(es): {run['orders_per_s']} orders/s "
            f"({run['orders_per_s'] / raw['updates_per_s']:.3f} of raw updates; first half "
            f"{run['first_half_per_s']}/s, second {run['second_half_per_s']}/s, p99 "
            f"{run['order_p99_ms']} ms), "
            f"{run['sync_movements_per_s']} sync movements/s "
            f"({run['sync_movements_per_s'] / raw['inserts_per_s']:.3f} of raw inserts)"
        )
    fleet_run = figures["fleet"]
    print(
        f"fleet {fleet_run['nodes']} nodes x {fleet_run['skus']} SKUs: bulk-loaded in "
        f"{fleet_run['bulk_load_s']} s (one node's real first sync of "
        f"{fleet_run['template_first_sync_movements']} movements, cloned; not measured)"
    )
    for workers in (1, 2):
        run = fleet_run[f"{workers}_process"]
        print(
            f"  measured, {workers} hub process(es): {run['pushes']} HTTP pushes from "
            f"{fleet_run['nodes']} node agents, {run['movements']} movements in "
            f"{run['seconds']} s ({run['movements_per_s']}/s, "
            f"{run['movements_per_s'] / raw['inserts_per_s']:.3f} of raw inserts); push p50 "
            f"{run['push_p50_ms']} ms, p99 {run['push_p99_ms']} ms, max {run['push_max_ms']} ms"
        )


if __name__ == "__main__":
    raise SystemExit(main())
