from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
import tantivy
from bench.catalog import generate
from hypothesis import given, settings
from hypothesis import strategies as st

from microindex.adapters.search import schema
from microindex.adapters.search.queries import facet_request
from microindex.adapters.search.tantivy_index import TantivyIndex
from microindex.domain.search.facets import DEFAULT_BANDS, price_bands
from microindex.domain.search.query import Synonyms, parse_query
from microindex.domain.search.request import Filters, SearchRequest, SortOrder
from microindex.domain.search.text import index_words
from microindex.service.search import IndexEntry, SearchPlan, SearchResult, search
from tests.search.conftest import CATALOG, product
from tests.search.test_query import HOSTILE


def find(
    index: TantivyIndex, text: str, node: str | None = "shopfront", **kw: object
) -> SearchResult:
    return search(index, SearchRequest(text, **kw), node)  # type: ignore[arg-type]


def skus(result: SearchResult) -> list[str]:
    return [h.sku for h in result.hits]


def test_title_words_rank_above_description_words(index: TantivyIndex) -> None:
    assert skus(find(index, "velvet "))[0] == "SOF-1"


def test_one_typo_in_a_five_letter_word_still_finds(index: TantivyIndex) -> None:
    assert skus(find(index, "armchiar ")) == ["CHR-1"]
    assert "LMP-1" in skus(find(index, "brsas "))  # 5 letters: a swap is one typo


def test_two_typos_need_nine_letters(index: TantivyIndex) -> None:
    assert skus(find(index, "chesterfeild sfoa ")) == ["SOF-1"]  # 2 typos in 12, 1 in 4 dropped
    assert find(index, "chstrfeld ").total == 0  # three edits


def test_one_typo_allowed_in_four_letters_and_none_for_a_word_whose_plural_is_held(
    index: TantivyIndex,
) -> None:
    assert skus(find(index, "lmap ")) == ["LMP-1"]
    assert skus(find(index, "lmp ")) == ["LMP-1"]  # "lamp" missing a letter
    assert set(skus(find(index, "mugs "))) == {"MUG-1", "MUG-2"}  # not "rugs", a typo away


def test_the_word_being_typed_matches_as_a_prefix(index: TantivyIndex) -> None:
    assert skus(find(index, "chester")) == ["SOF-1"]
    assert skus(find(index, "stonew")) == ["MUG-1"]
    assert find(index, "stonew ").total == 0  # a finished word is not a prefix


def test_a_word_typed_to_its_end_ranks_as_the_finished_word_when_it_completes_to_no_other(
    index: TantivyIndex,
) -> None:
    """ "mug" completes only to itself (and "mugs", its other number): its prefix adds no
    other word, so the typed word finds and scores exactly as "mug " does."""
    typed, finished = find(index, "mug"), find(index, "mug ")
    assert [(h.sku, h.score) for h in typed.hits] == [(h.sku, h.score) for h in finished.hits]
    assert typed.total == finished.total == 2


def test_plural_finds_the_singular(index: TantivyIndex) -> None:
    assert set(skus(find(index, "mugs "))) == {"MUG-1", "MUG-2"}


def test_configured_synonyms_find_each_other(index: TantivyIndex) -> None:
    synonyms = Synonyms.parse(["sofa, couch"])
    assert skus(search(index, SearchRequest("couch "), None, synonyms)) == ["SOF-1"]


def test_a_scanned_gtin_or_sku_finds_its_product_first(index: TantivyIndex) -> None:
    assert skus(find(index, "5012345678900"))[0] == "MUG-1"
    assert skus(find(index, "sof-1"))[0] == "SOF-1"


def test_missing_words_are_dropped_only_when_nothing_matches_all(index: TantivyIndex) -> None:
    result = find(index, "navy mug unicorn ")
    assert skus(result) == ["MUG-1"] and result.dropped_terms == 1


class _CountingSearcher:
    """A searcher that counts the scored and unscored searches asked of it."""

    def __init__(self, searcher: object) -> None:
        self._searcher, self.searches, self.docs = searcher, 0, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._searcher, name)

    def search(self, *args: object, **kwargs: object) -> object:
        self.searches += 1
        return self._searcher.search(*args, **kwargs)  # type: ignore[attr-defined]

    def doc(self, *args: object) -> object:
        self.docs += 1
        return self._searcher.doc(*args)  # type: ignore[attr-defined]


def test_a_step_needing_a_word_no_document_holds_is_not_asked_of_the_engine(
    index: TantivyIndex,
) -> None:
    counting = index._view.searcher = _CountingSearcher(index._view.searcher)
    result = find(index, "brass lamp 42 ", None)  # no product holds 42, which takes no typo
    assert skus(result) == ["LMP-1"] and result.dropped_terms == 1
    assert counting.searches == 2  # all but one counted, then scored: never all three
    assert skus(find(index, "sofa 42 ", None)) == ["SOF-1"] and counting.searches == 3


