"""Search benchmark: microindex beside plain tantivy, tantivy fuzzy, Whoosh and SQLite FTS5.

    .venv/bin/python -m bench.search                 # 100,000 products, the full mix
    .venv/bin/python -m bench.search --products 200  # a small node
    .venv/bin/python -m bench.search --no-whoosh --json bench-search.json

Each engine runs in its own forked process over the same generated catalog and query mix, so
its build time, index size and peak memory (VmHWM above the process's start) are its own.
Then the targets are judged in one process: microindex, plain tantivy BM25 and tantivy fuzzy
(same filters, in stock included, top 10) built side by side and each query run on each engine
in turn, so a noisy neighbour on the machine slows them alike; wall and CPU time reported.
microindex also counts facets, which the plain engines do not: it runs once more without them,
to show what the facets cost (the targets are judged with them).

microindex is built as `microindex search rebuild --node` builds (`indexing.rebuild`), from a
node database holding the same products and on-hand, made before its build is timed; the
plain engines build from the products in memory. What reading the catalog from SQLite costs of
the rebuild is measured in a pass of its own and printed beside it. Both tantivy writers get
the same heap (200 MB) and one indexing thread.

Build figures, 2026-12-07 (ADR 0040; the rebuild's code the same on both sides, main's worktree
and branch searchbuild2 run in turn on 2 cores shared with four other helpers), CPU seconds of
`search rebuild` against tantivy fuzzy's build in the same run:

| products, load | run | rebuild CPU s | fuzzy CPU s | CPU ratio | wall ratio | catalog read s |
|---|---|---|---|---|---|---|
| 5,000, 6.7-7.1 | main | 0.54 | 0.08 | 6.8x | 6.3x | 0.06 |
| 5,000, 6.7-6.9 | branch | 0.61 | 0.12 | 5.1x | 3.8x | 0.08 |
| 5,000, 6.7-7.3 | main | 0.55 | 0.10 | 5.5x | 5.4x | 0.07 |
| 100,000, 7.4-8.9 | main | 10.33 | 1.72 | 6.0x | 2.8x | 1.49 |
| 100,000, 7.3-8.6 | branch | 11.25 | 1.92 | 5.9x | 6.8x | 1.13 |
| 100,000, 8.3-12.2 | main | 10.86 | 2.06 | 5.3x | 5.9x | 1.36 |
| 100,000, 11.2-12.2 | branch | 10.63 | 1.52 | 7.0x | 7.6x | 1.47 |

The rebuild's CPU held at 10.3-11.3 s while plain tantivy's moved from 1.5 to 2.1 s with the
neighbours; the "within 3x" verdict below is judged on wall time, which said "met" (2.8x) in
the first 100,000 run. Where the CPU goes: `bench/search_build.py`.

ADR 0043 (search schema 10: the rebuild reads each product's values straight from its row, and
the SKU is one term), the parent commit and this branch in turn, load 5.7-12.2 (the catalog read
now times what the rebuild reads, the values, not `Product`s):

| products | run | rebuild CPU s | fuzzy CPU s | CPU ratio |
|---|---|---|---|---|
| 5,000 | before | 0.48, 0.54, 0.47 | 0.09, 0.09, 0.08 | 5.3x, 6.0x, 5.9x |
| 5,000 | after | 0.37, 0.34, 0.40 | 0.07, 0.08, 0.10 | 5.3x, 4.2x, 4.0x |
| 100,000 | before | 8.56, 8.19, 8.43 | 1.33, 1.64, 1.64 | 6.4x, 5.0x, 5.1x |
| 100,000 | after | 6.98, 7.68, 6.11 | 1.61, 1.38, 1.58 | 4.3x, 5.6x, 3.9x |

Query figures, 2026-12-07 (ADR 0047: a word whose typos find nothing asked about once a commit;
main and branch searchquery3 in turn, load 4.6-5.9), CPU p50 / p99 ratio against tantivy fuzzy,
with facets (without): 5,000 products 3.8-3.9x / 3.2-3.8x (2.4-2.5x / 2.5-3.2x) before,
3.7-3.9x / 3.4-3.8x (2.4-2.5x / 2.3-3.0x) after, our own p99 0.81-0.86 ms before and
0.74-0.78 after; 100,000 products 2.1-2.6x / 1.4x (1.2-1.5x / 1.2x) before,
2.0-2.1x / 1.1-1.2x (1.2-1.3x / 0.9-1.0x) after, our p99 2.33-2.48 ms before, 1.84-2.08 after.

ADR 0048 (search schema 13: the price a column only; a batch remembers prices and facet columns'
JSON members; 2.4% fewer instructions a product), the parent commit and this branch in turn, load
2.2-6.2:

| products | run | rebuild CPU s | fuzzy CPU s | CPU ratio |
|---|---|---|---|---|
| 5,000 | before | 0.20, 0.20, 0.21, 0.17 | 0.05, 0.05, 0.05, 0.04 | 4.0x, 4.0x, 4.2x, 4.2x |
| 5,000 | after | 0.18, 0.20, 0.20, 0.16 | 0.04, 0.05, 0.05, 0.04 | 4.5x, 4.0x, 4.0x, 4.0x |
| 100,000 | before | 4.40, 4.23, 5.73 | 1.07, 0.88, 1.10 | 4.1x, 4.8x, 5.2x |
| 100,000 | after | 3.65, 4.26, 4.40 | 0.77, 0.85, 1.38 | 4.7x, 5.0x, 3.2x |

ADR 0049 (search schema 14: a product's attribute names one term; attribute filters read the
facet column; 7.8% fewer instructions a product), the parent commit and this branch in turn,
load 1.2-2.1:

| products | run | rebuild CPU s | fuzzy CPU s | CPU ratio |
|---|---|---|---|---|
| 5,000 | before | 0.24, 0.22, 0.40, 0.23, 0.24 | 0.05, 0.05, 0.08, 0.06, 0.06 | 3.8-5.0x |
| 5,000 | after | 0.21, 0.22, 0.31, 0.22, 0.36 | 0.05, 0.05, 0.08, 0.05, 0.06 | 3.9-6.0x |
| 100,000 | before | 5.36, 5.48, 4.84 | 1.23, 1.57, 1.18 | 4.4x, 3.5x, 4.1x |
| 100,000 | after | 4.35, 6.47, 4.99 | 1.33, 1.50, 1.33 | 3.3x, 4.3x, 3.8x |

ADR 0055 (a word's typos found in the filed vocabulary and asked as terms, not automata; not
kept), base
d896662 and this branch in turn, load 6.5-7.9, CPU p50 / p99 ratio against tantivy fuzzy with
facets: 5,000 products 4.0-4.3x / 3.1-3.7x before, 4.0x / 3.0-3.2x after (our p99 1.23-1.41 ms
before, 1.20-1.30 after; two more pairs at load 4: p99 3.4-3.7x before, 2.9-3.1x after,
p50 3.5-3.7x both); 100,000 products 2.5-2.6x / 1.3-1.4x before, 2.5-2.7x / 1.4x after.
Each query is run once, so its words' candidates are made in the timed query; with them
remembered (best of 3), typo-1 0.18 to 0.10 ms and typo-2 0.25 to 0.13 ms at 5,000 products.
(The 100,000 runs filed their 3,663 words; kept at 2,000 words at most, they run as before.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import baselines
from bench.catalog import SYNONYMS, generate
from bench.workload import NODE, Query, known_items, query_mix, stocked
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.product import Product
from microindex.domain.search.query import Synonyms
from microindex.domain.search.request import Filters, SearchRequest
from microindex.service.indexing import rebuild
from microindex.service.search import search

Runner = Callable[[Query], list[str]]


CATALOG_FILE = "node.sqlite"


def catalog_database(products: list[Product], folder: Path) -> None:
    """The node database `microindex` builds from, in `folder` (made before its build is
    timed): the catalog and the on-hand at `NODE`, as a node's `search rebuild` reads them."""
    database = SqliteDatabase(folder / CATALOG_FILE)
    database.migrate()
    with database() as uow:
        uow.catalog.upsert(products)
        uow.commit()
    conn = database.connection()
    conn.execute("BEGIN")  # autocommit mode: one transaction
    with conn:
        conn.executemany(
            "INSERT INTO on_hand (node, sku, quantity) VALUES (?, ?, ?)",
            [(NODE, sku, at[NODE]) for sku, at in stocked(products).items()],
        )
    database.close()


