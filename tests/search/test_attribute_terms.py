"""Attribute filters and facet names as the index holds them (ADR 0049): a filter finds a
pair in its name's facet column or, for blanks and a name's earlier values, as a filter term;
the faceted names are counted from each product's set of names."""

from __future__ import annotations

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.search.facets import attribute_key, facet_attributes, facet_names
from microindex.domain.search.request import Filters, SearchRequest
from microindex.service.search import IndexEntry, search
from tests.search.conftest import product

ODD = [
    (("colour", "navy"),),
    (("Colour", " navy "), ("size", "large")),  # case and spaces fold as a filter's
    (("colour", "red"), ("Colour", "navy")),  # a name twice: the column holds the last
    (("colour", "navy"), ("COLOUR", "red")),
    (("colour", " "), ("size", "")),  # blanks: no column value, still a filter term
    (("size", "large"), ("finish", "matt"), ("colour", "gold")),
    (("a=b", "c"), ("a", "b=c")),
    ((" colour", "navy"), ("colour ", "navy")),  # the same pair twice
    (),
]
ASKED = [
    ("colour", "navy"),
    ("COLOUR ", "red"),
    ("colour", ""),
    ("size", " "),
    ("size", "large"),
    ("finish", "matt"),
    ("colour", "gold"),
    ("a", "b=c"),
    ("a=b", "c"),
    ("colour", "green"),  # no product has it
    ("weight", ""),
]


def indexed(batches: list[list[tuple[tuple[str, str], ...]]]) -> TantivyIndex:
    index, n = TantivyIndex(), 0
    for batch in batches:
        made = []
        for attributes in batch:
            n += 1
            made.append(product(f"P-{n}", "Oak table", attributes=attributes))
        index.upsert([IndexEntry.of(p, {}) for p in made])
        index.commit({"built": str(n)})
    return index


def filtered(index: TantivyIndex, pairs: tuple[tuple[str, str], ...]) -> set[str]:
    request = SearchRequest("", limit=100, filters=Filters(attributes=pairs))
    return {h.sku for h in search(index, request, None).hits}


def holding(pairs: tuple[tuple[str, str], ...]) -> set[str]:
    """The products whose attributes hold any of `pairs` of each name asked, by their terms."""
    by_name: dict[str, set[str]] = {}
    for name, value in pairs:
        by_name.setdefault(name.strip().lower(), set()).add(attribute_key(name, value))
    return {
        f"P-{n}"
        for n, attributes in enumerate(ODD, 1)
        if all(keys & {attribute_key(*a) for a in attributes} for keys in by_name.values())
    }


def test_an_attribute_filter_finds_every_product_holding_the_pair() -> None:
    for batches in ([ODD], [ODD[:4], ODD[4:]]):
        index = indexed(batches)
        for pair in ASKED:
            assert filtered(index, (pair,)) == holding((pair,)), pair
        for pairs in [
            (("colour", "navy"), ("colour", "red")),
            (("colour", "red"), ("size", "large")),
            (*(("colour", f"shade {i}") for i in range(20)), ("colour", "gold")),
        ]:
            assert filtered(index, pairs) == holding(pairs), pairs


def test_the_faceted_names_are_the_commonest_counted_per_product() -> None:
    sets = [
        (*((f"name {i:02}", "x") for i in range(k, k + 12)), (" NAME 03", "y"))
        for k in range(0, 24, 3)
    ]
    batches = [[*sets[:5], ((" Name 30", "z"),)], [*sets[5:], ((" name 30", "z"),)]]
    index = indexed(batches)
    counts: dict[str, int] = {}
    for attributes in [*batches[0], *batches[1]]:
        for name in facet_attributes(attributes):
            counts[name] = counts.get(name, 0) + 1
    expected = facet_names(counts.items())
    result = search(index, SearchRequest("oak", limit=1), None)  # the engine counts
    assert result.facets is not None
    assert tuple(sorted(result.facets.attributes)) == expected


def test_a_name_holding_the_separator_is_not_another_names_value() -> None:
    # `a=b` `c` and `a` `b=c` have one filter term (`a=b=c`); the facet column tells them apart
    index = indexed([[(("a=b", "c"),)]])
    assert filtered(index, (("a=b", "c"),)) == {"P-1"}
    assert filtered(index, (("a", "b=c"),)) == set()
