import dataclasses
import pickle
from datetime import time
from decimal import Decimal

import pytest

from microindex.domain.codes import NodeCode, Sku
from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money
from microindex.domain.node import Location, OpeningHours
from microindex.domain.product import Product, Size


def test_money_parses_prices_to_the_currency_minor_unit() -> None:
    assert Money.parse("12.5", "GBP") == Money(Decimal("12.50"), "GBP")
    assert Money.parse("1200", "JPY").amount == Decimal(1200)


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("12,50", "GBP", "not a number"),
        ("-1", "GBP", "negative"),
        ("1.234", "GBP", "2 decimal places"),
        ("1", "XXX", "ISO 4217"),
        ("NaN", "GBP", "not a number"),
    ],
)
def test_bad_prices_are_refused_with_a_reason(text: str, currency: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        Money.parse(text, currency)


@pytest.mark.parametrize("text", ["", " MUG", "a" * 65, "mug*1", "-mug"])
def test_bad_skus_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        Sku(text)


def test_node_codes_are_lowercase_slugs() -> None:
    assert str(NodeCode("van-2")) == "van-2"
    with pytest.raises(InvalidValue):
        NodeCode("Van 2")


def test_a_sale_price_above_the_price_is_refused() -> None:
    with pytest.raises(InvalidValue, match="above the price"):
        Product(
            Sku("MUG-1"),
            "Mug",
            Money(Decimal("10.00"), "GBP"),
            sale_price=Money(Decimal("12.00"), "GBP"),
        )


def test_a_product_needs_a_title() -> None:
    with pytest.raises(InvalidValue, match="title"):
        Product(Sku("MUG-1"), "  ", Money(Decimal("10.00"), "GBP"))


def test_size_parses_length_width_height_in_mm() -> None:
    assert Size.parse("120x90x95") == Size(120, 90, 95)
    with pytest.raises(InvalidValue):
        Size.parse("12 by 9")


def test_opening_hours_round_trip_and_answer_whether_open() -> None:
    hours = OpeningHours.from_text("0 09:00-17:30;5 10:00-16:00")
    assert OpeningHours.from_text(hours.to_text()) == hours
    assert hours.is_open(0, time(9, 0))
    assert not hours.is_open(0, time(17, 30))
    assert not hours.is_open(6, time(12, 0))


def test_distance_between_london_nodes_is_a_few_kilometres() -> None:
    hackney = Location(51.5363, -0.0618)
    kings_cross = Location(51.5317, -0.1240)
    assert 4.0 < hackney.km_to(kings_cross) < 4.7


@pytest.mark.parametrize("text", ["1_000", "1e3", "١٢", "1,000.00", "12.", ".5", "Infinity"])
def test_prices_are_plain_decimals_only(text: str) -> None:
    with pytest.raises(InvalidValue, match="not a number"):
        Money.parse(text, "GBP")


def _product(**changes: object) -> Product:
    fields: dict[str, object] = {
        "sku": Sku("MUG-1"),
        "title": "Speckled mug",
        "price": Money(Decimal("12.00"), "GBP"),
        "attributes": (("colour", "sage"), ("Condition ", "used")),
        "weight_g": 350,
        "tags": ("kitchen",),
    }
    return Product(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_product_is_a_frozen_value_with_every_field_kept() -> None:
    product = _product()
    assert product == _product() and hash(product) == hash(_product())
    assert product != _product(title="Speckled cup")
    assert (product.title, product.weight_g, product.tags) == ("Speckled mug", 350, ("kitchen",))
    assert product.condition == "used" and product.handle == "" and product.gtin is None
    assert dataclasses.replace(product, handle="mug") == _product(handle="mug")
    assert pickle.loads(pickle.dumps(product)) == product
    assert "Speckled mug" in repr(product)
    with pytest.raises(dataclasses.FrozenInstanceError):
        product.title = "Cup"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": "x" * 151}, "longer than 150"),
        ({"description": "x" * 5001}, "longer than 5000"),
        ({"weight_g": -1}, "negative"),
        ({"sale_price": Money(Decimal("5.00"), "EUR")}, "price's currency"),
        ({"attributes": (("colour", "sage"), ("colour", "teal"))}, "appears twice"),
        ({"attributes": (("condition", "mint"),)}, "new, used or refurbished"),
        ({"attributes": (("restock_date", "soon"),)}, "YYYY-MM-DD"),
    ],
)
def test_a_product_refuses_each_bad_field(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        _product(**changes)
    with pytest.raises(InvalidValue, match=reason):
        dataclasses.replace(_product(), **changes)  # type: ignore[arg-type]