def catalog_read_cpu(folder: Path) -> float:
    """The CPU seconds of reading the catalog from `catalog_database`, as a rebuild does (each
    product's searched values, straight from its row: ADR 0043)."""
    database = SqliteDatabase(folder / CATALOG_FILE)
    started = time.process_time()
    with database.reading() as uow:
        for _ in uow.catalog.searched():
            pass
    database.close()
    return time.process_time() - started


def microindex(products: list[Product], folder: Path, facets: bool = True) -> Runner:
    """Built as `microindex search rebuild --node` builds, from the node database in `folder`
    (`catalog_database`, the same `products`)."""
    database = SqliteDatabase(folder / CATALOG_FILE)
    index = TantivyIndex(folder / "index")
    rebuild(index, database, NODE)
    index.close()
    database.close()
    synonyms = Synonyms.parse(SYNONYMS)

    def run(query: Query) -> list[str]:
        filters = Filters(
            in_stock=query.in_stock, categories=(query.category,) if query.category else ()
        )
        request = SearchRequest(query.text, filters, facets=facets)
        return [h.sku for h in search(index, request, NODE, synonyms).hits]

    return run


def plain(
    build: Callable[[list[Product], Path], baselines.Searcher],
) -> Callable[[list[Product], Path], Runner]:
    def make(products: list[Product], folder: Path) -> Runner:
        searcher = build(products, folder)
        return lambda query: searcher(query.text, query.category, query.in_stock)

    return make


