"""A node's past sales from a file: a Shopify orders export, or a plain `date,sku,quantity` CSV.

Shopify's orders export has one row per line item; the order's own fields (its date, whether it
was cancelled) are on its first row, so they are carried to the order's other rows by `Name`.
Cancelled orders are not sales. A line item without a SKU (a custom item, a tip) is counted as
skipped, not an error: it names nothing the catalog holds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date

from microindex.adapters.csvio.cells import iso_date, sku_cell, whole_number
from microindex.adapters.csvio.sheet import Row, Source, _text, open_sheet
from microindex.service.triage import ParsedSales, SaleRow

PLAIN = ("date", "sku", "quantity")
SHOPIFY = ("Name", "Created at", "Lineitem quantity", "Lineitem sku")


def parse_past_sales(source: Source) -> ParsedSales:
    """The file's sales rows, every bad row reported; its layout found from its header."""
    shopify = "Lineitem sku" in _header(source)
    if hasattr(source, "seek"):
        source.seek(0)
    with open_sheet(source, SHOPIFY if shopify else PLAIN) as sheet:
        read = _ShopifyRows() if shopify else None
        rows: list[SaleRow] = []
        for row in sheet:
            found = read.take(row) if read else _plain(row)
            if found is not None:
                rows.append(found)
    skipped = read.skipped if read else 0
    return ParsedSales(rows, sheet.errors, sheet.rows, skipped)


def _header(source: Source) -> list[str]:
    with _text(source) as text:
        first = next(csv.reader(text), [])
    return [name.strip() for name in first]


def _plain(row: Row) -> SaleRow | None:
    day = row.take("date", iso_date, required=True)
    sku = row.take("sku", sku_cell, required=True)
    units = row.take("quantity", whole_number, required=True)
    if row.failed or day is None or sku is None or units is None:
        return None
    if units == 0:
        row.report("quantity", "a sale is of one unit or more", "0")
        return None
    return SaleRow(row.number, day, sku.value, units)


@dataclass
class _ShopifyRows:
    days: dict[str, date | None] = field(default_factory=dict)  # None: a cancelled order
    skipped: int = 0

    def take(self, row: Row) -> SaleRow | None:
        name = row.text("Name")
        if row.text("Created at"):
            created = row.take("Created at", _shopify_day)
            self.days[name] = None if row.text("Cancelled at") else created
        if name not in self.days:
            row.report("Created at", "the order's first row (with its date) is missing", name)
            return None
        day = self.days[name]
        if not row.text("Lineitem sku"):
            self.skipped += day is not None
            return None
        sku = row.take("Lineitem sku", sku_cell)
        units = row.take("Lineitem quantity", whole_number, required=True)
        if row.failed or day is None or sku is None or not units:
            return None
        return SaleRow(row.number, day, sku.value, units)


def _shopify_day(text: str) -> date:
    """Shopify writes `2025-03-02 14:03:11 +0000`: the day the order was placed."""
    return iso_date(text[:10])
