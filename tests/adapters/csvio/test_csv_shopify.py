"""Shopify's product export: one Product per variant, stock beside it, and back again."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from microindex.adapters.csvio import ParsedShopify, parse_shopify, write_shopify
from microindex.domain.codes import Sku
from microindex.domain.errors import InvalidValue
from microindex.domain.gtin import Gtin, gs1_check_digit
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service.catalog import RowError
from microindex.service.stock import StockRow

FIXTURE = Path(__file__).parent / "data" / "shopify_products.csv"
CDN = "https://cdn.shopify.com/s/files/"
HEADER = (
    "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,"
    "Variant Compare At Price,Variant Barcode,Variant Inventory Qty"
)


@pytest.fixture(scope="module")
def export() -> ParsedShopify:
    return parse_shopify(FIXTURE, "EUR")


def by_sku(parsed: ParsedShopify) -> dict[str, Product]:
    return {product.sku.value: product for product in parsed.catalog.products}


def sheet(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode("utf-8"))


def test_each_variant_becomes_a_product_and_image_rows_add_none(export: ParsedShopify) -> None:
    assert export.catalog.errors == []
    assert export.catalog.rows == 7
    assert list(by_sku(export)) == ["TEE-RED-S", "TEE-RED-M", "TEE-BLU-S", "MUG-01", "CANDLE-200"]


def test_a_variant_is_titled_with_its_option_values_and_keeps_them_as_attributes(
    export: ParsedShopify,
) -> None:
    tee = by_sku(export)["TEE-BLU-S"]

    assert tee.title == "Organic Cotton Tee - Blue / S"
    assert tee.attributes == (("Color", "Blue"), ("Size", "S"))
    assert tee.handle == "organic-cotton-tee"


def test_later_variant_rows_share_the_first_rows_product_fields(export: ParsedShopify) -> None:
    tee = by_sku(export)["TEE-RED-M"]

    assert tee.brand == "Hedge & Row"
    assert tee.category == "T-Shirts"
    assert tee.tags == ("cotton", "summer", "organic")
    assert tee.description == (
        "Soft, heavy organic cotton.\n\nMachine wash at 30°C\nMade in Portugal"
    )


def test_default_title_product_keeps_its_plain_title_and_no_attributes(
    export: ParsedShopify,
) -> None:
    mug = by_sku(export)["MUG-01"]

    assert mug.title == "Enamel Mug"
    assert mug.attributes == ()
    assert mug.weight_g == 350
    assert mug.gtin == Gtin.parse("4006381333931")


def test_compare_at_above_the_price_makes_a_sale(export: ParsedShopify) -> None:
    mug = by_sku(export)["MUG-01"]

    assert mug.price == Money(Decimal("15.00"), "EUR")
    assert mug.sale_price == Money(Decimal("12.50"), "EUR")


def test_compare_at_equal_to_the_price_is_no_sale(export: ParsedShopify) -> None:
    candle = by_sku(export)["CANDLE-200"]

    assert candle.price == Money(Decimal("8.00"), "EUR")
    assert candle.sale_price is None


def test_category_falls_back_to_product_category_and_zero_grams_is_unknown(
    export: ParsedShopify,
) -> None:
    candle = by_sku(export)["CANDLE-200"]

    assert candle.category == "Home & Garden > Decor > Candles"
    assert candle.weight_g is None


def test_images_follow_image_position_with_the_variant_image_first(
    export: ParsedShopify,
) -> None:
    products = by_sku(export)

    assert products["MUG-01"].media == (CDN + "mug-front.jpg", CDN + "mug-side.jpg")
    assert products["TEE-RED-S"].media == (
        CDN + "tee-red.jpg",
        CDN + "tee-blue.jpg",
        CDN + "tee-back.jpg",
    )
    assert products["TEE-BLU-S"].media[0] == CDN + "tee-blue.jpg"


def test_inventory_quantities_come_back_as_stock_rows(export: ParsedShopify) -> None:
    assert export.stock == [
        StockRow("TEE-RED-S", 7),
        StockRow("TEE-RED-M", 0),
        StockRow("TEE-BLU-S", 3),
        StockRow("MUG-01", 12),
    ]


def test_bad_price_is_reported_with_row_and_column() -> None:
    parsed = parse_shopify(sheet(HEADER, 'mug,Mug,Title,Default Title,MUG-01,"12,5x",,,1'), "EUR")

    assert parsed.catalog.errors == [
        RowError(2, "Variant Price", "not a number (write it like 12.50)", "12,5x")
    ]
    assert parsed.catalog.products == []
    assert parsed.stock == []


def test_bad_gtin_check_digit_is_reported_with_row_and_column() -> None:
    parsed = parse_shopify(
        sheet(HEADER, "mug,Mug,Title,Default Title,MUG-01,12.50,,4006381333932,1"), "EUR"
    )

    assert parsed.catalog.errors == [
        RowError(2, "Variant Barcode", "check digit is 2, expected 1", "4006381333932")
    ]


def test_negative_inventory_is_reported_with_row_and_column() -> None:
    parsed = parse_shopify(
        sheet(
            HEADER,
            "tee,Tee,Size,S,TEE-S,10.00,,,2",
            "tee,,,M,TEE-M,10.00,,,-4",
        ),
        "EUR",
    )

    assert parsed.catalog.errors == [
        RowError(3, "Variant Inventory Qty", "cannot be negative", "-4")
    ]
    assert parsed.stock == [StockRow("TEE-S", 2)]


def test_a_variant_without_sku_is_reported() -> None:
    parsed = parse_shopify(
        sheet(HEADER, "tee,Tee,Size,S,TEE-S,10.00,,,", "tee,,,M,,10.00,,,"), "EUR"
    )

    [error] = parsed.catalog.errors
    assert (error.row, error.column) == (3, "Variant SKU")
    assert [p.sku.value for p in parsed.catalog.products] == ["TEE-S"]


def test_rows_of_one_handle_split_apart_are_reported() -> None:
    parsed = parse_shopify(
        sheet(
            HEADER,
            "tee,Tee,Size,S,TEE-S,10.00,,,",
            "mug,Mug,Title,Default Title,MUG-01,12.50,,,",
            "tee,,,M,TEE-M,10.00,,,",
        ),
        "EUR",
    )

    [error] = parsed.catalog.errors
    assert (error.row, error.column, error.value) == (4, "Handle", "tee")


def test_a_latin1_export_is_reported_not_raised() -> None:
    stream = io.BytesIO(
        f"{HEADER}\nmug,Café Mug,Title,Default Title,MUG-01,1.00,,,\n".encode("cp1252")
    )

    [error] = parse_shopify(stream, "EUR").catalog.errors
    assert (error.row, error.column) == (2, "Title")
    assert "UTF-8" in error.reason


def test_an_unsupported_currency_is_the_callers_error() -> None:
    with pytest.raises(InvalidValue):
        parse_shopify(FIXTURE, "XYZ")


def test_written_export_reads_back_the_same_products_and_stock(export: ParsedShopify) -> None:
    stream = io.BytesIO()
    write_shopify(export.catalog.products, stream, {r.sku: r.quantity for r in export.stock})
    stream.seek(0)

    again = parse_shopify(stream, "EUR")

    assert again.catalog.errors == []
    assert again.catalog.products == export.catalog.products
    assert again.stock == export.stock


def test_products_without_a_handle_get_distinct_ones_from_their_sku() -> None:
    catalog = [
        Product(sku=Sku(sku), title="Mug", price=Money(Decimal("1.00"), "EUR"))
        for sku in ("A.1", "a-1")
    ]
    stream = io.BytesIO()
    write_shopify(catalog, stream)
    stream.seek(0)

    parsed = parse_shopify(stream, "EUR")

    assert [p.handle for p in parsed.catalog.products] == ["a-1", "a-1-2"]


# Generated Shopify products: words without padding, as a Shopify export holds them.
words = st.text(
    st.characters(codec="utf-8", categories=("L", "N")) | st.sampled_from("&<>'\"#;"),
    min_size=1,
    max_size=8,
)
phrase = st.lists(words, min_size=1, max_size=4).map(" ".join)
lines = st.lists(phrase, min_size=1, max_size=2).map("\n".join)
descriptions = st.lists(lines, max_size=3).map("\n\n".join)
OPTION_NAMES = ("Color", "Size", "Material")


@dataclass(frozen=True)
class Common:
    """What a Shopify product's first row gives all its variants."""

    handle: str
    title: str
    description: str
    brand: str
    category: str
    tags: tuple[str, ...]
    options: tuple[str, ...]
    images: tuple[str, ...]


