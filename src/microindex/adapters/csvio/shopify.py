"""Shopify's product CSV export, read into one `Product` per variant, and written back.

Rows sharing a Handle are one Shopify product and must be consecutive, as Shopify exports them.
The first row carries the product's fields and its first variant; later rows are variants
(option values, a SKU) or images only. Each variant becomes a `Product` (our unit is the SKU):
title "Title - Red / S" (a product's only variant keeps "Title"), options as attributes, Body
(HTML) as plain text, Vendor as brand, Type (else Product Category) as category, Image Src by
Image Position as media with the Variant Image first, Variant Grams as weight (0 means
unknown), Variant Barcode as GTIN. A Compare At Price above Variant Price makes Compare At the
price and Variant Price the sale price. Shopify's CSV names no currency: the caller gives it.
Variant Inventory Qty comes back separately as stock rows for `service.stock.set_stock`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO

from microindex.adapters.csvio.cells import (
    gtin_cell,
    sku_cell,
    split_list,
    title_text,
    whole_number,
)
from microindex.adapters.csvio.html_text import html_to_text
from microindex.adapters.csvio.sheet import (
    Row,
    Sheet,
    Source,
    StreamedCatalog,
    open_sheet,
    sheet_writer,
)
from microindex.adapters.csvio.shopify_rows import (
    COLUMNS,
    DEFAULT_TITLE,
    OPTIONS,
    REQUIRED,
    group_rows,
    variant_media,
    variant_title,
)
from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money, parse_decimal
from microindex.domain.product import Product, web_url
from microindex.service.catalog import ParsedCatalog
from microindex.service.ports import ReadRow
from microindex.service.stock import StockRow

# Written with a decimal comma in a file a spreadsheet saved with semicolons.
DECIMALS = ("Variant Price", "Variant Compare At Price", "Variant Grams")
# Where a value the domain refuses came from, when a Product refuses to be built.
_COLUMN = {
    "sku": "Variant SKU",
    "title": "Title",
    "description": "Body (HTML)",
    "weight_g": "Variant Grams",
    "price": "Variant Price",
    "sale_price": "Variant Price",
    "gtin": "Variant Barcode",
    "attributes": "Option1 Name",
}


@dataclass(frozen=True, slots=True)
class ParsedShopify:
    catalog: ParsedCatalog
    stock: list[StockRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StreamedShopify:
    """A Shopify export being read: `catalog` streams its products; `stock` holds the
    Variant Inventory Qty of each product read so far (all of them once it is read)."""

    catalog: StreamedCatalog
    stock: list[StockRow]


def parse_shopify(source: Source, currency: str) -> ParsedShopify:
    """Products and stock of a Shopify product export priced in `currency` (see `Source`).

    Raises `InvalidValue` for an unsupported currency: that is the caller's error, not the file's.
    """
    with read_shopify(source, currency) as read:
        rows = [row for row in read.catalog.read if row.product is not None]
    got = read.catalog
    products = [row.product for row in rows if row.product is not None]
    row_of = {row.product.sku.value: row.row for row in rows if row.product is not None}
    parsed = ParsedCatalog(
        products, got.errors, got.sheet.rows, row_of, got.gtin_column, got.sku_column
    )
    return ParsedShopify(parsed, read.stock)


@contextmanager
def read_shopify(source: Source, currency: str) -> Iterator[StreamedShopify]:
    """`parse_shopify` one handle at a time (its rows are all that is held)."""
    Money(Decimal(0), currency)
    with open_sheet(source, REQUIRED, COLUMNS, DECIMALS) as sheet:
        reader = _Reader(currency)
        read = (read for rows in _handles(sheet) for read in reader.read(rows))
        streamed = StreamedCatalog(read, sheet.errors, sheet, "Variant SKU", "Variant Barcode")
        yield StreamedShopify(streamed, reader.stock)


def write_shopify(
    products: Sequence[Product], stream: BinaryIO, stock: Mapping[str, int] | None = None
) -> None:
    """Write products as a Shopify product CSV, variants grouped by `Product.handle`.

    `stock` gives Variant Inventory Qty by SKU. A product without a handle gets one made from
    its SKU. `parse_shopify` reads back the same products when they fit Shopify's model: at
    most three attributes, named alike across a handle's variants, the title of each of a
    handle's several variants ending in " - " and the values, a weight above 0 g, a sale
    price below the price, and media that are the handle's images with at most the variant's
    own image moved first.
    """
    with sheet_writer(stream, COLUMNS) as writer:
        writer.writerows(group_rows(products, stock or {}))


@dataclass(frozen=True, slots=True)
class _Common:
    """What a handle's first row says for all its variants."""

    handle: str
    title: str
    description: str
    brand: str
    category: str
    tags: tuple[str, ...]
    options: tuple[str, ...]
    images: tuple[str, ...]