def test_a_word_known_to_match_nothing_skips_the_step_every_word_must_match(
    index: TantivyIndex,
) -> None:
    first = find(index, "navy mug unicorn ", None)  # unicorn: no typo of it is held either
    counting = index._view.searcher = _CountingSearcher(index._view.searcher)
    again = find(index, "navy mug unicorn ", None)
    assert skus(again) == skus(first) == ["MUG-1"] and again.dropped_terms == 1
    assert [h.score for h in again.hits] == [h.score for h in first.hits]
    assert counting.searches == 2  # all but one counted, then scored: not all three again


def test_a_hit_shown_again_is_read_once_a_commit_and_anew_after_one(
    index: TantivyIndex,
) -> None:
    counting = index._view.searcher = _CountingSearcher(index._view.searcher)
    first, again = find(index, "navy mug "), find(index, "navy mug ")
    assert again.hits == first.hits and skus(first) == ["MUG-1"] and counting.docs == 1
    renamed = replace(CATALOG[0], title="Harlow Stoneware Mug in Navy Blue")
    index.upsert([IndexEntry.of(renamed, {"shopfront": 4})])
    index.commit({"built": "2"})
    assert [h.title for h in find(index, "navy mug ").hits] == [renamed.title]


def test_in_stock_filter_keeps_what_this_node_holds(index: TantivyIndex) -> None:
    assert set(skus(find(index, "", filters=Filters(in_stock=True)))) == {"MUG-1", "LMP-1"}
    assert skus(find(index, "", "van", filters=Filters(in_stock=True))) == ["SOF-1"]
    assert len(skus(find(index, "", None, filters=Filters(in_stock=True)))) == 3


def test_price_range_and_attribute_filters(index: TantivyIndex) -> None:
    cheap = Filters(price_max=Decimal(50))
    assert set(skus(find(index, "", filters=cheap))) == {"MUG-1", "MUG-2", "LMP-1"}
    navy = Filters(attributes=(("Colour", "navy"),))
    assert set(skus(find(index, "", filters=navy))) == {"MUG-1", "SOF-1"}
    either = Filters(attributes=(("colour", "navy"), ("colour", "gold")))
    assert len(skus(find(index, "", filters=either))) == 3


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(in_stock=True),
        Filters(brands=("Kiln Co",)),
        Filters(price_min=Decimal(40), price_max=Decimal(400)),
        Filters(categories=("Kitchen",)),
    ],
)
def test_facet_counts_match_the_filtered_results(index: TantivyIndex, filters: Filters) -> None:
    result = find(index, "", filters=filters, limit=100)
    assert result.facets is not None
    held = [h.sku for h in result.hits]
    assert result.total == len(held)
    assert sum(v.count for v in result.facets.categories) == result.total
    assert sum(v.count for v in result.facets.brands) == result.total
    assert sum(count for _, count in result.facets.prices) == result.total
    for value in result.facets.attributes["colour"]:
        narrowed = replace(filters, attributes=(("colour", value.value),))
        assert find(index, "", filters=narrowed).total == value.count


def test_attribute_values_are_searched_and_their_names_are_not(index: TantivyIndex) -> None:
    assert skus(find(index, "stoneware ")) == ["MUG-1"]  # the value of its `material`
    # Every product has a colour and a material: as words they would match the whole catalog
    # ("mat" typed would complete to "material", "color" would be a typo of "colour").
    assert find(index, "material ").total == find(index, "colour ").total == 0
    assert find(index, "materi").total == 0


def test_a_product_without_a_faceted_attribute_is_counted_under_none_of_its_values() -> None:
    index = TantivyIndex()
    sized = [("colour", "navy"), ("size", "large")]
    first = [
        product("A-1", "Oak table", attributes=(("colour", "navy"),)),
        product("A-2", "Oak table", attributes=tuple(sized)),
        product("A-3", "Oak table", attributes=(("size", " "),)),  # blank: no value
    ]
    index.upsert([IndexEntry.of(p, {}) for p in first])
    index.commit({"built": "1"})
    later = [product("A-4", "Oak table", attributes=(("finish", "matt"), ("size", "small")))]
    index.upsert([IndexEntry.of(p, {}) for p in later])  # a name the first batch lacked
    index.commit({"built": "2"})
    counted = find(index, "oak", limit=100).facets  # the page holds every hit: counted here
    engine = find(index, "oak", limit=1).facets  # one of four: the engine counts
    assert engine == counted
    assert engine is not None
    assert {n: [(v.value, v.count) for v in vs] for n, vs in engine.attributes.items()} == {
        "colour": [("navy", 2)],
        "finish": [("matt", 1)],
        "size": [("large", 1), ("small", 1)],
    }


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(in_stock=True),
        Filters(brands=("Kiln Co",)),
        Filters(price_min=Decimal(40), price_max=Decimal(400)),
        Filters(categories=("Kitchen",)),
        Filters(categories=("Kitchen",), brands=("Kiln Co",)),  # two facets fixed
    ],
)
def test_a_page_holding_every_hit_counts_facets_as_the_engine_does(
    index: TantivyIndex, filters: Filters
) -> None:
    whole = find(index, "", filters=filters, limit=100)  # facets counted from the page
    part = find(index, "", filters=filters, limit=1)  # one hit of several: the engine counts
    assert whole.total == part.total > 1
    assert whole.facets == part.facets


