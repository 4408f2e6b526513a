"""The tantivy schema and how an index entry becomes a document.

Text is indexed as the domain's `index_words`, so the index and the parser-free query builder
agree on every word. Plain text (`plain_words`: most titles and descriptions) goes in lower-cased
and tantivy's simple tokenizer splits it into its runs of letters and digits, as `index_words`
does; any other text is split by the domain first and goes in as its words (runs of letters and
digits too, which the tokenizer keeps whole). A regex tokenizer cost four times as much.
Attributes are searched by their values and tags; their names ("colour", "material") are in
most products, so as words they would match the whole catalog (ADR 0020).
"""

from __future__ import annotations

import marshal
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

import tantivy

from microindex.domain.search.facets import attribute_key, facet_attributes, facet_names
from microindex.domain.search.ranking import FIELD_WEIGHTS
from microindex.domain.search.text import index_words, plain_words
from microindex.service.search import EngineHit, IndexEntry

# 4: codes joined and split (`index_words`); 5: stored-only data; 6: plain text split by the
# analyzer, no description field (scored in `all`), stored data by marshal; 7: dense facet
# columns, attribute names not searched
SCHEMA_VERSION = "7"
ANALYZER = "microindex_terms"
ALL = "all"  # every text field together: where typos and prefixes are looked up
# The field each weighed part of a product is scored in. The description is scored in `all`,
# which holds it beside the short parts: a field of its own cost a build a third more, and it
# ranked the same (a word of the short parts is weighed higher in its own field anyway).
WEIGHED_IN = {name: ALL if name == "description" else name for name in FIELD_WEIGHTS}
TEXT_FIELDS = tuple(name for name in FIELD_WEIGHTS if WEIGHED_IN[name] == name)
CODES = "codes"  # the SKU (lower case) and the GTIN-14: exact lookups
STOCKED_AT = "stocked_at"  # node codes with on-hand > 0
STOCKED = "stocked"  # 1 when on hand at any node
CATEGORY, BRAND = "category_f", "brand_f"  # facets and filters
ATTRIBUTE = "attribute_f"  # filters: `colour=navy`
# Facets: {hex(name): value}, a single-valued column per attribute name (counting a multi-valued
# `name=value` column was five times slower), and the names, to know which columns there are.
ATTRIBUTES, ATTRIBUTE_NAMES = "attributes_f", "attribute_names"
# A product without a value for a faceted name holds this in its column (never a value: blanks
# are left out), so each column is dense: counting a column a third of the products have took
# five times as long as counting one they all have. Facets leave its bucket out.
NO_VALUE = ""
PRICE = "price"  # the effective price (the sale price when there is one)
SKU, DIGEST, DATA = "sku", "digest", "data"
# The stored data's format: marshal's format 2 of strings, numbers, tuples and a dict, which
# this index alone writes and reads (a third of JSON's cost each way, and every hit shown is
# read); version 2 writes values, never references to objects.
MARSHAL_FORMAT = 2


