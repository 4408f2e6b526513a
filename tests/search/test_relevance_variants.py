"""Relevance on a catalog microindex was never tuned on (bench/variants.py: variant families
with colour and size last, model codes, 4-letter words), beside plain tantivy fuzzy on the
same products in the same run, through the `search` service the CLI and the API call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from bench import baselines
from bench.variants import JUNK, generate, queries

from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.product import Product
from microindex.domain.search.request import SearchRequest
from microindex.service.search import IndexEntry, search

Engine = Callable[[str], list[str]]


def _microindex(products: list[Product], folder: Path) -> Engine:
    index = TantivyIndex(folder)
    index.upsert([IndexEntry.of(p, {}) for p in products])
    index.commit({"built": "1"})
    return lambda text: [h.sku for h in search(index, SearchRequest(text, facets=False)).hits]


def _success(engine: Engine, items: list[tuple[str, str, str]]) -> dict[str, float]:
    found: dict[str, list[bool]] = defaultdict(list)
    for form, text, sku in items:
        found[form].append(sku in engine(text)[:10])
    return {form: sum(hits) / len(hits) for form, hits in found.items()}


@pytest.fixture(scope="module")
def products() -> list[Product]:
    return generate(120)


def test_titles_typos_and_codes_are_found_at_least_as_well_as_by_plain_fuzzy(
    products: list[Product], tmp_path_factory: pytest.TempPathFactory
) -> None:
    items = queries(products, 120)
    ours = _success(_microindex(products, tmp_path_factory.mktemp("ours")), items)
    fuzzy = baselines.plain_tantivy(products, tmp_path_factory.mktemp("fuzzy"), fuzzy=True)
    plain = _success(lambda text: fuzzy(text, None, False), items)
    print(f"\nsuccess@10 microindex {ours}\nsuccess@10 tantivy fuzzy {plain}")
    assert ours["whole-title"] == 1.0
    assert ours["typo-1"] >= 0.95
    assert ours["code-joined"] >= 0.95
    assert all(ours[form] >= plain[form] for form in ours)


def test_junk_queries_find_nothing(products: list[Product], tmp_path: Path) -> None:
    engine = _microindex(products, tmp_path)
    assert {text[:8]: engine(text) for text in JUNK} == {text[:8]: [] for text in JUNK}
