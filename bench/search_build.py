"""Where `search rebuild`'s CPU goes, a product at a time, beside plain tantivy's whole build.

    PYTHONPATH=src .venv/bin/python -m bench.search_build                # 20,000 products, 5 runs
    PYTHONPATH=src .venv/bin/python -m bench.search_build --products 5000 --runs 3

Each part of the rebuild (`indexing.rebuild` from a node database, as `bench.search` builds
microindex) is timed apart in the same process as plain tantivy fuzzy's build
(`baselines.plain_tantivy`), and the least CPU (getrusage: every thread) of the runs is kept:
on a shared machine the least is the part's own cost. Then the tantivy part (the documents
added and committed, one indexing thread and a 200 MB heap, as the rebuild's) is run again with
each group of fields left out of every document, to show what each group costs the engine.

ADR 0040's figures (2026-12-07, 2 cores shared with four other helpers), 20,000 products,
microseconds of CPU a product, least of 5 runs; first a script timing the same parts on main
(load 5-8), then this bench (load 11-16):

| part | first | this bench | x plain |
|---|---|---|---|
| plain tantivy fuzzy: the whole build | 15.4-18.5 | 13.6 | 1.0 |
| the rebuild, on disk | 95-112 | 87.6 | 6.1-6.6 |
| SQLite: fetching the products' rows | 8.4 | 7.8 | 0.5-0.6 |
| the catalog read (`catalog.all()`: rows and `Product`s) | 23.0 | 17.7 | 1.2-1.3 |
| the entries and the batch's facet columns | 4.6 | 4.4 | 0.25-0.3 |
| the documents (`schema.Documents.make`, Python) | 30.9 | 33.7 | 1.7-2.5 |
| tantivy: `add_document` and the indexing thread | 21.7 | 15.4 | 1.1-1.2 |
| tantivy: the commit | 11.2 | 10.2 | 0.6-0.75 |

ADR 0043's figures (schema 10: the catalog read as each product's searched values straight from
its rows, no `Product`; the SKU one term), 20,000 products, µs a product, least of 3 runs, the
parent commit and this bench in turn, three rounds at load 6-12:

| part | before | after |
|---|---|---|
| plain tantivy fuzzy: the whole build | 11.4-12.9 | 11.8-15.0 |
| the rebuild, on disk | 57.5-76.6 | 55.9-75.7 |
| the rebuild / plain, by round | 5.06, 5.96, 5.15 | 4.73, 5.04, 4.09 |
| the catalog read (rows and `Product`s; now rows to values) | 13.7-17.7 | 7.9-8.6 |
| the documents (Python) | 24.3-25.9 | 19.3-28.8 |
| tantivy: `add_document` and the indexing thread | 14.7-15.8 | 13.2-19.2 |
| tantivy: the commit | 9.2-10.9 | 8.5-9.9 |

ADR 0048 (schema 13: the price a column only; prices and facet columns' JSON members remembered
a batch): 20,000 products, least of 3 runs, the parent commit and this branch in turn, load
3.8-5.4: the rebuild 42.4 and 48.0 us a product (4.86x, 4.94x plain) before, 38.6 and 37.8
(4.42x, 4.33x) after. From ADR 0048 on, the documents' part lets each document go when it is
made, as `upsert` does once it is added: kept in a list (as before), 20,000 documents cost 6 us
a product more of fresh memory than the rebuild pays (16.6 against 9.9, timed apart).

ADR 0049 (schema 14: a product's attribute names one term; filters read the facet column, the
filter field holds blanks and a name's earlier values alone): 20,000 products, least of 3 runs,
the parent commit and this branch in turn, load 3.2-3.6: the rebuild 40.6 and 36.5 us a product
(4.68x, 3.99x plain) before, 36.9 and 33.9 (4.52x, 3.96x) after; instructions (callgrind, 5,000
products, documents made, added and committed) 277,000 a product before, 255,500 after.

ADR 0063 (schema 14 unchanged: the rebuild with the cyclic collector paused, the catalog's JSON
lists read by the scanner alone, `plain_words` one search for an inner dot): 20,000 products,
least of 3 runs, main then this branch, load 12-13: the rebuild 44.6 and 35.4 us a product
(4.27x, 3.71x plain); instructions (callgrind, 5,000, the whole rebuild) 310,800 -> 300,600.

ADR 0070 (schema 15: the category and brand members of the facet column, no fields of their
own): tantivy's add and commit of the same documents 15.3 -> 14.2 us a product (20,000, least of
5); the rebuild 35.6 us (4.03x) beside main's 34.4 (3.93x) at load 5-7, within its spread.

The tantivy part less each group of fields (10,000 products, then 20,000): every field 25.4 /
26.4 µs; less `all` 7.0 / 9.0, the four short text fields 5.4 / 6.1, the stored data 4.4 /
4.9, the SKU and codes 4.2 / 4.5, the attribute facet columns (JSON) 2.8 / 4.1, the category and
brand facets 1.5 / 3.1, the attribute terms and names 1.2 / 2.6, the price and its band 0.6 /
2.1, the stock fields none measurable.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import tantivy

from bench import baselines
from bench.catalog import generate
from bench.search import CATALOG_FILE, catalog_database
from bench.workload import NODE, stocked
from microindex.adapters.search import schema as f
from microindex.adapters.search.tantivy_index import WRITER_HEAP, TantivyIndex
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.service.indexing import rebuild
from microindex.service.search import IndexEntry

# Groups of fields left out of every document, one group at a time.
GROUPS: dict[str, tuple[str, ...]] = {
    "every field": (),
    f"less {f.ALL}": (f.ALL,),
    "less the short text fields": f.SHORT_FIELDS,
    "less the stored data": (f.DATA,),
    "less the codes": (f.CODES,),
    "less the attribute columns, category, brand": (f.ATTRIBUTES,),
    "less attribute terms and names": (f.ATTRIBUTE, f.ATTRIBUTE_NAMES),
    "less price and band": (f.PRICE, f.PRICE_BAND),
    "less the stock fields": (f.STOCKED, f.STOCKED_AT),
}


def cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def without(made: Iterable[tantivy.Document], left_out: tuple[str, ...]) -> list[Any]:
    """The documents again, less the fields `left_out`."""
    adders: dict[str, Callable[[Any, str, Any], None]] = {
        f.PRICE: lambda d, k, v: d.add_float(k, v),
        f.PRICE_BAND: lambda d, k, v: d.add_unsigned(k, v),
        f.STOCKED: lambda d, k, v: d.add_unsigned(k, v),
        f.DATA: lambda d, k, v: d.add_bytes(k, bytes(v)),
        f.ATTRIBUTES: lambda d, k, v: d.add_json(k, v),
    }
    found = []
    for document in made:
        again = tantivy.Document()
        for name, values in document.to_dict().items():
            if name not in left_out:
                add = adders.get(name, lambda d, k, v: d.add_text(k, v))
                for value in values:
                    add(again, name, value)
        found.append(again)
    return found


def engine_cpu(documents: list[Any]) -> tuple[float, float]:
    """(CPU of adding `documents`, of the commit after)."""
    index = tantivy.Index(f.build_schema())
    f.register_analyzer(index)
    writer = index.writer(WRITER_HEAP, 1)
    started = cpu()
    for document in documents:
        writer.add_document(document)
    added = cpu()
    writer.commit()
    writer.wait_merging_threads()
    return added - started, cpu() - added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    n = args.products
    products = generate(n)
    stock = stocked(products)
    folder = Path(tempfile.mkdtemp(prefix="bench-search-build-"))
    catalog_database(products, folder)
    database = SqliteDatabase(folder / CATALOG_FILE)
    least: dict[str, float] = {}

    def keep(part: str, seconds: float) -> None:
        least[part] = min(least.get(part, seconds), seconds)

    for _ in range(args.runs):
        out = Path(tempfile.mkdtemp(prefix="bench-plain-"))
        started = cpu()
        baselines.plain_tantivy(products, out, fuzzy=True)
        keep("plain tantivy fuzzy: the whole build", cpu() - started)
        shutil.rmtree(out)
        out = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
        started = cpu()
        index = TantivyIndex(out / "index")
        rebuild(index, database, NODE)
        index.close()
        keep("the rebuild, on disk", cpu() - started)
        shutil.rmtree(out)
        conn = sqlite3.connect(folder / CATALOG_FILE)
        started = cpu()
        conn.execute("SELECT * FROM products ORDER BY sku").fetchall()
        keep("SQLite: fetching the rows", cpu() - started)
        conn.close()
        started = cpu()
        with database.reading() as uow:
            read = list(uow.catalog.searched())
        keep("the catalog read (rows to values)", cpu() - started)
        started = cpu()
        entries = [IndexEntry(v, stock.get(v[0], {})) for v in read]
        columns = f.facet_columns(entries, ())
        keep("the entries and facet columns", cpu() - started)
        started = cpu()
        documents = f.Documents(columns)
        for entry in entries:  # each let go when made, as `upsert` lets it go when added
            documents.make(entry)
        keep("the documents (Python)", cpu() - started)
        made = [documents.make(e) for e in entries]
        added, committed = engine_cpu(made)
        keep("tantivy: add_document, indexing", added)
        keep("tantivy: the commit", committed)
    plain = least["plain tantivy fuzzy: the whole build"]
    print(f"{n} products, least CPU of {args.runs} runs, a product:")
    for part, seconds in least.items():
        print(f"  {part:<40}{seconds / n * 1e6:8.1f} us{seconds / plain:7.2f}x plain")
    variants = {name: without(made, group) for name, group in GROUPS.items()}
    engine: dict[str, float] = {}
    for _ in range(args.runs):
        for name, variant in variants.items():
            seconds = sum(engine_cpu(variant))
            engine[name] = min(engine.get(name, seconds), seconds)
    print("tantivy (add and commit), each group of fields left out, a product:")
    for name, seconds in engine.items():
        saved = (engine["every field"] - seconds) / n * 1e6
        print(f"  {name:<40}{seconds / n * 1e6:8.1f} us  saves {saved:5.1f} us")
    database.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
