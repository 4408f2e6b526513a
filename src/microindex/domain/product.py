"""Products of the catalog, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from microindex.domain.codes import Sku
from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money

MAX_TITLE = 150  # Google Merchant's limit; longer titles are refused rather than cut.
MAX_DESCRIPTION = 5000


class Fragility(StrEnum):
    STURDY = "sturdy"
    FRAGILE = "fragile"
    VERY_FRAGILE = "very_fragile"


@dataclass(frozen=True, slots=True)
class Size:
    """Outer size in millimetres."""

    length_mm: int
    width_mm: int
    height_mm: int

    def __post_init__(self) -> None:
        if min(self.length_mm, self.width_mm, self.height_mm) <= 0:
            raise InvalidValue("size", str(self), "every side is a positive number of mm")

    def __str__(self) -> str:
        return f"{self.length_mm}x{self.width_mm}x{self.height_mm}"

    @classmethod
    def parse(cls, text: str) -> Size:
        try:
            a, b, c = (int(part) for part in text.lower().split("x"))
        except ValueError:
            raise InvalidValue("size", text, "expected LxWxH in mm, e.g. 120x90x90") from None
        return cls(a, b, c)


@dataclass(frozen=True, slots=True)
class Product:
    sku: Sku
    title: str
    price: Money
    gtin: Gtin | None = None
    description: str = ""
    brand: str = ""
    category: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    sale_price: Money | None = None
    media: tuple[str, ...] = ()
    weight_g: int | None = None
    size: Size | None = None
    fragility: Fragility = Fragility.STURDY
    limited_edition: bool = False
    preorder_until: date | None = None
    tags: tuple[str, ...] = field(default=())
    handle: str = ""

    def __post_init__(self) -> None:
        title = self.title.strip()
        if not title:
            raise InvalidValue("title", self.title, "a product needs a title")
        if len(title) > MAX_TITLE:
            raise InvalidValue(
                "title", self.title[:40] + "…", f"longer than {MAX_TITLE} characters"
            )
        if len(self.description) > MAX_DESCRIPTION:
            raise InvalidValue("description", self.description[:40] + "…", "longer than 5000")
        if self.weight_g is not None and self.weight_g < 0:
            raise InvalidValue("weight_g", str(self.weight_g), "cannot be negative")
        if self.sale_price is not None:
            if self.sale_price.currency != self.price.currency:
                raise InvalidValue(
                    "sale_price", str(self.sale_price), "must be in the price's currency"
                )
            if self.sale_price.amount > self.price.amount:
                raise InvalidValue("sale_price", str(self.sale_price), "is above the price")
        names = [name for name, _ in self.attributes]
        if len(names) != len(set(names)):
            raise InvalidValue("attributes", ", ".join(names), "an attribute name appears twice")

    @property
    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)

    def effective_price(self) -> Decimal:
        return (self.sale_price or self.price).amount
