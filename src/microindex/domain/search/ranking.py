"""How hits are weighed and ordered: field weights, match kinds, tie-breaks, time to hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

# A word in the title says more than the same word in the description.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 4.0,
    "brand": 3.0,
    "category": 2.0,
    "attributes": 1.5,
    "description": 1.0,
}
# How a term matched, as a share of an exact match's weight.
ALTERNATIVE_SHARE = 0.8  # the other number (mugs) or a synonym (couch for sofa)
TYPO_SHARE = 0.5  # within the typo budget: scored as a constant, never above an exact match
PREFIX_SHARE = 0.6  # the word being typed
CODE_BOOST = 1000.0  # an exact SKU or GTIN beats any text match
# "Near me": a hit ready in two hours weighs half as much as an equally relevant one ready now.
TIME_HALF_WEIGHT_MINUTES = 120.0

T = TypeVar("T")


def tie_broken(
    hits: Sequence[T],
    score: Callable[[T], float],
    in_stock: Callable[[T], bool],
    sku: Callable[[T], str],
) -> list[T]:
    """Best score first; equal scores: in stock first, then by SKU, so order is stable."""
    return sorted(hits, key=lambda h: (-round(score(h), 6), not in_stock(h), sku(h)))


def near_score(relevance: float, minutes: float) -> float:
    """Relevance discounted by how long the customer waits for it."""
    return relevance / (1.0 + max(minutes, 0.0) / TIME_HALF_WEIGHT_MINUTES)
