"""The same queries on plain engines: tantivy BM25, tantivy fuzzy, Whoosh, SQLite FTS5."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tantivy

from bench.workload import stocked, words_of
from microindex.domain.product import Product

# (query text, category filter, in stock at the bench's node only) -> top-10 SKUs. The same
# filters as microindex's queries: "the same queries" includes what they filter on.
Searcher = Callable[[str, str | None, bool], list[str]]


def plain_tantivy(products: list[Product], folder: Path, fuzzy: bool) -> Searcher:
    stock = stocked(products)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("sku", stored=True, tokenizer_name="raw")
    builder.add_text_field("title")
    builder.add_text_field("description")
    builder.add_text_field("category", tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("stocked", indexed=True)
    schema = builder.build()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(200_000_000, 1)
    for p in products:
        doc = tantivy.Document(
            sku=p.sku.value, title=p.title, description=p.description, category=p.category
        )
        doc.add_unsigned("stocked", 1 if p.sku.value in stock else 0)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def clause(word: str) -> Any:
        if fuzzy:
            return tantivy.Query.fuzzy_term_query(schema, "title", word, 1, True, False)
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(schema, "title", word)),
                (tantivy.Occur.Should, tantivy.Query.term_query(schema, "description", word)),
            ]
        )

    def run(text: str, category: str | None, in_stock: bool) -> list[str]:
        words = words_of(text)
        if not words:
            return []
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, clause(w)) for w in words])
        filters = []
        if category:
            filters.append(tantivy.Query.term_query(schema, "category", category))
        if in_stock:
            filters.append(tantivy.Query.term_query(schema, "stocked", 1))
        if filters:
            quiet = [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in filters]
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *quiet])
        hits = searcher.search(query, 10).hits
        return [str(searcher.doc(a).get_first("sku")) for _, a in hits]

    return run


def whoosh(products: list[Product], folder: Path) -> Searcher:
    from whoosh import fields, index, query

    stock = stocked(products)
    schema = fields.Schema(
        sku=fields.ID(stored=True),
        title=fields.TEXT,
        description=fields.TEXT,
        category=fields.ID,
        stocked=fields.ID,
    )
    ix = index.create_in(str(folder), schema)
    writer = ix.writer(limitmb=256)
    for p in products:
        writer.add_document(
            sku=p.sku.value,
            title=p.title,
            description=p.description,
            category=p.category,
            stocked="1" if p.sku.value in stock else "0",
        )
    writer.commit()
    searcher = ix.searcher()

    def run(text: str, category: str | None, in_stock: bool) -> list[str]:
        words = words_of(text)
        if not words:
            return []
        terms = [query.Term(f, w) for w in words for f in ("title", "description")]
        filters = [query.Term("category", category)] if category else []
        filters += [query.Term("stocked", "1")] if in_stock else []
        only = query.And(filters) if filters else None
        return [hit["sku"] for hit in searcher.search(query.Or(terms), limit=10, filter=only)]

    return run


def fts5(products: list[Product], folder: Path, conjunctive: bool) -> Searcher:
    stock = stocked(products)
    conn = sqlite3.connect(str(folder / "fts.sqlite"))
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING"
        " fts5(sku UNINDEXED, title, description, category UNINDEXED, stocked UNINDEXED)"
    )
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
        [
            (p.sku.value, p.title, p.description, p.category, int(p.sku.value in stock))
            for p in products
        ],
    )
    conn.commit()
    joiner = " AND " if conjunctive else " OR "

    def run(text: str, category: str | None, in_stock: bool) -> list[str]:
        words = words_of(text)
        if not words:
            return []
        match = joiner.join(f'"{w}"' for w in words)
        rows = conn.execute(
            "SELECT sku FROM docs WHERE docs MATCH ? AND (? IS NULL OR category = ?)"
            " AND (? = 0 OR stocked = 1) ORDER BY bm25(docs, 0, 4, 1) LIMIT 10",
            (match, category, category, int(in_stock)),
        )
        return [r[0] for r in rows]

    return run


def temporary(name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    return folder