ENGINES: dict[str, Callable[[list[Product], Path], Runner]] = {
    "microindex": microindex,
    "tantivy-bm25": plain(lambda p, f: baselines.plain_tantivy(p, f, fuzzy=False)),
    "tantivy-fuzzy": plain(lambda p, f: baselines.plain_tantivy(p, f, fuzzy=True)),
    "fts5-or": plain(lambda p, f: baselines.fts5(p, f, conjunctive=False)),
    "fts5-and": plain(lambda p, f: baselines.fts5(p, f, conjunctive=True)),
    "whoosh": plain(baselines.whoosh),
}
RELEVANCE = ("microindex", "tantivy-bm25", "tantivy-fuzzy")
P99_TARGET_MS = 10.0  # issue 4: in-process, 100,000 products, facets, typos, in-stock filter
RATIO_TARGET = 2.0  # ...and within 2x of plain tantivy on the same queries
BUILD_TARGET = 3.0  # an index build within 3x of plain tantivy's on the same documents
# Made before an engine's build is timed: what it builds from, beyond the products.
PREPARE: dict[str, Callable[[list[Product], Path], None]] = {
    "microindex": catalog_database,
    "no facets": catalog_database,
}
# The engines judged side by side; "without facets" does what the plain engines do (they count
# no facets): shown beside the target, which is judged with facets, as a shopper's search has.
SIDE_BY_SIDE: dict[str, Callable[[list[Product], Path], Runner]] = {
    "microindex": microindex,
    "no facets": lambda p, f: microindex(p, f, facets=False),
    "tantivy-bm25": ENGINES["tantivy-bm25"],
    "tantivy-fuzzy": ENGINES["tantivy-fuzzy"],
}


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB
    return 0


def measure(
    name: str, products: list[Product], mix: list[Query], items: list[tuple[str, str, str]]
) -> dict[str, Any]:
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak to what we have now
    base = _status("VmRSS")
    folder = baselines.temporary(name)
    PREPARE.get(name, _nothing)(products, folder)
    started = time.perf_counter()
    run = ENGINES[name](products, folder)
    built = time.perf_counter() - started
    for query in mix[:50]:
        run(query)  # warm up
    times: dict[str, list[float]] = defaultdict(list)
    for query in mix:
        t0 = time.perf_counter()
        run(query)
        times[query.kind].append((time.perf_counter() - t0) * 1000)
    result: dict[str, Any] = {
        "build_s": round(built, 2),
        "size_mb": _size(folder),
        "latency_ms": _latency(times),
    }
    if name in RELEVANCE:
        result["relevance"] = _relevance(run, items)
    result["peak_mb"] = round((_status("VmHWM") - base) / 1024, 1)
    shutil.rmtree(folder, ignore_errors=True)
    return result


def _nothing(products: list[Product], folder: Path) -> None:
    """Plain engines build from the products alone."""


