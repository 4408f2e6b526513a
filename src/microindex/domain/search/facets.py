"""Facets: the counts a shopper narrows by (category, brand, attributes, price bands)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from itertools import starmap
from operator import itemgetter
from typing import Protocol

from microindex.domain.errors import InvalidValue

# Band edges in the shop's currency: under 10, 10-25, 25-50, ... 1000 and over.
DEFAULT_PRICE_EDGES: tuple[Decimal, ...] = tuple(
    Decimal(edge) for edge in (10, 25, 50, 100, 250, 500, 1000)
)
_SEPARATOR = "="  # in the filter terms: `colour=navy`
# How many values a facet shows, busiest first.
CATEGORY_VALUES = 50
BRAND_VALUES = 50
ATTRIBUTE_VALUES = 50  # per attribute name
ATTRIBUTE_NAMES = 20  # the attribute names most products have get facets
# Facet values kept made, by (value, count): the same ones recur from search to search. About
# 200 bytes each: 3 MB when full (one pass of the bench's queries at 100,000 made 14,754).
KEPT_VALUES = 16_384


@dataclass(frozen=True, slots=True)
class PriceBand:
    """Prices p with low <= p < high; an open end is None."""

    low: Decimal | None
    high: Decimal | None

    @property
    def label(self) -> str:
        if self.low is None:
            return f"under {self.high}"
        if self.high is None:
            return f"{self.low} and over"
        return f"{self.low}-{self.high}"

    def holds(self, price: Decimal) -> bool:
        return (self.low is None or price >= self.low) and (self.high is None or price < self.high)

    def count(self, ordered: Sequence[Decimal]) -> int:
        """How many of the prices `ordered` (ascending) the band holds."""
        start = 0 if self.low is None else bisect_left(ordered, self.low)
        end = len(ordered) if self.high is None else bisect_left(ordered, self.high)
        return max(end - start, 0)


def price_bands(edges: tuple[Decimal, ...] = DEFAULT_PRICE_EDGES) -> tuple[PriceBand, ...]:
    if not edges or list(edges) != sorted(set(edges)) or edges[0] <= 0:
        raise InvalidValue("price_bands", ",".join(map(str, edges)), "rising positive edges")
    lows: list[Decimal | None] = [None, *edges]
    highs: list[Decimal | None] = [*edges, None]
    return tuple(PriceBand(low, high) for low, high in zip(lows, highs, strict=True))


DEFAULT_BANDS = price_bands()  # made once: searches and the index share them


def band_of(price: Decimal, edges: Sequence[Decimal] = DEFAULT_PRICE_EDGES) -> int:
    """The position in `price_bands(edges)` of the band that holds `price` (in
    `DEFAULT_BANDS` by default)."""
    return bisect_right(edges, price)


def attribute_key(name: str, value: str) -> str:
    """One indexed term per attribute: `colour=navy`. Names are folded to lower case."""
    return f"{name.strip().lower()}{_SEPARATOR}{value.strip()}"


def facet_attributes(attributes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A product's attributes as facets count them: one value per folded name, blanks left out."""
    found: dict[str, str] = {}
    for name, value in attributes:
        if kept := value.strip():
            found[name.strip().lower()] = kept
    return found


def facet_names(counts: Iterable[tuple[str, int]]) -> tuple[str, ...]:
    """The attribute names that get facets, from (name, products having it): the commonest."""
    ranked_names = sorted(counts, key=lambda nc: (-nc[1], nc[0]))
    return tuple(sorted(name for name, _ in ranked_names[:ATTRIBUTE_NAMES]))


@dataclass(frozen=True, slots=True, init=False)
class FacetValue:
    value: str
    count: int

    def __init__(self, value: str, count: int) -> None:
        """The generated `__init__`, each field written through its slot's setter as
        `Movement`'s (ADR 0023): a faceted search makes about a hundred (up to 50 a facet),
        and the generated one cost twice as much (ADR 0030)."""
        _value(self, value)
        _count(self, count)


_value, _count = (getattr(FacetValue, f.name).__set__ for f in fields(FacetValue))


