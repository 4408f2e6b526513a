"""One query term as a tantivy clause: scored (for the page) or matching only (for counts).

Both match exactly the same documents. The scored clause is a disjunction-max over the weighted
fields, the other forms, typos and the prefix being typed. Two things keep it cheap without
changing which documents match:

- forms the index lacks are left out, and a prefix with few completions becomes those words
  (a prefix automaton reads every posting of every completion before the first hit);
- a form held by most documents of a field (`Vocabulary.dense`: "in", "with", a template word
  of every description) is not weighed there: merging such long posting lists into the
  disjunction costs more than anything else in the query, and BM25 gives such a word almost
  nothing. The term then must match through its matching clause, and the sparse parts score.
"""

from __future__ import annotations

from collections.abc import Iterable

import tantivy
from tantivy import Occur, Query

from microindex.adapters.search import schema as f
from microindex.adapters.search.vocabulary import Vocabulary
from microindex.domain.search.query import QueryTerm
from microindex.domain.search.ranking import (
    ALTERNATIVE_SHARE,
    FIELD_WEIGHTS,
    PREFIX_SHARE,
    TYPO_SHARE,
)

TIE_BREAKER = 0.1  # a term found in several fields counts a little more than in one
# Typos and prefixes are looked up in the title (full weight) and everywhere else (low weight).
LOOSE_FIELDS = (("title", FIELD_WEIGHTS["title"]), (f.ALL, FIELD_WEIGHTS["description"]))
WEIGHTED_FIELDS = tuple(f.WEIGHED_IN[name] for name in FIELD_WEIGHTS)


def term_clause(
    schema: tantivy.Schema, vocabulary: Vocabulary, term: QueryTerm, loose: bool
) -> Query:
    """Exact and alternative forms in every weighted field; typos when `loose` (the index lacks
    the word: an indexed word means what it says, and skipping its expansions keeps queries
    fast), within `term.typos` edits (none for a word whose typos find nothing: ADR 0047);
    the prefix of the word being typed."""
    parts, dense = _weighted(schema, vocabulary, term)
    for field, weight in LOOSE_FIELDS:
        if loose:
            fuzzy = Query.fuzzy_term_query(schema, field, term.text, term.typos, True, False)
            parts.append(Query.boost_query(fuzzy, weight * TYPO_SHARE))
        if term.prefix:
            typed, too_many = _prefix(schema, vocabulary, field, term, weight * PREFIX_SHARE)
            dense = dense or too_many
            parts.extend(typed)
    if not dense:
        return Query.disjunction_max_query(parts, TIE_BREAKER) if parts else Query.empty_query()
    matched = Query.const_score_query(match_clause(schema, vocabulary, term, loose), 0.0)
    if not parts:
        return matched
    scored = Query.disjunction_max_query(parts, TIE_BREAKER)
    return Query.boolean_query([(Occur.Must, matched), (Occur.Should, scored)])


def _weighted(
    schema: tantivy.Schema, vocabulary: Vocabulary, term: QueryTerm
) -> tuple[list[Query], bool]:
    """The forms in each weighted field, and whether a dense one was left out."""
    parts: list[Query] = []
    dense, above = False, vocabulary.dense_above
    forms = [
        (word, share, vocabulary.freqs(WEIGHTED_FIELDS, word))
        for word, share in ((term.text, 1.0), *((o, ALTERNATIVE_SHARE) for o in term.alternatives))
    ]
    for i, (field, weight) in enumerate(zip(WEIGHTED_FIELDS, FIELD_WEIGHTS.values(), strict=True)):
        for word, share, held in forms:
            if held[i] > above:
                dense = True
            elif held[i]:
                parts.append(
                    Query.boost_query(Query.term_query(schema, field, word), weight * share)
                )
    return parts, dense


def _prefix(
    schema: tantivy.Schema, vocabulary: Vocabulary, field: str, term: QueryTerm, score: float
) -> tuple[list[Query], bool]:
    """The clause scoring other words of `field` that start with the term (none or one), and
    whether the completions are dense (then none). The term's own forms are weighed as exact
    matches already: as their own completions they only read their postings again, to add the
    tie-breaker's share of a prefix score to documents found by the word itself (a word typed
    whole, "mesh", usually completes to little else; ADR 0024)."""
    completions = vocabulary.completions(field, term.text)
    if completions is None:
        typed = Query.fuzzy_term_query(schema, field, term.text, 0, True, True)
        return [Query.boost_query(typed, score)], False
    if sum(held for _, held in completions) > vocabulary.dense_above:
        return [], True
    exact = {term.text, *term.alternatives}
    others = [w for w, _ in completions if w not in exact]
    return ([Query.const_score_query(_any(schema, field, others), score)] if others else []), False


def match_clause(
    schema: tantivy.Schema, vocabulary: Vocabulary, term: QueryTerm, loose: bool
) -> Query:
    """The documents `term_clause` matches, without its scoring: every weighted field's words
    are also in the all-fields field, so the forms there find the same set."""
    words = [w for w in (term.text, *term.alternatives) if vocabulary.freq(f.ALL, w)]
    automata: list[Query] = []
    if loose:
        automata.append(Query.fuzzy_term_query(schema, f.ALL, term.text, term.typos, True, False))
    if term.prefix:
        completions = vocabulary.completions(f.ALL, term.text)
        if completions is None:
            automata.append(Query.fuzzy_term_query(schema, f.ALL, term.text, 0, True, True))
        else:
            words.extend(w for w, _ in completions)
    parts = [Query.term_query(schema, f.ALL, w) for w in dict.fromkeys(words)] + automata
    if not parts:
        return Query.empty_query()
    return parts[0] if len(parts) == 1 else Query.boolean_query([(Occur.Should, p) for p in parts])


def _any(schema: tantivy.Schema, field: str, words: Iterable[str]) -> Query:
    parts = [Query.term_query(schema, field, w) for w in words]
    if not parts:
        return Query.empty_query()
    return parts[0] if len(parts) == 1 else Query.boolean_query([(Occur.Should, p) for p in parts])