def _size(folder: Path) -> float:
    """The index's size: the node database microindex builds from left out."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(CATALOG_FILE)]
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)


def _latency(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    every = [t for kind in times.values() for t in kind]
    summary = {kind: _percentiles(values) for kind, values in sorted(times.items())}
    summary["all"] = _percentiles(every)
    return summary


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": round(statistics.median(ordered), 3), "p99": round(p99, 3), "n": len(ordered)}


def _relevance(run: Runner, items: list[tuple[str, str, str]]) -> dict[str, dict[str, float]]:
    found: dict[str, list[int]] = defaultdict(list)  # form -> rank (0: missed)
    for form, text, sku in items:
        hits = run(Query(form, text))[:10]
        found[form].append(hits.index(sku) + 1 if sku in hits else 0)
    return {
        form: {
            "success@10": round(sum(1 for r in ranks if r) / len(ranks), 3),
            "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3),
            "n": len(ranks),
        }
        for form, ranks in sorted(found.items())
    }


def in_child(name: str, *args: Any) -> dict[str, Any]:
    """Run `measure` in a forked process so memory and files are the engine's own."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            payload = json.dumps(measure(name, *args)).encode()
        except Exception as error:  # noqa: BLE001 - report any engine's failure, keep going
            payload = json.dumps({"error": repr(error)}).encode()
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result: dict[str, Any] = json.loads(data)
    return result


def side_by_side(products: list[Product], mix: list[Query]) -> dict[str, dict[str, Any]]:
    """Build the engines in this process (timed), then run every query on each in turn."""
    runners: dict[str, Runner] = {}
    folders: list[Path] = []
    built: dict[str, float] = {}
    built_cpu: dict[str, float] = {}  # the process's CPU, tantivy's indexing threads included
    read_cpu = 0.0
    for name, engine in SIDE_BY_SIDE.items():
        folders.append(baselines.temporary(name.replace(" ", "-")))
        PREPARE.get(name, _nothing)(products, folders[-1])
        if name == "microindex":  # the page cache warm for its build, as for the others
            read_cpu = catalog_read_cpu(folders[-1])
        started, started_cpu = time.perf_counter(), time.process_time()
        runners[name] = engine(products, folders[-1])
        built[name] = time.perf_counter() - started
        built_cpu[name] = time.process_time() - started_cpu
    for query in mix[:50]:
        for run in runners.values():
            run(query)  # warm up
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    names = list(runners)
    for i, query in enumerate(mix):
        for name in names[i % len(names) :] + names[: i % len(names)]:  # each goes first in turn
            w0, c0 = time.perf_counter(), time.thread_time()
            runners[name](query)
            cpu[name].append((time.thread_time() - c0) * 1000)
            wall[name].append((time.perf_counter() - w0) * 1000)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    figures = {
        name: {
            "build_s": round(built[name], 2),
            "build_cpu_s": round(built_cpu[name], 2),
            "wall_ms": _percentiles(wall[name]),
            "cpu_ms": _percentiles(cpu[name]),
        }
        for name in names
    }
    figures["microindex"]["catalog_read_cpu_s"] = round(read_cpu, 2)
    return figures