def schema_stamp(
    python: tuple[int, int] = (sys.version_info.major, sys.version_info.minor),
    marshal_version: int = marshal.version,
) -> str:
    """The name of an index's directory: its schema, and what reading its stored data needs.
    marshal's format may change between Python versions (it is no interchange format), so an
    index written by another Python or marshal is built again, like one of an older schema,
    rather than failing on its first hit."""
    return f"v{SCHEMA_VERSION}-py{python[0]}.{python[1]}-marshal{marshal_version}"


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(SKU, stored=True, tokenizer_name="raw")
    # Stored only: a text field is always indexed, and indexing each document's JSON as one
    # term cost a build more than every word of the text fields.
    builder.add_bytes_field(DIGEST, stored=True)
    builder.add_bytes_field(DATA, stored=True)
    for name in (*TEXT_FIELDS, ALL):
        builder.add_text_field(name, tokenizer_name=ANALYZER, index_option="freq")
    builder.add_text_field(CODES, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(STOCKED_AT, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field(STOCKED, indexed=True, fast=True)
    for name in (CATEGORY, BRAND):
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    for name in (ATTRIBUTE, ATTRIBUTE_NAMES):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_json_field(ATTRIBUTES, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_float_field(PRICE, indexed=True, fast=True)
    return builder.build()


@lru_cache(maxsize=4096)  # a catalog has few attribute names, each on many products
def attribute_column(name: str) -> str:
    """A JSON key that no attribute name can break (dots would nest)."""
    return name.encode().hex()


def register_analyzer(index: tantivy.Index) -> None:
    analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
    index.register_tokenizer(ANALYZER, analyzer)


def document(entry: IndexEntry, digest: str, columns: Collection[str] = ()) -> tantivy.Document:
    """`columns`: the attribute names given a facet column whether the product has them or not
    (`NO_VALUE`), the catalog's commonest (`facet_columns`)."""
    p = entry.product
    texts = {
        "title": p.title,
        "brand": p.brand,
        "category": p.category,
        "attributes": " ".join(v for _, v in p.attributes) + " " + " ".join(p.tags),
        "description": p.description,
    }
    doc = tantivy.Document()
    doc.add_text(SKU, p.sku.value)
    doc.add_bytes(DIGEST, digest.encode())
    every = " ".join(texts.values())
    if plain_words(every):  # then so is each part: one look for the five
        words = {name: text.lower() for name, text in texts.items()}
        every = every.lower()
    else:
        words = {name: _indexed(text) for name, text in texts.items()}
        every = " ".join(words.values())
    for name in TEXT_FIELDS:
        doc.add_text(name, words[name])
    doc.add_text(ALL, every)
    doc.add_text(CODES, p.sku.value.lower())
    if p.gtin:
        doc.add_text(CODES, p.gtin.digits)
    held = sorted(node for node, qty in entry.stock.items() if qty > 0)
    for node in held:
        doc.add_text(STOCKED_AT, node)
    doc.add_unsigned(STOCKED, 1 if held else 0)
    if p.category:
        doc.add_text(CATEGORY, p.category)
    if p.brand:
        doc.add_text(BRAND, p.brand)
    for name, value in p.attributes:
        doc.add_text(ATTRIBUTE, attribute_key(name, value))
    faceted = facet_attributes(p.attributes)
    for name in faceted:
        doc.add_text(ATTRIBUTE_NAMES, name)
    values = {attribute_column(n): v for n, v in faceted.items()}
    for name in columns:
        values.setdefault(attribute_column(name), NO_VALUE)
    if values:
        doc.add_json(ATTRIBUTES, values)
    doc.add_float(PRICE, float(p.effective_price()))
    doc.add_bytes(DATA, marshal.dumps(_data(entry), MARSHAL_FORMAT))
    return doc


def facet_columns(
    entries: Sequence[IndexEntry], indexed: Iterable[tuple[str, int]]
) -> tuple[str, ...]:
    """The attribute names every document of `entries` gets a column for: those that would get
    facets, counted over `entries` and what is `indexed` already ((name, products))."""
    counts = Counter(n for e in entries for n in facet_attributes(e.product.attributes))
    counts.update(dict(indexed))
    return facet_names(counts.items())


def _indexed(text: str) -> str:
    """`text` as the analyzer is given it, to index `index_words(text)`."""
    return text.lower() if plain_words(text) else " ".join(index_words(text))


def _data(entry: IndexEntry) -> tuple[Any, ...]:
    """What a hit shows, in `hit_from_data`'s order."""
    p = entry.product
    return (
        p.title,
        p.brand,
        p.category,
        p.description,
        str(p.effective_price()),
        p.price.currency,
        {node: qty for node, qty in entry.stock.items() if qty > 0},
        p.attributes,
    )


def hit_from_data(sku: str, score: float, raw: bytes) -> EngineHit:
    title, brand, category, description, price, currency, stock, attributes = marshal.loads(raw)
    return EngineHit(
        sku, score, title, brand, category, description, Decimal(price), currency, stock, attributes
    )
