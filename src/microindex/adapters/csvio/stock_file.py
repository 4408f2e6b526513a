"""A node's stock file: `sku,quantity`, one row per SKU, quantity a whole number, 0 or more.

It feeds `service.stock.set_stock`, which makes each SKU's on-hand equal to the quantity.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from microindex.adapters.csvio.cells import sku_cell, whole_number
from microindex.adapters.csvio.sheet import FirstSeen, Row, Source, open_sheet, sheet_writer
from microindex.service.stock import ParsedStock, StockRow

COLUMNS = ("sku", "quantity")


def parse_stock(source: Source) -> ParsedStock:
    """Stock rows of a stock CSV, with every bad row reported (see `Source`)."""
    with open_sheet(source, COLUMNS) as sheet:
        skus = FirstSeen("SKU")
        lines = [(row.number, line) for row in sheet if (line := _stock_row(row, skus)) is not None]
    return ParsedStock(
        [line for _, line in lines], sheet.errors, sheet.rows, [number for number, _ in lines]
    )


def write_stock(stock: Iterable[StockRow], stream: BinaryIO) -> None:
    """Write stock rows as UTF-8 CSV; `parse_stock` reads back the same rows."""
    with sheet_writer(stream, COLUMNS) as writer:
        for line in stock:
            writer.writerow({"sku": line.sku, "quantity": str(line.quantity)})


def _stock_row(row: Row, skus: FirstSeen) -> StockRow | None:
    sku = row.take("sku", sku_cell, required=True)
    if sku is not None:
        skus.claim(row, "sku", sku.value)
    quantity = row.take("quantity", whole_number, required=True)
    if row.failed or sku is None or quantity is None:
        return None
    return StockRow(sku.value, quantity)