@dataclass
class _Reader:
    currency: str
    stock: list[StockRow] = field(default_factory=list)
    stocked: set[str] = field(default_factory=set)  # SKUs in `stock`: a repeated row's is not

    def read(self, rows: list[Row]) -> Iterator[ReadRow]:
        common = _common(rows)
        variants = [row for row in rows if row is rows[0] or _is_variant(row)]
        for row in variants:
            yield self._variant(row, common, len(variants) == 1)

    def _variant(self, row: Row, common: _Common | None, alone: bool) -> ReadRow:
        if not row.text("Variant SKU"):
            row.report("Variant SKU", "every variant needs a SKU: stock is kept by SKU")
        sku = row.take("Variant SKU", sku_cell)
        gtin = row.take("Variant Barcode", gtin_cell)
        keys = (row.number, sku.value if sku else None, gtin.digits if gtin else None)
        price, sale_price = _prices(row, self.currency)
        weight_g = row.take("Variant Grams", _grams)
        quantity = row.take("Variant Inventory Qty", whole_number)
        own_image = row.take("Variant Image", web_url)
        attributes = _attributes(row, common.options if common else ())
        if row.failed or common is None or sku is None or price is None:
            return ReadRow(*keys, None)
        try:
            product = Product(
                sku=sku,
                gtin=gtin,
                title=variant_title(common.title, attributes, alone),
                description=common.description,
                brand=common.brand,
                category=common.category,
                attributes=attributes,
                price=price,
                sale_price=sale_price,
                media=variant_media(common.images, own_image or ""),
                weight_g=weight_g or None,
                tags=common.tags,
                handle=common.handle,
            )
        except InvalidValue as error:
            row.report(_COLUMN.get(error.field, error.field), error.reason, error.value)
            return ReadRow(*keys, None)
        if quantity is not None and sku.value not in self.stocked:
            self.stock.append(StockRow(sku.value, quantity))
            self.stocked.add(sku.value)
        return ReadRow(*keys, product)


def _handles(sheet: Sheet) -> Iterator[list[Row]]:
    """The rows of each handle in turn; only one handle's rows are held at a time."""
    rows: list[Row] = []
    first_rows: dict[str, int] = {}
    for row in sheet:
        handle = row.text("Handle")
        if rows and handle == rows[0].text("Handle"):
            rows.append(row)
        elif not handle:
            row.report("Handle", "is required")
        elif handle in first_rows:
            apart = f"rows of one product must be together, it began on row {first_rows[handle]}"
            row.report("Handle", apart, handle)
        else:
            if rows:
                yield rows
            first_rows[handle] = row.number
            rows = [row]
    if rows:
        yield rows


def _common(rows: list[Row]) -> _Common | None:
    first = rows[0]
    title = first.take("Title", title_text, required=True)
    images = _images(rows)
    if title is None:
        return None
    return _Common(
        handle=first.text("Handle"),
        title=title,
        description=html_to_text(first.text("Body (HTML)")),
        brand=first.text("Vendor"),
        category=first.text("Type") or first.text("Product Category"),
        tags=split_list(first.text("Tags"), ","),
        options=tuple(first.text(f"Option{i} Name") for i in range(1, OPTIONS + 1)),
        images=images,
    )


def _images(rows: list[Row]) -> tuple[str, ...]:
    """Image Src of every row, by Image Position (rows without one keep file order, last)."""
    placed: list[tuple[int, int, str]] = []
    for index, row in enumerate(rows):
        source = row.take("Image Src", web_url)
        position = row.take("Image Position", whole_number)
        if source:
            placed.append((position if position is not None else len(rows) + 1, index, source))
    return tuple(dict.fromkeys(source for _, _, source in sorted(placed)))


def _is_variant(row: Row) -> bool:
    columns = ("Variant SKU", "Variant Price", "Variant Barcode", "Option1 Value")
    return any(row.text(column) for column in columns)


def _attributes(row: Row, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for number, name in enumerate(names, start=1):
        value = row.text(f"Option{number} Value")
        if value and not name:
            row.report(f"Option{number} Name", "a value needs its option's name", value)
        elif value and value != DEFAULT_TITLE:
            pairs.append((name, value))
    return tuple(pairs)


def _prices(row: Row, currency: str) -> tuple[Money | None, Money | None]:
    price = row.take(
        "Variant Price", lambda text: Money.parse(text, currency, "price"), required=True
    )
    compare_at = row.take(
        "Variant Compare At Price", lambda text: Money.parse(text, currency, "compare_at")
    )
    if price is None or compare_at is None or compare_at.amount <= price.amount:
        return price, None
    return compare_at, price


def _grams(text: str) -> int:
    grams = parse_decimal("weight_g", text)
    if grams < 0:
        raise InvalidValue("weight_g", text, "cannot be negative")
    return int(grams.quantize(Decimal(1), ROUND_HALF_UP))
