"""Our plain catalog CSV: one row per SKU, exact round trip, every bad cell reported."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from microindex.adapters.csvio import parse_plain, write_plain
from microindex.adapters.csvio.cells import title_text
from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin, gs1_check_digit
from microindex.domain.money import MINOR_UNITS, Money
from microindex.domain.product import Fragility, Product, Size
from microindex.service.catalog import RowError

HEADER = "sku,gtin,title,price,sale_price,currency"


def sheet(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode("utf-8"))


def test_a_full_row_becomes_a_product() -> None:
    parsed = parse_plain(
        sheet(
            "sku,gtin,title,description,brand,category,price,sale_price,currency,weight_g,size,"
            "fragility,limited_edition,preorder_until,tags,media,handle,attr:colour,attr:size",
            'MUG-01,4006381333931,Enamel Mug,"Keeps coffee hot,\nhands cool.",Camp Supply,'
            "Kitchen,15.00,12.50,EUR,350,90x90x100,fragile,true,2030-01-31,mugs|camping,"
            "https://x.test/a.jpg|https://x.test/b.jpg,enamel-mug,white,",
        )
    )

    assert parsed.errors == []
    assert parsed.products == [
        Product(
            sku=Sku("MUG-01"),
            gtin=Gtin.parse("4006381333931"),
            title="Enamel Mug",
            description="Keeps coffee hot,\nhands cool.",
            brand="Camp Supply",
            category="Kitchen",
            price=Money(Decimal("15.00"), "EUR"),
            sale_price=Money(Decimal("12.50"), "EUR"),
            weight_g=350,
            size=Size(90, 90, 100),
            fragility=Fragility.FRAGILE,
            limited_edition=True,
            preorder_until=date(2030, 1, 31),
            tags=("mugs", "camping"),
            media=("https://x.test/a.jpg", "https://x.test/b.jpg"),
            handle="enamel-mug",
            attributes=(("colour", "white"),),
        )
    ]


def test_bad_price_is_reported_with_row_and_column() -> None:
    parsed = parse_plain(sheet(HEADER, 'MUG-01,,Mug,"12,5x",,EUR'))

    assert parsed.errors == [RowError(2, "price", "not a number (write it like 12.50)", "12,5x")]
    assert parsed.products == []


def test_bad_gtin_check_digit_is_reported_with_row_and_column() -> None:
    parsed = parse_plain(sheet(HEADER, "MUG-01,4006381333932,Mug,12.50,,EUR"))

    assert parsed.errors == [
        RowError(2, "gtin", "check digit is 2, expected 1", "4006381333932"),
    ]


def test_every_bad_cell_of_a_row_is_reported() -> None:
    parsed = parse_plain(
        sheet(
            "sku,title,price,currency,weight_g,size,fragility,limited_edition,preorder_until",
            "bad sku,,-1,EUR,1.5,12x9,glass,maybe,31/01/2030",
        )
    )

    assert [error.column for error in parsed.errors] == [
        "sku",
        "title",
        "price",
        "weight_g",
        "size",
        "fragility",
        "limited_edition",
        "preorder_until",
    ]
    assert {error.row for error in parsed.errors} == {2}


def test_a_weight_over_a_tonne_is_a_weight_error() -> None:
    """20 nines of grams used to be taken, and the import then stopped at the database with
    an OverflowError traceback (CLI) or a 500 (API)."""
    parsed = parse_plain(
        sheet(
            "sku,title,price,currency,weight_g",
            "BEANS-1KG,Beans 1kg,32.00,GBP,1000000",
            "BEANS-BIG,Beans,32.00,GBP,1000001",
            "BEANS-HUGE,Beans,32.00,GBP,99999999999999999999",
        )
    )

    assert [p.sku.value for p in parsed.products] == ["BEANS-1KG"]
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "weight_g"), (4, "weight_g")]


def test_a_side_over_a_hundred_metres_is_a_size_error() -> None:
    """A size typed in micrometres (or 20 nines) was taken as millimetres: a mug 10^17 km
    long, then chosen no box and fitted no locker without a word of why."""
    parsed = parse_plain(
        sheet(
            "sku,title,price,currency,size",
            "POLE-100M,Flag pole,32.00,GBP,100000x90x90",
            "MUG-UM,Mug,12.00,GBP,120000x90000x90000",
            "MUG-HUGE,Mug,12.00,GBP,99999999999999999999x90x90",
        )
    )

    assert [p.sku.value for p in parsed.products] == ["POLE-100M"]
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "size"), (4, "size")]


def test_too_many_decimals_for_the_currency_is_a_price_error() -> None:
    parsed = parse_plain(sheet(HEADER, "MUG-01,,Mug,1200.5,,JPY"))

    assert parsed.errors == [RowError(2, "price", "JPY has 0 decimal places", "1200.5")]


def test_unknown_currency_is_a_currency_error() -> None:
    parsed = parse_plain(sheet(HEADER, "MUG-01,,Mug,12.50,,XYZ"))

    assert [(e.row, e.column) for e in parsed.errors] == [(2, "currency")]


def test_a_sale_price_above_the_price_is_reported_on_the_sale_price() -> None:
    parsed = parse_plain(sheet(HEADER, "MUG-01,,Mug,12.50,13.00,EUR"))

    assert parsed.errors == [RowError(2, "sale_price", "is above the price", "13.00 EUR")]


def test_missing_required_columns_are_row_one_errors() -> None:
    parsed = parse_plain(sheet("sku,name,price", "MUG-01,Mug,12.50"))

    assert parsed.errors == [
        RowError(1, "title", "required column is missing"),
        RowError(1, "currency", "required column is missing"),
    ]


def test_a_column_given_twice_is_a_row_one_error() -> None:
    parsed = parse_plain(sheet("sku,title,price,currency,price", "MUG-01,Mug,1,EUR,2"))

    assert parsed.errors == [RowError(1, "price", "the column appears twice")]
    assert parsed.products == []


def test_unknown_columns_are_ignored() -> None:
    parsed = parse_plain(sheet("sku,title,price,currency,notes", "MUG-01,Mug,1.00,EUR,hi"))

    assert parsed.errors == []
    assert len(parsed.products) == 1


# Generated products: cell text round-trips when it has no padding and lists have no `|`.
SAFE = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
clean_text = st.text(SAFE | st.just("\n"), max_size=40).map(str.strip)
items = st.text(SAFE, min_size=1, max_size=20).map(str.strip).filter(lambda s: s and "|" not in s)
ATTRIBUTE_NAMES = ("colour", "size", "Material", "fit")
images = st.from_regex(r"https?://[a-z]{1,8}\.example/[A-Za-z0-9._~%,()-]{1,20}", fullmatch=True)


@st.composite
def gtins(draw: st.DrawFn) -> Gtin:
    body = draw(st.from_regex(r"[0-9]{6}[1-9]|[0-9]{10,12}[1-9]", fullmatch=True))  # not 0s
    return Gtin.parse(body + str(gs1_check_digit(body)))


@st.composite
def money_pair(draw: st.DrawFn) -> tuple[Money, Money | None]:
    currency = draw(st.sampled_from(["EUR", "GBP", "JPY", "KWD"]))
    minor = draw(st.integers(min_value=0, max_value=10**9))
    price = Money(Decimal(minor).scaleb(-MINOR_UNITS[currency]), currency)
    if not draw(st.booleans()):
        return price, None
    sale = draw(st.integers(min_value=0, max_value=minor))
    return price, Money(Decimal(sale).scaleb(-MINOR_UNITS[currency]), currency)


def seen(title: str) -> bool:
    """A title the import takes: one with a character a reader sees."""
    try:
        return bool(title_text(title))
    except ValueError:
        return False


@st.composite
def products(draw: st.DrawFn) -> Product:
    price, sale_price = draw(money_pair())
    names = draw(st.lists(st.sampled_from(ATTRIBUTE_NAMES), unique=True))
    return Product(
        sku=Sku(draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,20}", fullmatch=True))),
        gtin=draw(st.none() | gtins()),
        title=draw(clean_text.filter(seen)),
        description=draw(clean_text),
        brand=draw(clean_text),
        category=draw(clean_text),
        attributes=tuple((n, draw(items)) for n in ATTRIBUTE_NAMES if n in names),
        price=price,
        sale_price=sale_price,
        media=tuple(draw(st.lists(images, unique=True, max_size=3))),
        weight_g=draw(st.none() | st.integers(min_value=0, max_value=10**6)),
        size=draw(st.none() | st.builds(Size, *[st.integers(1, 5000)] * 3)),
        fragility=draw(st.sampled_from(Fragility)),
        limited_edition=draw(st.booleans()),
        preorder_until=draw(st.none() | st.dates()),
        tags=tuple(draw(st.lists(items, max_size=3))),
        handle=draw(st.just("") | st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True)),
    )


@settings(max_examples=40)
@given(st.lists(products(), unique_by=lambda p: p.sku.value, max_size=6))
def test_written_products_read_back_exactly(catalog: list[Product]) -> None:
    gtins_used = [p.gtin for p in catalog if p.gtin is not None]
    assume(len(set(gtins_used)) == len(gtins_used))
    stream = io.BytesIO()
    write_plain(catalog, stream)
    stream.seek(0)

    parsed = parse_plain(stream)

    assert parsed.errors == []
    assert parsed.products == catalog
    assert parsed.rows == len(catalog)


def test_a_file_without_currency_takes_the_workspaces_and_a_bad_cell_is_still_refused() -> None:
    parsed = parse_plain(sheet("sku,title,price", "MUG-01,Mug,12.50"), currency="GBP")
    assert [p.price for p in parsed.products] == [Money(Decimal("12.50"), "GBP")]
    assert parse_plain(sheet("sku,title,price", "MUG-01,Mug,12.50")).errors  # no default
    mixed = parse_plain(sheet(HEADER, "MUG-01,,Mug,12.50,,", "MUG-02,,Mug,9,,XYZ"), "EUR")
    assert [p.price.currency for p in mixed.products] == ["EUR"]
    assert [(e.row, e.column) for e in mixed.errors] == [(3, "currency")]  # the header is row 1


def test_a_title_of_control_or_invisible_characters_only_is_refused() -> None:
    """`\\x01\\x02` or a zero-width space passed "a product needs a title", and every channel
    then showed the product untitled (Google's feed left its <title> out)."""
    parsed = parse_plain(
        sheet(
            HEADER,
            'BUN-1,,"\x01\x02",1.00,,EUR',
            "BUN-2,,\u200b,1.00,,EUR",
            "BUN-3,,\x01Bun,1,,EUR",
        )
    )

    assert [(e.row, e.column) for e in parsed.errors] == [(2, "title"), (3, "title")]
    assert [p.sku.value for p in parsed.products] == ["BUN-3"]


def test_column_names_are_read_whatever_their_case() -> None:
    """A header typed in a spreadsheet as `SKU,Title,Price,Currency` said the required
    columns were missing."""
    parsed = parse_plain(sheet("SKU, Title ,PRICE,Currency,Weight_G", "MUG-01,Mug,12.50,EUR,350"))

    assert parsed.errors == []
    assert [(p.sku.value, p.title, p.weight_g) for p in parsed.products] == [("MUG-01", "Mug", 350)]
    twice = parse_plain(sheet("sku,SKU,title,price,currency", "A,B,Mug,1,EUR"))
    assert twice.errors == [RowError(1, "sku", "the column appears twice")]