@st.composite
def commons(draw: st.DrawFn, handle: str) -> Common:
    return Common(
        handle=handle,
        title=draw(phrase),
        description=draw(descriptions),
        brand=draw(st.just("") | phrase),
        category=draw(st.just("") | phrase),
        tags=tuple(draw(st.lists(phrase, max_size=3))),
        options=tuple(draw(st.lists(st.sampled_from(OPTION_NAMES), unique=True, max_size=3))),
        images=tuple(draw(st.lists(words.map(lambda w: CDN + w), unique=True, max_size=4))),
    )


@st.composite
def variants(draw: st.DrawFn, common: Common) -> Product:
    minor = draw(st.integers(min_value=1, max_value=10**7))
    sale = draw(st.none() | st.integers(min_value=0, max_value=minor - 1))
    body = draw(st.from_regex(r"[0-9]{11}[1-9]", fullmatch=True))  # never zeros only
    own = draw(st.none() | st.sampled_from(common.images)) if common.images else None
    attributes = tuple((name, draw(words)) for name in common.options)
    values = " / ".join(value for _, value in attributes)
    return Product(
        sku=Sku(draw(st.from_regex(r"[A-Z0-9][A-Z0-9\-]{0,12}", fullmatch=True))),
        title=f"{common.title} - {values}" if attributes else common.title,
        price=Money(Decimal(minor).scaleb(-2), "EUR"),
        sale_price=None if sale is None else Money(Decimal(sale).scaleb(-2), "EUR"),
        gtin=draw(st.none() | st.just(Gtin.parse(body + str(gs1_check_digit(body))))),
        description=common.description,
        brand=common.brand,
        category=common.category,
        tags=common.tags,
        attributes=attributes,
        media=common.images if own is None else (own, *(i for i in common.images if i != own)),
        weight_g=draw(st.none() | st.integers(min_value=1, max_value=50_000)),
        handle=common.handle,
    )


