"""Listing the catalog through `find_products` (what the API and `catalog list` call), on a
generated catalog plus a second vocabulary of hostile products, on both hubs: every page read
by cursor, joined, equals a filter written here over the raw `products` table."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from bench.catalog import generate

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.codes import Sku
from microindex.domain.gtin import Gtin, gs1_check_digit
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service.browse import find_products
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.ports import ProductFilter

from .conftest import Databases, StoredDatabase
from .samples import AT

HOSTILE = (
    '=HYPERLINK("http://x")',
    "<!-- not a comment -->",
    "Mug (large) (blue)",
    "Tab\there\x07bell",
    "STRAẞE Tasse",
    "Éclair plate, ÉCLAIR",
    "Ωmega ΣΊΣΥΦΟΣ bowl",
    "%_ wildcard \\ slash",
    ("Long " + "very long title " * 30)[:140],
)


def _gtin(i: int) -> Gtin:
    body = f"77{i:010d}"
    return Gtin.parse(body + str(gs1_check_digit(body)))


def hostile_products() -> list[Product]:
    """A second vocabulary: apparel and odd text, SKUs that sort among the generated ones."""
    found = []
    brands = ("Atelier Nord", "ATELIER NORD", "=cmd|' /C calc'!A0", "Þórr & Co", "")
    categories = ("Apparel > Shirts", "apparel > shirts", "(Kitchen)", "KITCHEN", "Kitchen")
    for i, title in enumerate(HOSTILE * 4):
        sku = ("SOF-", "kit-", "Zz/", "a.", "Q_1")[i % 5] + f"{i:03d}.x"
        found.append(
            Product(
                Sku(sku),
                f"{title} #{i}",
                Money(Decimal("9.99"), "GBP"),
                gtin=_gtin(i) if i % 3 else None,
                brand=brands[i % len(brands)],
                category=categories[i % len(categories)],
            )
        )
    return found


def raw_rows(database: StoredDatabase) -> list[tuple[str, str, str, str, str | None]]:
    conn = database.connection()
    rows = conn.execute("SELECT sku, title, category, brand, gtin FROM products").fetchall()
    if not isinstance(database, SqliteDatabase):
        conn.rollback()
    return [tuple(row) for row in rows]


def expected(
    rows: list[tuple[str, str, str, str, str | None]],
    text: str,
    category: str,
    brand: str,
    gtin: str,
) -> list[str]:
    """The filter, written again over plain rows: code point order, Unicode casefold."""
    t, c, b = text.casefold(), category.casefold(), brand.casefold()
    return sorted(
        sku
        for sku, title, cat, br, code in rows
        if (not t or t in title.casefold() or t in sku.casefold())
        and (not c or cat.casefold() == c)
        and (not b or br.casefold() == b)
        and (not gtin or code == gtin)
    )


def every_page(database: StoredDatabase, where: ProductFilter, limit: int) -> list[str]:
    skus: list[str] = []
    cursor = ""
    for _ in range(10_000):
        page = find_products(database, where, cursor, limit)
        assert len(page.items) <= limit
        skus += [p.sku.value for p in page.items]
        if page.next_cursor is None:
            return skus
        assert page.next_cursor == skus[-1] and len(page.items) == limit
        cursor = page.next_cursor
    raise AssertionError("the pages never ended")


@pytest.fixture
def stocked(databases: Databases) -> StoredDatabase:
    database = databases.open()
    products = generate(700, seed=21) + hostile_products()
    import_products(database, ParsedCatalog(products), AT)
    return database


def filters(rows: list[tuple[str, str, str, str, str | None]]) -> list[ProductFilter]:
    rng = random.Random(21)
    titles = [title for _, title, _, _, _ in rows]
    words = [rng.choice(rng.choice(titles).split()) for _ in range(8)]
    found = [ProductFilter()]
    found += [ProductFilter(word.upper()) for word in words]
    found += [ProductFilter(text) for text in ("bowl", "ẞE", "(large)", "<!--", "=HYP", "\t", "%_")]
    found += [ProductFilter("", cat) for cat in ("sofas", "KITCHEN", "apparel > SHIRTS", "none")]
    found += [ProductFilter("", "", b) for b in ("atelier nord", "þórr & co", "=cmd|' /c calc'!a0")]
    found += [ProductFilter("", "", "", code) for _, _, _, _, code in rows[:3] if code]
    found += [ProductFilter("oak", "Dining Tables"), ProductFilter("#1", "kitchen", "ATELIER nord")]
    return found


def test_every_filter_paged_by_cursor_equals_a_filter_over_the_raw_table(
    stocked: StoredDatabase,
) -> None:
    rows = raw_rows(stocked)
    for where in filters(rows):
        wanted = expected(rows, where.text, where.category, where.brand, where.gtin)
        for limit in (1, 37, 500):
            if limit == 1 and len(wanted) > 60:
                continue
            assert every_page(stocked, where, limit) == wanted, (where, limit)
        page = find_products(stocked, where, "", 5)
        assert page.total == (None if where.text else len(wanted)), where


def test_a_filter_nothing_can_hold_finds_nothing(stocked: StoredDatabase) -> None:
    for where in (ProductFilter("\x00"), ProductFilter("", "\x00"), ProductFilter("zzzzqqq")):
        assert find_products(stocked, where, "", 10).items == []
    assert find_products(stocked, ProductFilter(), "\U0010ffff", 10).items == []


def test_paging_while_products_are_added_never_skips_or_repeats(stocked: StoredDatabase) -> None:
    before = sorted(sku for sku, *_ in raw_rows(stocked))
    rng = random.Random(5)
    seen: list[str] = []
    cursor = ""
    added = 0
    while True:
        page = find_products(stocked, ProductFilter(), cursor, 23)
        seen += [p.sku.value for p in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        # new SKUs land before, at and after the cursor while the reader is between pages
        near = [cursor + "-", cursor[:-1], rng.choice(before) + "_", "AAA" + str(added)]
        new = [Product(Sku(s), f"New {s}", Money(Decimal(1), "GBP")) for s in near]
        import_products(stocked, ParsedCatalog(new), AT)
        added += 1
    assert len(seen) == len(set(seen)), "a product was listed twice"
    assert seen == sorted(seen)
    assert set(before) <= set(seen), "a product there all along was skipped"
    assert added > 20
