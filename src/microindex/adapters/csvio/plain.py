"""Our own catalog CSV: one row per SKU, every `Product` field, `attr:<name>` columns.

Columns: sku, gtin, title, description, brand, category, price, sale_price, currency, weight_g,
size (LxWxH in mm), fragility, limited_edition (true/false), preorder_until (YYYY-MM-DD),
tags and media (items separated by `|`; media are http(s) image addresses), handle, then one
`attr:<name>` column per attribute. Channels read some attributes as facts: `colour` (or
`color`), `size` and `material` make variants of the products sharing a handle; `condition` is
new, used or refurbished; `restock_date` (YYYY-MM-DD) dates a backorder; `mpn`.
Only sku, title, price and currency are required. An empty `attr:` cell means the product
lacks that attribute; attributes come back in the order of their columns, which the writer
chooses to keep every product's order (when the products do not contradict each other).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import cache, partial
from typing import BinaryIO

from microindex.adapters.csvio.cells import (
    gtin_cell,
    gtin_text,
    iso_date,
    sku_cell,
    split_list,
    title_text,
    web_urls,
    whole_number,
    yes_no,
)
from microindex.adapters.csvio.foreign import foreign_export
from microindex.adapters.csvio.order import consistent_order
from microindex.adapters.csvio.sheet import (
    Row,
    Source,
    StreamedCatalog,
    open_sheet,
    sheet_writer,
)
from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money
from microindex.domain.product import Fragility, Product, Size
from microindex.service.catalog import ParsedCatalog, RowError
from microindex.service.ports import ReadRow

COLUMNS = (
    "sku", "gtin", "title", "description", "brand", "category", "price", "sale_price",
    "currency", "weight_g", "size", "fragility", "limited_edition", "preorder_until", "tags",
    "media", "handle",
)  # fmt: skip
REQUIRED = ("sku", "title", "price", "currency")
ATTRIBUTE = "attr:"
SEPARATOR = "|"


def parse_plain(source: Source, currency: str | None = None) -> ParsedCatalog:
    """Products of a plain catalog CSV, with every bad row reported (see `Source`).
    `currency` (the workspace's) is taken where the file has no currency column or cell."""
    with read_plain(source, currency) as read:
        rows = [row for row in read.read if row.product is not None]
    products = [row.product for row in rows if row.product is not None]
    row_of = {row.product.sku.value: row.row for row in rows if row.product is not None}
    return ParsedCatalog(products, read.errors, read.sheet.rows, row_of, read.gtin_column)


@contextmanager
def read_plain(source: Source, currency: str | None = None) -> Iterator[StreamedCatalog]:
    """`parse_plain` one row at a time: the products as they are read, and the bad rows
    found so far (all of them once the products are read to the end)."""
    required = REQUIRED if currency is None else tuple(c for c in REQUIRED if c != "currency")
    default = None if currency is None else _currency(currency)
    with open_sheet(source, required, COLUMNS, ("price", "sale_price")) as sheet:
        if foreign := foreign_export(sheet.header):  # its shared columns would be misread
            sheet.errors[:] = [RowError(1, "", foreign)]
            sheet.records = iter(())
        attributes = _attribute_columns(sheet.header, sheet.errors)
        named = [(column, column[len(ATTRIBUTE) :]) for column in attributes]
        read = (_product(row, named, default) for row in sheet)
        yield StreamedCatalog(read, sheet.errors, sheet, "sku", "gtin")


def write_plain(products: Sequence[Product], stream: BinaryIO) -> None:
    """Write `products` as UTF-8 plain CSV; `parse_plain` reads back the same products."""
    names = consistent_order([name for name, _ in p.attributes] for p in products) or list(
        dict.fromkeys(name for product in products for name, _ in product.attributes)
    )
    columns = [*COLUMNS, *(ATTRIBUTE + name for name in names)]
    with sheet_writer(stream, columns) as writer:
        for product in products:
            writer.writerow(_cells(product))


def _attribute_columns(header: Sequence[str], errors: list[RowError]) -> list[str]:
    columns = [name for name in header if name.startswith(ATTRIBUTE)]
    for column in columns:
        if column == ATTRIBUTE:
            errors.append(RowError(1, column, "an attribute column needs a name after 'attr:'"))
    return [column for column in columns if column != ATTRIBUTE]


def _product(row: Row, attributes: list[tuple[str, str]], currency: str | None) -> ReadRow:
    cells = row.cells  # an empty optional cell is skipped without a call: most cells are
    sku = row.take("sku", sku_cell, required=True)
    gtin = row.take("gtin", gtin_cell) if cells.get("gtin") else None
    keys = (row.number, sku.value if sku else None, gtin.digits if gtin else None)
    title = row.take("title", title_text, required=True)
    price, sale_price = _prices(row, currency)
    weight_g = row.take("weight_g", whole_number) if cells.get("weight_g") else None
    size = row.take("size", Size.parse) if cells.get("size") else None
    fragility = row.take("fragility", Fragility) if cells.get("fragility") else None
    limited = row.take("limited_edition", yes_no) if cells.get("limited_edition") else None
    preorder_until = row.take("preorder_until", iso_date) if cells.get("preorder_until") else None
    media = row.take("media", _media) if cells.get("media") else None
    if row.failed or sku is None or title is None or price is None:
        return ReadRow(*keys, None)
    tags = cells.get("tags")
    try:
        product = Product(
            sku=sku,
            gtin=gtin,
            title=title,
            description=cells.get("description", ""),
            brand=cells.get("brand", ""),
            category=cells.get("category", ""),
            attributes=tuple(
                [(name, value) for column, name in attributes if (value := cells.get(column))]
            ),
            price=price,
            sale_price=sale_price,
            media=media or (),
            weight_g=weight_g,
            size=size,
            fragility=fragility or Fragility.STURDY,
            limited_edition=limited or False,
            preorder_until=preorder_until,
            tags=split_list(tags, SEPARATOR) if tags else (),
            handle=cells.get("handle", ""),
        )
    except InvalidValue as error:
        row.report(error.field, error.reason, error.value)
        return ReadRow(*keys, None)
    return ReadRow(*keys, product)


def _media(text: str) -> tuple[str, ...]:
    return web_urls(text, SEPARATOR)


def _prices(row: Row, default: str | None) -> tuple[Money | None, Money | None]:
    currency = row.take("currency", _currency, required=default is None)
    if currency is None and not row.text("currency"):
        currency = default
    if currency is None:
        return None, None
    price_of, sale_price_of = _money_parsers(currency)
    price = row.take("price", price_of, required=True)
    if not row.text("sale_price"):
        return price, None
    return price, row.take("sale_price", sale_price_of)


@cache  # a file has few currencies
def _money_parsers(currency: str) -> tuple[Callable[[str], Money], Callable[[str], Money]]:
    """Parsers of a price and of a sale price in `currency` (each names its own column)."""
    return partial(Money.parse, currency=currency), partial(
        Money.parse, currency=currency, field="sale_price"
    )


@cache  # a file has few currencies; a wrong one raises, and is not kept
def _currency(text: str) -> str:
    return Money(Decimal(0), text).currency


def _cells(product: Product) -> dict[str, str]:
    cells = {
        "sku": product.sku.value,
        "gtin": gtin_text(product.gtin),
        "title": product.title,
        "description": product.description,
        "brand": product.brand,
        "category": product.category,
        "price": str(product.price.amount),
        "sale_price": str(product.sale_price.amount) if product.sale_price else "",
        "currency": product.price.currency,
        "weight_g": "" if product.weight_g is None else str(product.weight_g),
        "size": str(product.size) if product.size else "",
        "fragility": product.fragility.value,
        "limited_edition": "true" if product.limited_edition else "false",
        "preorder_until": product.preorder_until.isoformat() if product.preorder_until else "",
        "tags": SEPARATOR.join(product.tags),
        "media": SEPARATOR.join(product.media),
        "handle": product.handle,
    }
    cells.update((ATTRIBUTE + name, value) for name, value in product.attributes)
    return cells