def report_side_by_side(figures: dict[str, dict[str, Any]]) -> None:
    print("\nside by side in one process, each query on each engine in turn (ms):")
    print(
        f"{'engine':<14}{'build s':>9}{'build cpu':>10}"
        f"{'wall p50':>10}{'wall p99':>10}{'cpu p50':>9}{'cpu p99':>9}"
    )
    for name, r in figures.items():
        w, c = r["wall_ms"], r["cpu_ms"]
        print(
            f"{name:<14}{r['build_s']:>9}{r['build_cpu_s']:>10}"
            f"{w['p50']:>10}{w['p99']:>10}{c['p50']:>9}{c['p99']:>9}"
        )
    mine, fuzzy = figures["microindex"], figures["tantivy-fuzzy"]
    ratios = {
        f"{clock} {p}": mine[clock][p] / max(fuzzy[clock][p], 1e-6)
        for clock in ("wall_ms", "cpu_ms")
        for p in ("p50", "p99")
    }
    build = mine["build_s"] / max(fuzzy["build_s"], 1e-6)
    build_cpu = mine["build_cpu_s"] / max(fuzzy["build_cpu_s"], 1e-6)
    print("microindex / tantivy fuzzy: " + ", ".join(f"{k} {v:.1f}x" for k, v in ratios.items()))
    bare = figures["no facets"]["cpu_ms"]
    print(
        "without facets (as the plain engines): "
        + ", ".join(
            f"cpu_ms {p} {bare[p] / max(fuzzy['cpu_ms'][p], 1e-6):.1f}x" for p in ("p50", "p99")
        )
    )
    read = mine.get("catalog_read_cpu_s", 0.0)
    indexing = (mine["build_cpu_s"] - read) / max(fuzzy["build_cpu_s"], 1e-6)
    print(
        f"build (`search rebuild`): wall {build:.1f}x, CPU {build_cpu:.1f}x; of its CPU, "
        f"{read} s read the catalog from SQLite: the index alone {indexing:.1f}x"
    )
    # Judged on wall time and CPU time both: on a loaded machine the wall ratios flatter (the
    # plain engines wait on the same neighbours), as a build of 2.8x wall at 6.0x CPU did.
    within = all(r <= RATIO_TARGET for r in ratios.values())
    print(
        f"targets: p50 and p99 within {RATIO_TARGET:g}x of tantivy fuzzy (wall and CPU) "
        f"{_met(within)}; build within {BUILD_TARGET:g}x (wall {build:.1f}x, CPU "
        f"{build_cpu:.1f}x) {_met(max(build, build_cpu) <= BUILD_TARGET)}"
    )


def report(results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{'engine':<14}{'build s':>9}{'size MB':>9}{'peak MB':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<14} failed: {r['error']}")
            continue
        a = r["latency_ms"]["all"]
        print(
            f"{name:<14}{r['build_s']:>9}{r['size_mb']:>9}{r['peak_mb']:>9}"
            f"{a['p50']:>9}{a['p99']:>9}"
        )
    mine, base = results.get("microindex", {}), results.get("tantivy-bm25", {})
    if "latency_ms" in mine:
        print("\nmicroindex by query kind (ms):")
        for kind, v in mine["latency_ms"].items():
            print(f"  {kind:<12} p50 {v['p50']:>7}  p99 {v['p99']:>7}  n={v['n']}")
    if "latency_ms" in mine and "latency_ms" in base:
        m, b = mine["latency_ms"]["all"], base["latency_ms"]["all"]
        p50, p99 = m["p50"] / b["p50"], m["p99"] / b["p99"]
        print(f"\nratio microindex / plain tantivy: p50 {p50:.1f}x, p99 {p99:.1f}x")
        print(
            f"targets: p99 under {P99_TARGET_MS:g} ms {_met(m['p99'] < P99_TARGET_MS)}, "
            f"within {RATIO_TARGET:g}x of plain tantivy at p50 {_met(p50 <= RATIO_TARGET)}, "
            f"at p99 {_met(p99 <= RATIO_TARGET)}"
        )
    print("\nknown-item retrieval (success@10 / MRR):")
    for name in RELEVANCE:
        for form, v in results.get(name, {}).get("relevance", {}).items():
            print(f"  {name:<14} {form:<8} {v['success@10']:.3f} / {v['mrr']:.3f}  n={v['n']}")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--per-kind", type=int, default=200, help="queries per kind")
    parser.add_argument("--known-items", type=int, default=400)
    parser.add_argument("--no-whoosh", action="store_true")
    parser.add_argument(
        "--side-by-side-only", action="store_true", help="only the one-process comparison"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    started = time.perf_counter()
    products = generate(args.products)
    mix = query_mix(products, min(args.per_kind, args.products // 2))
    items = known_items(products, min(args.known_items, args.products))
    print(
        f"{len(products)} products generated in {time.perf_counter() - started:.1f} s; "
        f"{len(mix)} queries ({sum(q.kind == 'wands' for q in mix)} WANDS), "
        f"{len(items)} known-item queries"
    )
    results: dict[str, dict[str, Any]] = {}
    for name in ENGINES:
        if (name == "whoosh" and args.no_whoosh) or args.side_by_side_only:
            continue
        results[name] = in_child(name, products, mix, items)
        print(f"  {name} done", flush=True)
    if results:
        report(results)
    together = side_by_side(products, mix)
    report_side_by_side(together)
    if args.json:
        payload = {"products": len(products), **results, "side_by_side": together}
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
