"""Feeds benchmark: the full Google product feed (RSS XML) and local inventory feed (TSV) for
100,000 products across 10 nodes, beside a raw baseline in the same run.

    .venv/bin/python -m bench.feeds                       # 100,000 products, 10 nodes
    .venv/bin/python -m bench.feeds --products 5000 --nodes 3

Ours: the real path (catalog and node files streamed in SKU order, figures downgraded for age,
items written and every item recorded as sent). Baseline: the same rows dumped with plain
sqlite3 + csv / json, no rules and no record. Each case runs twice in a forked process of its
own: once for time and peak RSS growth (VmHWM over the child's start), once under tracemalloc
for the peak of Python allocations.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.catalog import generate
from microindex.adapters.channels import feed_files
from microindex.adapters.channels.wiring import channel_sources
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.storage import SqliteHubStorage
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.channels.items import FeedSettings
from microindex.domain.channels.mapping import Channel
from microindex.domain.codes import NodeCode
from microindex.domain.node import Capabilities, Location, Node, NodeKind
from microindex.service.channels import send

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SETTINGS = FeedSettings("https://shop.example")


def build(folder: Path, products: int, nodes: int, share: float) -> list[Node]:
    """A hub with the catalog and `nodes` node files, each holding `share` of the SKUs."""
    hub = SqliteDatabase(folder / "hub.sqlite")
    hub.migrate()
    catalog = generate(products)
    with hub() as uow:
        uow.catalog.upsert(catalog)
        uow.commit()
    hub.close()
    skus = sorted(p.sku.value for p in catalog)
    del catalog
    rng = random.Random(5)
    made = []
    for n in range(nodes):
        code = f"node-{n:02d}"
        made.append(
            Node(NodeCode(code), NodeKind.STORE, f"Store {n}", Location(51.5, -0.1 + n / 100),
                 capabilities=Capabilities(pickup=n % 2 == 0))
        )  # fmt: skip
        _stock(folder / f"{code}.sqlite", code, [s for s in skus if rng.random() < share], rng)
    return made


def _stock(path: Path, node: str, skus: list[str], rng: random.Random) -> None:
    database = SqliteDatabase(path)
    database.migrate()
    conn = database.connection()
    at = (NOW - timedelta(hours=2)).isoformat()
    conn.execute("BEGIN")  # the connection is in autocommit mode: one transaction, one fsync
    with conn:
        conn.executemany(
            "INSERT INTO on_hand (node, sku, quantity) VALUES (?, ?, ?)",
            [(node, sku, rng.randint(0, 12)) for sku in skus],
        )
        conn.execute(
            "INSERT INTO movements (node, seq, sku, quantity, kind, at, reference, actor)"
            " VALUES (?, 1, ?, 1, 'receive', ?, 'bench', '')",
            (node, skus[0], at),
        )
    database.close()


def ours(folder: Path, nodes: list[Node], channel: Channel) -> int:
    files = {n.code.value: folder / f"{n.code.value}.sqlite" for n in nodes}
    hub = SqlitePromiseDatabase(folder / "hub.sqlite")
    sources = channel_sources(SqliteHubStorage(hub, folder), files, nodes, SETTINGS)
    out = folder / ("google.xml" if channel is Channel.GOOGLE else "local.tsv")
    with feed_files.replaced(out) as handle:
        if channel is Channel.GOOGLE:
            writer: Any = feed_files.GoogleXmlWriter(handle, "Shop", SETTINGS.base_url, "Feed")
        else:
            writer = feed_files.google_tsv(handle, local=True)
        items = send(sources, channel, writer, NOW).items
        writer.close()
    return items


def raw_products(folder: Path, nodes: list[Node]) -> int:
    """Baseline: one SQL per node for totals, then products with a plain csv writer."""
    totals: dict[str, int] = {}
    for node in nodes:
        with sqlite3.connect(folder / f"{node.code.value}.sqlite") as conn:
            for sku, qty in conn.execute("SELECT sku, quantity FROM on_hand"):
                totals[sku] = totals.get(sku, 0) + qty
    count = 0
    with sqlite3.connect(folder / "hub.sqlite") as conn, (folder / "raw.csv").open("w") as out:
        rows = csv.writer(out)
        for sku, title, description, price, currency in conn.execute(
            "SELECT sku, title, description, price, currency FROM products ORDER BY sku"
        ):
            stock = "in_stock" if totals.get(sku, 0) else "out_of_stock"
            rows.writerow((sku, title, description, f"{price} {currency}", stock))
            count += 1
    return count


def raw_local(folder: Path, nodes: list[Node]) -> int:
    """Baseline: every node's on-hand rows dumped as JSON lines."""
    count = 0
    with (folder / "raw.jsonl").open("w") as out:
        for node in nodes:
            with sqlite3.connect(folder / f"{node.code.value}.sqlite") as conn:
                for sku, qty in conn.execute("SELECT sku, quantity FROM on_hand ORDER BY sku"):
                    out.write(
                        json.dumps({"store_code": node.code.value, "id": sku, "quantity": qty})
                    )
                    out.write("\n")
                    count += 1
    return count


def _peak_rss_kb() -> int:
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _measure(run: Callable[[], int], traced: bool) -> dict[str, float]:
    gc.collect()
    if traced:
        tracemalloc.start()
        items = run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"items": items, "traced_peak_mb": round(peak / 2**20, 1)}
    rss = _peak_rss_kb()
    started = time.perf_counter()
    items = run()
    return {
        "items": items,
        "seconds": round(time.perf_counter() - started, 2),
        "rss_growth_mb": round((_peak_rss_kb() - rss) / 1024, 1),
    }


def in_child(run: Callable[[], int], traced: bool) -> dict[str, float]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        with os.fdopen(write, "w") as pipe:
            pipe.write(json.dumps(_measure(run, traced)))
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result: dict[str, float] = json.loads(data)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--share", type=float, default=0.3, help="share of SKUs each node holds")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    try:
        started = time.perf_counter()
        nodes = build(folder, args.products, args.nodes, args.share)
        gc.collect()
        took = time.perf_counter() - started
        print(f"{args.products} products, {args.nodes} nodes built in {took:.1f} s")
        cases: dict[str, Callable[[], int]] = {
            "google products XML (ours)": lambda: ours(folder, nodes, Channel.GOOGLE),
            "  baseline: csv dump": lambda: raw_products(folder, nodes),
            "local inventory TSV (ours)": lambda: ours(folder, nodes, Channel.GOOGLE_LOCAL),
            "  baseline: jsonl dump": lambda: raw_local(folder, nodes),
        }
        print(f"\n{'case':<30}{'items':>9}{'s':>8}{'RSS+ MB':>9}{'traced MB':>11}")
        for name, run in cases.items():
            timed, traced = in_child(run, False), in_child(run, True)
            print(
                f"{name:<30}{timed['items']:>9.0f}{timed['seconds']:>8}{timed['rss_growth_mb']:>9}{traced['traced_peak_mb']:>11}",
                flush=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
