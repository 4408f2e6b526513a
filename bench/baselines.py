"""The same queries on plain engines: tantivy BM25, tantivy fuzzy, Whoosh, SQLite FTS5."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tantivy

from bench.workload import words_of
from microindex.domain.product import Product

Searcher = Callable[[str], list[str]]  # query text -> top-10 SKUs


def plain_tantivy(products: list[Product], folder: Path, fuzzy: bool) -> Searcher:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("sku", stored=True, tokenizer_name="raw")
    builder.add_text_field("title")
    builder.add_text_field("description")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(200_000_000, 1)
    for p in products:
        writer.add_document(
            tantivy.Document(sku=p.sku.value, title=p.title, description=p.description)
        )
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

    def run(text: str) -> list[str]:
        words = words_of(text)
        if not words:
            return []
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, clause(w)) for w in words])
        hits = searcher.search(query, 10).hits
        return [str(searcher.doc(a).get_first("sku")) for _, a in hits]

    return run


def whoosh(products: list[Product], folder: Path) -> Searcher:
    from whoosh import fields, index, query  # type: ignore[import-untyped]

    schema = fields.Schema(sku=fields.ID(stored=True), title=fields.TEXT, description=fields.TEXT)
    ix = index.create_in(str(folder), schema)
    writer = ix.writer(limitmb=256)
    for p in products:
        writer.add_document(sku=p.sku.value, title=p.title, description=p.description)
    writer.commit()
    searcher = ix.searcher()

    def run(text: str) -> list[str]:
        words = words_of(text)
        if not words:
            return []
        terms = [query.Term(f, w) for w in words for f in ("title", "description")]
        return [hit["sku"] for hit in searcher.search(query.Or(terms), limit=10)]

    return run


def fts5(products: list[Product], folder: Path, conjunctive: bool) -> Searcher:
    conn = sqlite3.connect(str(folder / "fts.sqlite"))
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(sku UNINDEXED, title, description)")
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?)",
        [(p.sku.value, p.title, p.description) for p in products],
    )
    conn.commit()
    joiner = " AND " if conjunctive else " OR "

    def run(text: str) -> list[str]:
        words = words_of(text)
        if not words:
            return []
        match = joiner.join(f'"{w}"' for w in words)
        rows = conn.execute(
            "SELECT sku FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 4, 1) LIMIT 10",
            (match,),
        )
        return [r[0] for r in rows]

    return run


def temporary(name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    return folder