@dataclass(frozen=True, slots=True)
class Facets:
    """Counts over exactly the hits the filters leave (not over the whole catalog)."""

    categories: tuple[FacetValue, ...] = ()
    brands: tuple[FacetValue, ...] = ()
    attributes: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    prices: tuple[tuple[PriceBand, int], ...] = ()


def ranked(counts: Iterable[tuple[str, int]], limit: int | None = None) -> tuple[FacetValue, ...]:
    """Facet values busiest first, then by value, so the order never depends on the engine;
    the first `limit` of them (all when None)."""
    return ranked_by_value(sorted(counts), limit)  # by value: a facet's values are distinct


def ranked_by_value(
    pairs: list[tuple[str, int]], limit: int | None = None
) -> tuple[FacetValue, ...]:
    """`ranked`, for (value, count) pairs already in order of value (sorted again in place):
    sorted stably by count, falling, so equal counts stay in order of value. Both sorts and
    the values' making run in C, where a `(-count, value)` pair made per value cost twice as
    much (a faceted search ranks about a hundred; ADR 0039)."""
    pairs.sort(key=_COUNT, reverse=True)
    return tuple(starmap(_facet_value, pairs[:limit]))


_COUNT = itemgetter(1)


@lru_cache(maxsize=KEPT_VALUES)
def _facet_value(value: str, count: int) -> FacetValue:
    """A `FacetValue` is immutable, and a search's (value, count) pairs are mostly ones an
    earlier search made (81% over the bench's queries at 100,000 products): looking one up
    costs a sixth of making it, and a faceted search shows up to a few hundred (ADR 0034)."""
    return FacetValue(value, count)


class Faceted(Protocol):
    """What facets count of one product."""

    @property
    def category(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def attributes(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def price(self) -> Decimal: ...


def count_facets(
    found: Sequence[Faceted], bands: Sequence[PriceBand], names: Collection[str]
) -> Facets | None:
    """The facets of a result set held whole (a page that holds every hit), counted as the
    engine counts them; None when a facet has more values than it shows (the engine's choice
    among equal counts at the cut is its own, so ask the engine)."""
    categories: dict[str, int] = {}
    brands: dict[str, int] = {}
    by_name: dict[str, dict[str, int]] = {}  # the names the hits have
    counted = frozenset(names)
    # One pass, counted in plain dicts: a page holds few hits, and a `Counter` a facet cost
    # more to make than the counting (ADR 0030).
    for p in found:
        if category := p.category:
            categories[category] = categories.get(category, 0) + 1
        if brand := p.brand:
            brands[brand] = brands.get(brand, 0) + 1
        for name, value in _faceted(p.attributes):
            if name in counted:
                values = by_name.get(name)
                if values is None:
                    values = by_name[name] = {}
                values[value] = values.get(value, 0) + 1
    widest = max((len(values) for values in by_name.values()), default=0)
    if len(categories) > CATEGORY_VALUES or len(brands) > BRAND_VALUES or widest > ATTRIBUTE_VALUES:
        return None
    return Facets(
        ranked(categories.items()),
        ranked(brands.items()),
        {name: ranked(values.items()) for name, values in sorted(by_name.items())},
        _price_counts(found, bands),
    )


def _price_counts(
    found: Sequence[Faceted], bands: Sequence[PriceBand]
) -> tuple[tuple[PriceBand, int], ...]:
    """Each band's count: by the position `band_of` gives each price when the bands are the
    default ones (a third of the cost of sorting the prices and bisecting them per band)."""
    if bands is DEFAULT_BANDS:
        counts = [0] * len(bands)
        for p in found:
            counts[band_of(p.price)] += 1
        return tuple(zip(bands, counts, strict=True))
    prices = sorted(p.price for p in found)
    return tuple((band, band.count(prices)) for band in bands)


@lru_cache(maxsize=4096)  # products share their attributes (`colour` `navy` on many)
def _faceted(attributes: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """`facet_attributes` as pairs, worked out once per distinct set of attributes."""
    return tuple(facet_attributes(attributes).items())
