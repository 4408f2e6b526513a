"""A search request: query text, filters, sort and page, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from microindex.domain.errors import InvalidValue

MAX_LIMIT = 100
MAX_OFFSET = 10_000


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price-asc"
    PRICE_DESC = "price-desc"
    READY_BY = "ready-by"  # near me: soonest in the customer's hands first


@dataclass(frozen=True, slots=True)
class Filters:
    """Every filter narrows the result set; facets are counted over what is left."""

    in_stock: bool = False
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # (name, value); several values of a name: OR

    def __post_init__(self) -> None:
        for bound in (self.price_min, self.price_max):
            if bound is not None and (not bound.is_finite() or bound < 0):
                raise InvalidValue("price", str(bound), "a price bound is a positive number")
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_min > self.price_max
        ):
            raise InvalidValue("price", f"{self.price_min}-{self.price_max}", "min above max")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    text: str = ""
    filters: Filters = Filters()
    sort: SortOrder = SortOrder.RELEVANCE
    offset: int = 0
    limit: int = 10
    facets: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidValue("limit", str(self.limit), f"between 1 and {MAX_LIMIT}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidValue("offset", str(self.offset), f"between 0 and {MAX_OFFSET}")