@st.composite
def shopify_product(draw: st.DrawFn, handle: str) -> list[Product]:
    common = draw(commons(handle))
    count = draw(st.integers(min_value=1, max_value=3 if common.options else 1))
    return draw(
        st.lists(variants(common), min_size=count, max_size=count, unique_by=lambda p: p.attributes)
    )


@st.composite
def shopify_catalogs(draw: st.DrawFn) -> list[Product]:
    handles = draw(
        st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), unique=True, max_size=4)
    )
    catalog = [p for handle in handles for p in draw(shopify_product(handle))]
    skus = [p.sku for p in catalog]
    gtins = [p.gtin for p in catalog if p.gtin]
    assume(len(set(skus)) == len(skus) and len(set(gtins)) == len(gtins))
    return catalog


@settings(max_examples=40)
@given(shopify_catalogs(), st.data())
def test_written_shopify_products_read_back_exactly(
    catalog: list[Product], data: st.DataObject
) -> None:
    stock = {p.sku.value: data.draw(st.integers(0, 1000)) for p in catalog}
    stream = io.BytesIO()
    write_shopify(catalog, stream, stock)
    stream.seek(0)

    parsed = parse_shopify(stream, "EUR")

    assert parsed.catalog.errors == []
    assert parsed.catalog.products == catalog
    assert parsed.stock == [StockRow(sku, quantity) for sku, quantity in stock.items()]


def test_a_title_of_control_characters_only_is_refused() -> None:
    parsed = parse_shopify(sheet(HEADER, 'bun,"\x01\x1f",Title,Default Title,BUN-1,1.00,,,'), "EUR")

    assert [(e.row, e.column) for e in parsed.catalog.errors] == [(2, "Title")]
    assert parsed.catalog.products == []


def test_shopify_column_names_are_read_whatever_their_case() -> None:
    parsed = parse_shopify(
        sheet(HEADER.lower(), "mug,Mug,Title,Default Title,MUG-1,9.50,,,3"), "EUR"
    )
    assert parsed.catalog.errors == []
    assert [(p.sku.value, p.title) for p in parsed.catalog.products] == [("MUG-1", "Mug")]
