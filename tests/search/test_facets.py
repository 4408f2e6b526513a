from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.search.facets import (
    DEFAULT_PRICE_EDGES,
    FacetValue,
    band_of,
    price_bands,
    ranked,
)

PRICES = st.decimals(min_value=0, max_value=2000, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(PRICES, max_size=40))
def test_a_band_counts_from_sorted_prices_what_it_holds_one_by_one(prices: list[Decimal]) -> None:
    ordered = sorted(prices)
    for band in price_bands():
        assert band.count(ordered) == sum(1 for p in prices if band.holds(p))


@given(st.lists(st.tuples(st.text(max_size=3), st.integers(1, 9)), unique_by=lambda vn: vn[0]))
def test_facet_values_rank_busiest_first_then_by_value(counts: list[tuple[str, int]]) -> None:
    expected = sorted(counts, key=lambda vn: (-vn[1], vn[0]))
    assert ranked(counts) == tuple(FacetValue(v, n) for v, n in expected)
    assert ranked(counts, 2) == tuple(FacetValue(v, n) for v, n in expected[:2])


@given(st.one_of(PRICES, st.sampled_from(DEFAULT_PRICE_EDGES)))
def test_a_price_is_in_the_band_at_the_position_band_of_gives(price: Decimal) -> None:
    bands = price_bands()
    assert [i for i, band in enumerate(bands) if band.holds(price)] == [band_of(price)]
    edges = (Decimal("0.5"), Decimal(3))
    assert price_bands(edges)[band_of(price, edges)].holds(price)
