"""Products and keys the packaging tests share."""

from __future__ import annotations

from decimal import Decimal

from microindex.domain.codes import Sku
from microindex.domain.gs1.keys import with_check_digit
from microindex.domain.gtin import Gtin
from microindex.domain.money import Money
from microindex.domain.product import Fragility, Product, Size

STEM = "https://shop.example"
GLN = "9520123456788"


def gtin(n: int) -> Gtin:
    return Gtin.parse(with_check_digit(f"952012{n:06d}"))


def product(
    n: int,
    size: str | None = "100x80x80",
    weight_g: int | None = 300,
    fragility: Fragility = Fragility.STURDY,
    with_gtin: bool = True,
) -> Product:
    return Product(
        sku=Sku(f"MUG-{n}"),
        title=f"Stoneware mug {n}",
        price=Money(Decimal("18.00"), "GBP"),
        gtin=gtin(n) if with_gtin else None,
        size=Size.parse(size) if size else None,
        weight_g=weight_g,
        fragility=fragility,
    )