def test_prices_at_the_band_edges_are_counted_in_the_band_above_by_the_engine_and_the_page() -> (
    None
):
    """The engine counts the default bands from the band each document holds (schema 9), other
    bands by range: both as `PriceBand.holds`, and as a page that holds every hit counts."""
    index = TantivyIndex()
    prices = ["9.99", "10.00", "24.99", "25.00", "999.99", "1000.00", "0.00"]
    priced = [product(f"P-{i}", "Oak table", price) for i, price in enumerate(prices)]
    index.upsert([IndexEntry.of(p, {}) for p in priced])
    index.commit({"built": "1"})
    assert facet_request(DEFAULT_BANDS, ())["prices"]["terms"]["field"] == schema.PRICE_BAND
    for bands in (DEFAULT_BANDS, price_bands((Decimal(10), Decimal("24.99")))):
        expected = [(b, sum(b.holds(Decimal(p)) for p in prices)) for b in bands]
        for limit in (1, 100):  # the engine counts; the page holds every hit
            plan = SearchPlan(parse_query("oak"), SearchRequest("oak", limit=limit), 1, None, bands)
            facets = index.search(plan).facets
            assert facets is not None and list(facets.prices) == expected


@pytest.fixture(scope="module")
def built() -> TantivyIndex:
    generated = TantivyIndex()
    generated.upsert([IndexEntry.of(p, {}) for p in generate(400)])
    generated.commit({"built": "1"})
    return generated


def test_facets_of_a_generated_catalog_agree_both_ways(built: TantivyIndex) -> None:
    # Dense words ("in", "with", description template words) must still match everywhere.
    for text in ("velvet", "oak", "lamp", "rug", "", "in", "natural", "rug in", "with oak t"):
        whole = find(built, text, None, limit=100, sort=SortOrder.PRICE_ASC)
        part = find(built, text, None, limit=2, sort=SortOrder.PRICE_ASC)
        assert whole.total == part.total > 2
        assert part.facets is not None
        if part.dropped_terms:  # words let go: facets count the hits shown
            assert sum(count for _, count in part.facets.prices) == len(part.hits)
            continue
        if whole.total <= 100:
            assert whole.facets == part.facets
        assert sum(count for _, count in part.facets.prices) == part.total


def test_facets_of_a_relaxed_query_count_the_hits_shown_and_are_skipped_unasked(
    built: TantivyIndex,
) -> None:
    relaxed = find(built, "oak velvet zzqqx lamp ", None, limit=7)
    assert relaxed.dropped_terms and relaxed.total > 7 and relaxed.facets is not None
    assert sum(v.count for v in relaxed.facets.categories) == 7
    assert find(built, "oak velvet zzqqx lamp ", None, facets=False).facets is None


def test_a_word_most_products_hold_does_not_match_alone_once_a_word_may_go(
    built: TantivyIndex,
) -> None:
    assert find(built, "with zzqqx ", None).total == 0  # not every product "with" something
    relaxed = find(built, "oak with zzqqx ", None)
    assert relaxed.dropped_terms == 1
    assert relaxed.total == find(built, "oak ", None).total


def test_sorting_by_price_and_paging(index: TantivyIndex) -> None:
    ascending = skus(find(index, "", sort=SortOrder.PRICE_ASC, limit=3))
    assert ascending == ["MUG-2", "MUG-1", "LMP-1"]
    assert skus(find(index, "", sort=SortOrder.PRICE_DESC, limit=1)) == ["SOF-1"]
    second = skus(find(index, "", sort=SortOrder.PRICE_ASC, offset=3, limit=3))
    assert second == ["RUG-1", "CHR-1", "SOF-1"]


def test_hits_carry_highlighted_titles_and_snippets(index: TantivyIndex) -> None:
    hit = find(index, "velvet sofa ").hits[0]
    assert hit.title_marked.marked("[", "]") == "Chesterfield [Velvet] [Sofa]"
    assert "[velvet] [sofa]" in hit.snippet.marked("[", "]")


