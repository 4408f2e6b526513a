"""Facets: the counts a shopper narrows by (category, brand, attributes, price bands)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from microindex.domain.errors import InvalidValue

# Band edges in the shop's currency: under 10, 10-25, 25-50, ... 1000 and over.
DEFAULT_PRICE_EDGES: tuple[Decimal, ...] = tuple(
    Decimal(edge) for edge in (10, 25, 50, 100, 250, 500, 1000)
)
_SEPARATOR = "="
# How many values a facet shows, busiest first.
CATEGORY_VALUES = 50
BRAND_VALUES = 50
ATTRIBUTE_VALUES = 300  # over every attribute name together


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


def price_bands(edges: tuple[Decimal, ...] = DEFAULT_PRICE_EDGES) -> tuple[PriceBand, ...]:
    if not edges or list(edges) != sorted(set(edges)) or edges[0] <= 0:
        raise InvalidValue("price_bands", ",".join(map(str, edges)), "rising positive edges")
    lows: list[Decimal | None] = [None, *edges]
    highs: list[Decimal | None] = [*edges, None]
    return tuple(PriceBand(low, high) for low, high in zip(lows, highs, strict=True))


def attribute_key(name: str, value: str) -> str:
    """One indexed term per attribute: `colour=navy`. Names are folded to lower case."""
    return f"{name.strip().lower()}{_SEPARATOR}{value.strip()}"


def split_attribute_key(key: str) -> tuple[str, str]:
    name, _, value = key.partition(_SEPARATOR)
    return name, value


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class Facets:
    """Counts over exactly the hits the filters leave (not over the whole catalog)."""

    categories: tuple[FacetValue, ...] = ()
    brands: tuple[FacetValue, ...] = ()
    attributes: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    prices: tuple[tuple[PriceBand, int], ...] = ()


def group_attributes(counts: list[tuple[str, int]]) -> dict[str, tuple[FacetValue, ...]]:
    """`[("colour=navy", 3)]` into `{"colour": (FacetValue("navy", 3),)}`, busiest first."""
    grouped: dict[str, list[FacetValue]] = {}
    for key, count in counts:
        name, value = split_attribute_key(key)
        grouped.setdefault(name, []).append(FacetValue(value, count))
    return {
        name: tuple(sorted(values, key=lambda v: (-v.count, v.value)))
        for name, values in sorted(grouped.items())
    }


def ranked(counts: Iterable[tuple[str, int]]) -> tuple[FacetValue, ...]:
    """Facet values busiest first, then by value, so the order never depends on the engine."""
    return tuple(FacetValue(v, n) for v, n in sorted(counts, key=lambda vn: (-vn[1], vn[0])))


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


def count_facets(found: Sequence[Faceted], bands: Sequence[PriceBand]) -> Facets | None:
    """The facets of a result set held whole (a page that holds every hit), counted as the
    engine counts them; None when a facet has more values than it shows (the engine's choice
    among equal counts at the cut is its own, so ask the engine)."""
    categories = Counter(p.category for p in found if p.category)
    brands = Counter(p.brand for p in found if p.brand)
    attributes = Counter(
        key for p in found for key in {attribute_key(n, v) for n, v in p.attributes}
    )
    if (
        len(categories) > CATEGORY_VALUES
        or len(brands) > BRAND_VALUES
        or len(attributes) > ATTRIBUTE_VALUES
    ):
        return None
    return Facets(
        ranked(categories.items()),
        ranked(brands.items()),
        group_attributes(list(attributes.items())),
        tuple((band, sum(1 for p in found if band.holds(p.price))) for band in bands),
    )
