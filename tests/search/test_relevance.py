from __future__ import annotations

from bench.catalog import SYNONYMS, generate
from bench.workload import known_items

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.search.query import Synonyms
from microindex.domain.search.request import SearchRequest
from microindex.service.search import IndexEntry, search


def test_known_items_are_found_from_their_titles_typos_and_synonyms() -> None:
    products = generate(3000)
    index = TantivyIndex()
    index.upsert([IndexEntry.of(p, {}) for p in products])
    index.commit({"built": "1"})
    synonyms = Synonyms.parse(SYNONYMS)
    found: dict[str, list[bool]] = {}
    for form, text, sku in known_items(products, 150):
        hits = search(index, SearchRequest(text, facets=False), None, synonyms).hits
        found.setdefault(form, []).append(sku in [h.sku for h in hits])
    rate = {form: sum(hits) / len(hits) for form, hits in found.items()}
    assert rate["exact"] == 1.0
    assert rate["typo-1"] >= 0.95
    assert rate["synonym"] >= 0.95