def test_typo_highlight_marks_the_word_found(index: TantivyIndex) -> None:
    hit = find(index, "armchiar ").hits[0]
    assert hit.title_marked.marked("[", "]") == "Wingback [Armchair]"


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(index: TantivyIndex, text: str) -> None:
    """Whatever the text, a page of the catalog's own products (speed is the bench's)."""
    page = find(index, text)
    assert {hit.sku for hit in page.hits} <= {p.sku.value for p in CATALOG}
    assert len(page.hits) <= page.total


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_query_text_searches(text: str) -> None:
    built = TantivyIndex()
    built.commit({})
    search(built, SearchRequest(text), None)


@pytest.mark.parametrize("text", ["🔨", "*", "'", "x" * 10_000, "<!--", "=", "\x00\x1f"])
def test_a_query_with_no_searchable_word_finds_nothing_and_says_why(
    index: TantivyIndex, text: str
) -> None:
    result = find(index, text)
    assert (result.total, result.hits) == (0, [])
    assert result.reason is not None and "no letters or digits" in result.reason
    assert find(index, "").total == len(skus(find(index, "", limit=100)))  # blank: browse
    assert find(index, "").reason is None


def test_a_short_word_left_alone_by_relaxing_takes_no_typo(index: TantivyIndex) -> None:
    assert find(index, "no such thing at all ", None).total == 0
    assert skus(find(index, "brass lmp ", None)) == ["LMP-1"]  # every word: "lmp" may be lamp


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("aZ9 -./_é²ＫＺ－\u0301!Ωßς"), min_size=1, max_size=60),
    st.text(max_size=200),
)
def test_the_engine_indexes_exactly_the_domains_words(title: str, description: str) -> None:
    """Plain text is split by the engine's tokenizer, other text by the domain: both give
    `index_words`, in the field of its own and in the all-fields one."""
    index = tantivy.Index(schema.build_schema())
    schema.register_analyzer(index)
    writer = index.writer(15_000_000, 1)
    entry = IndexEntry.of(product("SKU-1", "t " + title, description=description), {})
    writer.add_document(schema.document(entry))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def held(field: str) -> set[str]:
        return {str(term) for term, _ in searcher.terms_with_prefix(field, "", limit=1000)}

    assert held("title") == set(index_words("t " + title))
    assert held(schema.ALL) == set(index_words("t " + title)) | set(index_words(description))


def test_a_batchs_documents_are_each_products_own() -> None:
    """`Documents` works out each brand, category, attribute text, pair and price once a batch
    (ADR 0040): every document of a batch is the one made for its product alone, whatever the
    products before it shared with it."""
    shared = {"brand": "Kiln Co", "category": "Kitchen", "description": "A mug."}
    batch = [
        product("A-1", "Plain Mug", "12.00", **shared, attributes=(("colour", "navy"),)),
        product("A-2", "KZ-8989S Mug", "12.00", **shared, attributes=(("Colour", "navy"),)),
        product("A-3", "Café Mug", "12.0", brand="KILN CO", category="Kitchen 2"),
        product(
            "A-4",
            "Mug",
            "1200.00",
            brand="Kiln-Co",
            description="Crème. 10/12 mugs",
            attributes=(("colour", "navy"), ("size", " "), ("style", "T-shirt")),
            tags=("gift",),
        ),
        product("A-5", "Mug", "12.00", attributes=(("size", "navy"),), sale_price=None),
        product("A-6", "Mug", "12.00", **shared, attributes=(("colour", "navy"),)),
    ]
    entries = [
        IndexEntry.of(p, {"b": 1, "a": 2, "c": 0} if i % 2 else {}) for i, p in enumerate(batch)
    ]
    columns = schema.facet_columns(entries, [("material", 9)])
    documents = schema.Documents(columns)
    made = [documents.make(e).to_dict() for e in entries]
    assert made == [schema.document(e, columns).to_dict() for e in entries]
    assert made[0][schema.ALL] == ["plain mug kiln co kitchen navy a mug."]
    assert made[1][schema.ALL] == ["kz 8989s mug kz8989s kz8989 8989 s kiln co kitchen navy a mug."]
    assert made[2]["brand"] == ["kiln co"]  # as typed in the facet column, folded in its own
    assert made[2][schema.ATTRIBUTES][0][schema.BRAND_KEY] == "KILN CO"
    assert made[2][schema.ATTRIBUTES][0][schema.CATEGORY_KEY] == "Kitchen 2"
    assert made[3][schema.PRICE_BAND] != made[0][schema.PRICE_BAND]
    assert made[1][schema.STOCKED_AT] == ["a", "b"] and schema.STOCKED_AT not in made[0]
    assert made[4][schema.ATTRIBUTES] == [
        dict.fromkeys(columns, schema.NO_VALUE) | {schema.attribute_column("size"): "navy"}
    ]
