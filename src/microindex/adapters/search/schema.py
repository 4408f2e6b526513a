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

import json
import marshal
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from functools import lru_cache

import tantivy

from microindex.domain.search.facets import (
    DEFAULT_BANDS,
    attribute_key,
    band_of,
    facet_attributes,
    facet_names,
)
from microindex.domain.search.ranking import FIELD_WEIGHTS
from microindex.domain.search.searched import Searched
from microindex.domain.search.text import index_words, plain_words
from microindex.service.search import EngineHit, IndexEntry

# 4: codes joined and split (`index_words`); 5: stored-only data; 6: plain text split by the
# analyzer, no description field (scored in `all`), stored data by marshal; 7: dense facet
# columns, attribute names not searched; 8: no digest (the stored data holds the product's
# indexed values, compared as they are), the SKU not stored; 9: the price's band as a column;
# 10: the SKU one term, in `codes` (ADR 0043); 13: the price a column only, not indexed (ADR 0048);
# 14: a product's attribute names one term (ADR 0049); 15: the category and brand members of the
# facet column (`attributes_f`), not fields of their own (ADR 0070)
SCHEMA_VERSION = "15"
ANALYZER = "microindex_terms"
ALL = "all"  # every text field together: where typos and prefixes are looked up
# The field each weighed part of a product is scored in. The description is scored in `all`,
# which holds it beside the short parts: a field of its own cost a build a third more, and it
# ranked the same (a word of the short parts is weighed higher in its own field anyway).
# `all` holding the description alone saved a build about 1 µs a product and cost searches a
# third more CPU: each word's typos, prefix and matches looked in five fields (ADR 0043).
SHORT_FIELDS = ("title", "brand", "category", "attributes")  # each in a field of its own
WEIGHED_IN = {name: name if name in SHORT_FIELDS else ALL for name in FIELD_WEIGHTS}
# The product's codes, exact lookups and replacing a document: its SKU as it is (letters, digits
# and `._-/`, starting with a letter or digit), the GTIN-14 after `GTIN_MARK`, and when the SKU
# mixes cases its lower case after `FOLDED_MARK` (an SKU of one case is looked up as typed, in
# upper case and in lower case). The marks keep a GTIN or a folded SKU from ever being another
# product's SKU, so deleting by SKU deletes that product alone.
CODES = "codes"
GTIN_MARK, FOLDED_MARK = "#", "~"
STOCKED_AT = "stocked_at"  # node codes with on-hand > 0
STOCKED = "stocked"  # 1 when on hand at any node (none otherwise: only 1 is looked up)
# Filters (`colour=navy`) find a product's attribute in its facet column (`ATTRIBUTES`, indexed),
# which holds each folded name's last value that is not blank; this field holds the terms of
# the rest alone (`attribute_key`): blank values and a name's earlier values. A term a pair
# cost a build about 5% (ADR 0049).
ATTRIBUTE = "attribute_f"
# Facets: {hex(name): value}, a single-valued column per attribute name (counting a multi-valued
# `name=value` column was five times slower), and the names, to know which columns there are:
# one term a product, its set of faceted names (`names_term`), whose products are the term's
# count; a term a name cost a build three terms a product more (ADR 0049).
ATTRIBUTES, ATTRIBUTE_NAMES = "attributes_f", "attribute_names"
# The category and brand (facets and filters, as typed) are members of the facet column too, under
# keys no attribute's column can be (those are hex), left out when blank: tantivy takes two more
# members of the one JSON text for less than two fields of their own, about 1 µs a product of
# the build's 33 (ADR 0070). Filters and facets name them by path, as an attribute's column.
CATEGORY_KEY, BRAND_KEY = "category", "brand"
CATEGORY, BRAND = f"{ATTRIBUTES}.{CATEGORY_KEY}", f"{ATTRIBUTES}.{BRAND_KEY}"
# A product without a value for a faceted name holds this in its column (never a value: blanks
# are left out), so each column is dense: counting a column a third of the products have took
# five times as long as counting one they all have. Facets leave its bucket out.
NO_VALUE = ""
# The effective price (the sale price when there is one): a column only, which filters (a range
# query over a fast field reads the column), sorts and counts facets; indexing it too cost a
# build a term a product that no query read (ADR 0048).
PRICE = "price"
# The band of `price_bands()` (the default edges) holding the effective price, by position:
# facets count it as a terms column, half the cost of a range aggregation over the prices.
PRICE_BAND = "price_band"
BANDED = DEFAULT_BANDS  # the bands `PRICE_BAND` holds positions in
DATA = "data"  # stored only: (`searched(product)`, {node: on-hand})
# The stored data's format: marshal's format 2 of strings, tuples and a dict, which this index
# alone writes and reads (a third of JSON's cost each way, and every hit shown is read);
# version 2 writes values, never references to objects.
MARSHAL_FORMAT = 2
# What the index holds of a product (`searched`): its document is made of these values alone
# (and its stock), and a hit shows them, so a product whose values are unchanged needs no new
# document (`TantivyIndex.differing`). Strings, tuples and None, which marshal writes as they are.
Held = Searched


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
    # Stored only: a text field is always indexed, and indexing each document's JSON as one
    # term cost a build more than every word of the text fields.
    builder.add_bytes_field(DATA, stored=True)
    for name in (*SHORT_FIELDS, ALL):
        builder.add_text_field(name, tokenizer_name=ANALYZER, index_option="freq")
    builder.add_text_field(CODES, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(STOCKED_AT, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field(STOCKED, indexed=True)
    for name in (ATTRIBUTE, ATTRIBUTE_NAMES):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_json_field(ATTRIBUTES, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_float_field(PRICE, fast=True)
    builder.add_unsigned_field(PRICE_BAND, fast=True)
    return builder.build()


@lru_cache(maxsize=4096)  # a catalog has few attribute names, each on many products
def attribute_column(name: str) -> str:
    """A JSON key that no attribute name can break (dots would nest)."""
    return name.encode().hex()


def register_analyzer(index: tantivy.Index) -> None:
    analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
    index.register_tokenizer(ANALYZER, analyzer)


def document(entry: IndexEntry, columns: Collection[str] = ()) -> tantivy.Document:
    """`columns`: the JSON keys (`attribute_column`) of the attribute names given a facet
    column whether the product has them or not (`NO_VALUE`), the catalog's commonest
    (`facet_columns`)."""
    return Documents(columns).make(entry)


class Documents:
    """Makes a batch's documents. Products share attributes (`colour` `navy` on many) and
    prices, so each name and value's filter term, facet name and column, and each price's
    column values, are worked out once a batch. The facet columns go to tantivy as JSON text
    joined from each pair's remembered member: it reads text for half what a dict costs it."""

    def __init__(self, columns: Collection[str]) -> None:
        self._columns = columns
        # (name, value) -> its filter term, folded name (None: blank), facet column member
        self._pairs: dict[tuple[str, str], tuple[str, str | None, str]] = {}
        # the faceted names a product has -> (the members of the columns it has no value for,
        # its `ATTRIBUTE_NAMES` term)
        self._named: dict[tuple[str, ...], tuple[list[str], str]] = {}
        self._prices: dict[str, tuple[float, int]] = {}  # price -> (price, band)
        self._labels: dict[tuple[str, str], str] = {}  # (key, category or brand) -> its member

    def make(self, entry: IndexEntry) -> tantivy.Document:
        values = entry.values
        sku, gtin, title, brand, category, description, price, _, attributes, tags = values
        doc = tantivy.Document()
        add = doc.add_text
        add(CODES, sku)
        folded = sku.lower()
        if folded != sku and sku.upper() != sku:
            add(CODES, FOLDED_MARK + folded)
        if gtin:
            add(CODES, GTIN_MARK + gtin)
        described = [v for _, v in attributes]  # the attributes' words
        if tags:
            described += tags
        _add_words(doc, title, brand, category, " ".join(described), description)
        stock = {node: qty for node, qty in entry.stock.items() if qty > 0} if entry.stock else {}
        if stock:
            for node in sorted(stock):
                add(STOCKED_AT, node)
            doc.add_unsigned(STOCKED, 1)
        made, labels = self._labels, []
        if category:
            labels.append(made.get((CATEGORY_KEY, category)) or self._label(CATEGORY_KEY, category))
        if brand:
            labels.append(made.get((BRAND_KEY, brand)) or self._label(BRAND_KEY, brand))
        self._add_attributes(doc, attributes, labels)
        amount, band = self._prices.get(price) or self._price(price)
        doc.add_float(PRICE, amount)
        doc.add_unsigned(PRICE_BAND, band)
        doc.add_bytes(DATA, marshal.dumps((values, stock), MARSHAL_FORMAT))
        return doc

    def _price(self, price: str) -> tuple[float, int]:
        made = self._prices[price] = (float(price), band_of(Decimal(price)))
        return made

    def _label(self, key: str, value: str) -> str:
        made = self._labels[key, value] = _member(key, value)
        return made

    def _add_attributes(
        self, doc: tantivy.Document, attributes: tuple[tuple[str, str], ...], labels: list[str]
    ) -> None:
        """The facet columns (with the category and brand members, `labels`), the faceted names,
        and the filter terms the columns lack."""
        pairs, members = self._pairs, {}
        add = doc.add_text
        for pair in attributes:
            _, name, member = pairs.get(pair) or self._pair(pair)
            if name is not None:  # as `facet_attributes`: the last value of a name counts
                members[name] = member
        if len(members) < len(attributes):  # a blank, or a name given twice
            for pair in attributes:
                term, name, member = pairs[pair]
                if name is None or members[name] != member:
                    add(ATTRIBUTE, term)
        named = tuple(members)
        defaults, names = self._named.get(named) or self._names(named)
        if members:
            add(ATTRIBUTE_NAMES, names)
        if members or defaults or labels:
            doc.add_json(ATTRIBUTES, "{" + ",".join([*labels, *members.values(), *defaults]) + "}")

    def _names(self, named: tuple[str, ...]) -> tuple[list[str], str]:
        """The members (`NO_VALUE`) of the batch's columns a product with these names lacks,
        and its `ATTRIBUTE_NAMES` term."""
        own = {attribute_column(name) for name in named}
        defaults = [_member(column, NO_VALUE) for column in self._columns if column not in own]
        made = self._named[named] = (defaults, names_term(named))
        return made

    def _pair(self, pair: tuple[str, str]) -> tuple[str, str | None, str]:
        name, value = pair
        faceted = facet_attributes((pair,))
        folded, kept = next(iter(faceted.items()), (None, ""))
        member = "" if folded is None else _member(attribute_column(folded), kept)
        made = self._pairs[pair] = (attribute_key(name, value), folded, member)
        return made


def names_term(names: Iterable[str]) -> str:
    """A product's `ATTRIBUTE_NAMES` term: its faceted names, as a JSON list in order."""
    return json.dumps(sorted(names))


def named_products(terms: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """(name, products having it) of the `ATTRIBUTE_NAMES` terms and their counts."""
    counts: Counter[str] = Counter()
    for term, products in terms:
        for name in json.loads(term):
            counts[name] += products
    return list(counts.items())


def _member(key: str, value: str) -> str:
    """One member of a JSON object, `"key":"value"`."""
    return f"{json.dumps(key)}:{json.dumps(value)}"


def _add_words(
    doc: tantivy.Document, title: str, brand: str, category: str, described: str, description: str
) -> None:
    """The text fields: the short parts each in its own, and everything in `all`."""
    every = f"{title} {brand} {category} {described} {description}"
    if plain_words(every):  # then so is each part: one look for the five
        short = (title.lower(), brand.lower(), category.lower(), described.lower())
        every = every.lower()
    else:
        short = (
            _indexed(title),
            _short_indexed(brand),
            _short_indexed(category),
            _short_indexed(described),
        )
        every = " ".join((*short, _indexed(description)))
    for name, words in zip(SHORT_FIELDS, short, strict=True):
        doc.add_text(name, words)
    doc.add_text(ALL, every)


def code_terms(code: str) -> tuple[str, ...]:
    """The terms of `CODES` a code typed or scanned (`ParsedQuery.codes`) may be, whatever its
    case: an SKU as typed, in upper and lower case, folded; a GTIN-14."""
    folded = code.lower()
    terms = [code, code.upper(), folded, FOLDED_MARK + folded]
    if len(code) == 14 and code.isdigit():
        terms.append(GTIN_MARK + code)
    return tuple(dict.fromkeys(terms))


def facet_columns(
    entries: Sequence[IndexEntry], indexed: Iterable[tuple[str, int]]
) -> tuple[str, ...]:
    """The columns (`attribute_column`) every document of `entries` gets: of the attribute names
    that would get facets, counted over `entries` and what is `indexed` already ((name,
    products)). Each distinct set of attributes is looked at once."""
    counts: Counter[str] = Counter()
    for attributes, products in Counter(e.values[8] for e in entries).items():
        for name in facet_attributes(attributes):
            counts[name] += products
    counts.update(dict(indexed))
    return tuple(attribute_column(name) for name in facet_names(counts.items()))


@lru_cache(maxsize=4096)  # brands, categories and attribute values repeat across products
def _short_indexed(text: str) -> str:
    return _indexed(text)


def _indexed(text: str) -> str:
    """`text` as the analyzer is given it, to index `index_words(text)`."""
    return text.lower() if plain_words(text) else " ".join(index_words(text))


def hit_from_data(score: float, raw: bytes) -> EngineHit:
    return hit_of(score, hit_parts(raw))


HitParts = tuple[str, str, str, str, str, Decimal, str, dict[str, int], tuple[tuple[str, str], ...]]


def hit_parts(raw: bytes) -> HitParts:
    """What a hit shows of a stored document, but its score: (sku, title, brand, category,
    description, price, currency, stock, attributes)."""
    values, stock = marshal.loads(raw)
    sku, _, title, brand, category, description, price, currency, attributes, _ = values
    return (sku, title, brand, category, description, Decimal(price), currency, stock, attributes)


def hit_of(score: float, parts: HitParts) -> EngineHit:
    sku, title, brand, category, description, price, currency, stock, attributes = parts
    return EngineHit(
        sku, score, title, brand, category, description, price, currency, stock, attributes
    )


def held_in_data(raw: bytes) -> Held:
    values: Held = marshal.loads(raw)[0]
    return values
