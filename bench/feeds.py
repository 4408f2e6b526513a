"""Feeds benchmark: the full Google product feed (RSS XML) and local inventory feed (TSV) for
100,000 products across 10 nodes, beside a raw baseline in the same run.

    .venv/bin/python -m bench.feeds                       # 100,000 products, 10 nodes
    .venv/bin/python -m bench.feeds --products 5000 --nodes 3
    .venv/bin/python -m bench.feeds --accuracy            # listing accuracy: a year of pushes

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
from functools import partial
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


def shop_year(folder: Path, products: int, days: int) -> Any:
    """A shop with `days` of history: each day some sales and a restock at two nodes, then the
    morning push of local inventory and Meta (the demo's channels), recorded as sent."""
    from microindex.bootstrap import bootstrap
    from microindex.demo.channels import open_sources, push_channels
    from microindex.demo.scenario import NODES
    from microindex.domain.movement import MovementKind
    from microindex.service import catalog as catalog_service
    from microindex.service import nodes as node_service
    from microindex.service import stock as stock_service
    from microindex.settings import Settings

    clock = [NOW]
    ws = bootstrap(Settings(folder / "shop"), clock=lambda: clock[0])
    start = NOW.replace(hour=8) - timedelta(days=days)
    catalog = generate(products)
    catalog_service.import_products(
        ws.hub, catalog_service.ParsedCatalog(catalog, [], len(catalog)), start
    )
    nodes = NODES[:2]
    for node in nodes:
        node_service.add_node(ws.hub, node)
        catalog_service.pull_catalog(ws.hub, ws.node(node.code.value))
    skus = [p.sku.value for p in catalog]
    rng = random.Random(3)
    held = {(n.code.value, sku): 0 for n in nodes for sku in skus}
    channels = open_sources(ws)
    for day in range(days):
        at = start + timedelta(days=day)
        for node in nodes:
            code, entries = node.code.value, []
            for sku in rng.sample(skus, max(1, len(skus) // 5)):
                if held[code, sku] > 0 and rng.random() < 0.7:
                    sold = rng.randint(1, held[code, sku])
                    kind, quantity = MovementKind.SELL, -sold
                else:
                    kind, quantity = MovementKind.RECEIVE, rng.randint(1, 6)
                held[code, sku] += quantity
                moment = at + timedelta(minutes=rng.randint(0, 600))
                entries.append(stock_service.Entry(sku, kind, quantity, moment))
            entries.sort(key=lambda e: e.at)
            stock_service.record_batch(ws.node(code), code, entries)
        push_channels(channels, at + timedelta(hours=23))
    channels.store.close()
    return ws


def _replay(sources: Any, span: tuple[datetime, datetime]) -> Any:
    from microindex.domain.channels.accuracy import DAY
    from microindex.service.channel_history import listing_accuracy

    s = sources
    return listing_accuracy(s.store, s.hub, s.ledgers, s.nodes, s.settings, span, DAY)


def _counts(report: Any) -> dict[tuple[str, str, str, datetime], tuple[int, int]]:
    return {
        (c.channel, c.basis, c.field, c.start): (c.checked, c.matched)
        for c in report.cells
        if c.checked
    }


def accuracy_main(products: int, days: int) -> None:
    """Listing accuracy over a day, a week and a year: the full replay every report did,
    against closed days kept (measured once, as the nightly timer does) plus today's replay."""
    from microindex.demo.channels import open_sources
    from microindex.domain.channels.accuracy import day_start
    from microindex.service.accuracy_days import Sources, keep_closed_days, kept_accuracy
    from microindex.service.nodes import list_nodes

    folder = Path(tempfile.mkdtemp(prefix="bench-accuracy-"))
    try:
        started = time.perf_counter()
        ws = shop_year(folder, products, days)
        took = time.perf_counter() - started
        print(f"{products} products, 2 nodes, {days} days of pushes built in {took:.0f} s")
        channels = open_sources(ws)
        nodes = list_nodes(ws.hub)
        ledgers = {n.code.value: ws.node(n.code.value) for n in nodes}
        sources = Sources(channels.store, ws.hub, ledgers, nodes, channels.settings)

        def timed(run: Callable[[], object]) -> tuple[float, float, object]:
            wall, cpu = time.perf_counter(), time.process_time()
            found = run()
            return time.perf_counter() - wall, time.process_time() - cpu, found

        wall, cpu, kept = timed(lambda: keep_closed_days(sources, NOW))
        print(
            f"closed days measured and kept once: {kept} days, {wall:.2f} s wall, {cpu:.2f} s CPU"
        )
        columns = ("samples", "replay s", "CPU s", "kept s", "CPU s", "x CPU")
        print("\n" + f"{'span':<8}" + "".join(f"{c:>10}" for c in columns))
        for name, span in (("day", 1), ("week", 7), ("year", days)):
            start = NOW - timedelta(days=span)
            whole = (day_start(start), NOW)
            r_wall, r_cpu, replayed = timed(partial(_replay, sources, whole))
            k_wall, k_cpu, report = timed(partial(kept_accuracy, sources, (start, NOW)))
            assert _counts(replayed) == _counts(report), f"kept days differ over a {name}"
            checked = sum(c for c, _ in _counts(report).values())
            print(
                f"{name:<8}{checked:>10}{r_wall:>10.2f}{r_cpu:>10.2f}{k_wall:>10.2f}{k_cpu:>10.2f}"
                f"{r_cpu / max(k_cpu, 1e-6):>10.1f}",
                flush=True,
            )
        channels.store.close()
        ws.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accuracy", action="store_true", help="the listing-accuracy figures")
    parser.add_argument("--days", type=int, default=365, help="--accuracy: days of history")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--share", type=float, default=0.3, help="share of SKUs each node holds")
    args = parser.parse_args()
    if args.accuracy:
        accuracy_main(args.products if args.products != 100_000 else 40, args.days)
        return
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
