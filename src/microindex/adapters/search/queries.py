"""A search plan as a tantivy query, built from terms: no user text reaches a query parser."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

import tantivy
from tantivy import Occur, Query

from microindex.adapters.search import schema as f
from microindex.adapters.search.clauses import match_clause, term_clause
from microindex.adapters.search.vocabulary import Vocabulary
from microindex.domain.search.facets import (
    ATTRIBUTE_VALUES,
    BRAND_VALUES,
    CATEGORY_VALUES,
    PriceBand,
    attribute_key,
)
from microindex.domain.search.query import QueryTerm, takes_typos
from microindex.domain.search.ranking import CODE_BOOST
from microindex.domain.search.request import Filters
from microindex.service.search import SearchPlan

ATTRIBUTE_PREFIX = "attribute:"
CATEGORIES, BRANDS = "categories", "brands"  # aggregations' names
FEW_VALUES = 16  # up to this many values, a filter is a union of term queries


def text_query(
    schema: tantivy.Schema,
    vocabulary: Vocabulary,
    plan: SearchPlan,
    loose: frozenset[str],
    scored: bool = True,
) -> Query:
    clause = term_clause if scored else match_clause

    def made(term: QueryTerm) -> Query:
        typos = term.text in loose
        return vocabulary.clause(
            (scored, term, typos), lambda: clause(schema, vocabulary, term, typos)
        )

    clauses = [made(t) for t in plan.query.terms]
    words: Query | None = None
    if clauses and plan.must_match >= len(clauses):
        words = Query.boolean_query([(Occur.Must, c) for c in clauses])
    elif clauses:
        words = _relaxed(vocabulary, plan, clauses)
    codes = [t for c in plan.query.codes for t in f.code_terms(c)]
    if not codes:
        return words if words is not None else Query.all_query()
    lookup = Query.boost_query(any_of(schema, f.CODES, codes), CODE_BOOST)
    if words is None:
        return lookup
    return Query.boolean_query([(Occur.Should, lookup), (Occur.Should, words)])


def _relaxed(vocabulary: Vocabulary, plan: SearchPlan, clauses: list[Query]) -> Query:
    """All but `len(terms) - must_match` of the words, not counting dense ones ("with", "and"):
    alone they would match most of the catalog, so once a word may go they only add to the
    score."""
    dense = [vocabulary.dense(f.ALL, t.text) for t in plan.query.terms]
    counted = [(Occur.Should, c) for c, d in zip(clauses, dense, strict=True) if not d]
    if not counted:
        return Query.boolean_query([(Occur.Should, c) for c in clauses], max(plan.must_match, 1))
    may_go = len(clauses) - plan.must_match
    some = Query.boolean_query(counted, max(len(counted) - may_go, 1))
    extra = [(Occur.Should, c) for c, d in zip(clauses, dense, strict=True) if d]
    return Query.boolean_query([(Occur.Must, some), *extra]) if extra else some


def filter_queries(
    schema: tantivy.Schema,
    vocabulary: Vocabulary,
    filters: Filters,
    stocked_at: frozenset[str] | None,
) -> list[Query]:
    found: list[Query] = []
    if stocked_at is not None:
        found.append(any_of(schema, f.STOCKED_AT, sorted(stocked_at)))
    elif filters.in_stock:
        found.append(Query.term_query(schema, f.STOCKED, 1))
    if filters.price_min is not None or filters.price_max is not None:
        low = float(filters.price_min) if filters.price_min is not None else None
        high = float(filters.price_max) if filters.price_max is not None else None
        found.append(
            Query.range_query(schema, f.PRICE, tantivy.FieldType.Float, low, high, True, True)
        )
    if filters.categories:
        found.append(any_of(schema, f.CATEGORY, filters.categories))
    if filters.brands:
        found.append(any_of(schema, f.BRAND, filters.brands))
    by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, value in filters.attributes:
        by_name[name.strip().lower()].append((name, value))
    for name, pairs in by_name.items():
        found.append(attribute_filter(schema, vocabulary, name, pairs))
    return found


def attribute_filter(
    schema: tantivy.Schema, vocabulary: Vocabulary, name: str, pairs: list[tuple[str, str]]
) -> Query:
    """Documents holding any of `pairs` (of the folded `name`): in the name's facet column
    (its last value that is not blank), or as a filter term (`schema.ATTRIBUTE`: blanks and
    earlier values), looked up only when the index holds it."""
    keys = [attribute_key(n, v) for n, v in pairs]
    kept = list(dict.fromkeys(k for _, v in pairs if (k := v.strip())))
    extra = [k for k in keys if vocabulary.freq(f.ATTRIBUTE, k)]
    found = [any_of(schema, f"{f.ATTRIBUTES}.{f.attribute_column(name)}", kept)] if kept else []
    if extra:
        found.append(any_of(schema, f.ATTRIBUTE, extra))
    if len(found) == 1:
        return found[0]
    if found:
        return Query.boolean_query([(Occur.Should, q) for q in found])
    return any_of(schema, f.ATTRIBUTE, keys)  # matches nothing, as the index holds none


def any_of(schema: tantivy.Schema, field: str, values: Sequence[str]) -> Query:
    """Documents holding any of `values` in `field`. A term query (or a few of them) can skip
    through its postings when intersected with the words; a term set reads every posting of
    every value into a bitset first, which cost a filtered search twice the time (a node's
    in-stock filter holds a third of the catalog). Sets stay for long lists of values."""
    if len(values) == 1:
        return Query.term_query(schema, field, values[0])
    if len(values) <= FEW_VALUES:
        return Query.boolean_query(
            [(Occur.Should, Query.term_query(schema, field, v)) for v in values]
        )
    return Query.term_set_query(schema, field, list(values))


def plan_query(
    schema: tantivy.Schema,
    vocabulary: Vocabulary,
    plan: SearchPlan,
    loose: frozenset[str],
    scored: bool = True,
) -> Query:
    """The plan's documents, ranked when `scored`; unscored it is a narrower query that
    matches exactly the same documents (for counts and facets, where only the set matters)."""
    main = text_query(schema, vocabulary, plan, loose, scored)
    filters, stocked_at = plan.request.filters, plan.stocked_at
    quiet = vocabulary.clause(  # made once: every step of a search, and its facets, ask again
        (filters, stocked_at),
        lambda: [
            (Occur.Must, Query.const_score_query(q, 0.0))
            for q in filter_queries(schema, vocabulary, filters, stocked_at)
        ],
    )
    return Query.boolean_query([(Occur.Must, main), *quiet]) if quiet else main


def without_typos(plan: SearchPlan, gone: frozenset[str]) -> SearchPlan:
    """The plan with the words whose typos find nothing (`gone`) looked up within no edit:
    their clauses keep their place and kind, so every score is summed as before, bit for
    bit, and match nothing as before, without building a typo automaton (ADR 0047)."""
    if not gone:
        return plan
    terms = tuple(replace(t, typos=0) if t.text in gone else t for t in plan.query.terms)
    return replace(plan, query=replace(plan.query, terms=terms))


def unknown_words(
    vocabulary: Vocabulary, plan: SearchPlan, relaxed: bool
) -> tuple[frozenset[str], int]:
    """The words the index lacks in every form: those looked up with typos ("mugs": mug), and
    how many of the others can match nothing at all (no typos at this step, no completion),
    as the term dictionary says. A step that needs more words than can match finds nothing
    without asking the engine; a code typed may match (ADR 0047)."""
    loose: set[str] = set()
    unmatched = 0
    for term in plan.query.terms:
        if any(vocabulary.freq(f.ALL, w) for w in (term.text, *term.alternatives)):
            continue
        if takes_typos(term, relaxed):
            loose.add(term.text)
        elif not term.prefix or vocabulary.completions(f.ALL, term.text) == ():
            unmatched += 1
    return frozenset(loose), 0 if plan.query.codes else unmatched


@lru_cache(maxsize=64)
def facet_request(
    bands: tuple[PriceBand, ...], names: tuple[str, ...], fixed: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Aggregations named "categories", "brands", "prices" and "attribute:<name>" (made once
    per bands, names and the facets `fixed` by a filter, which are left out: the engine only
    reads it). Prices are counted by band position (`schema.PRICE_BAND`) when `bands` are
    those the index holds, else by range, keyed by each band's label."""
    request: dict[str, Any] = {}
    if CATEGORIES not in fixed:
        request[CATEGORIES] = {"terms": {"field": f.CATEGORY, "size": CATEGORY_VALUES}}
    if BRANDS not in fixed:
        request[BRANDS] = {"terms": {"field": f.BRAND, "size": BRAND_VALUES}}
    for name in names:
        column = f"{f.ATTRIBUTES}.{f.attribute_column(name)}"
        # one more: a column's `NO_VALUE` bucket may be among them (facets leave it out)
        values = {"field": column, "size": ATTRIBUTE_VALUES + 1}
        request[ATTRIBUTE_PREFIX + name] = {"terms": values}
    # The column of band positions the index holds: half the cost of the ranges.
    if bands is f.BANDED or bands == f.BANDED:
        request["prices"] = {"terms": {"field": f.PRICE_BAND, "size": len(bands)}}
        return request
    ranges = []
    for band in bands:
        edge: dict[str, Any] = {"key": band.label}
        if band.low is not None:
            edge["from"] = float(band.low)
        if band.high is not None:
            edge["to"] = float(band.high)
        ranges.append(edge)
    if ranges:  # tantivy wants at least one range
        request["prices"] = {"range": {"field": f.PRICE, "ranges": ranges}}
    return request
