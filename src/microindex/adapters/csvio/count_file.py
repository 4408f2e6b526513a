"""A count file: `sku,counted[,position]`, one row per SKU counted.

`counted` is a whole number, 0 or more. `position` is the node's ledger head when counting
began (`microindex stock head NODE`); left out, the head when the file is submitted is used,
which is right only if nothing moved while counting.
"""

from __future__ import annotations

from microindex.adapters.csvio.cells import sku_cell, whole_number
from microindex.adapters.csvio.sheet import FirstSeen, Row, Source, open_sheet
from microindex.service.reconciliation import CountRow, ParsedCounts

COLUMNS = ("sku", "counted")


def parse_counts(source: Source) -> ParsedCounts:
    """Count rows of a count CSV, with every bad row reported (see `Source`)."""
    with open_sheet(source, COLUMNS) as sheet:
        skus = FirstSeen("SKU")
        lines = [(row.number, line) for row in sheet if (line := _count_row(row, skus)) is not None]
    return ParsedCounts(
        [line for _, line in lines], sheet.errors, sheet.rows, [number for number, _ in lines]
    )


def _count_row(row: Row, skus: FirstSeen) -> CountRow | None:
    sku = row.take("sku", sku_cell, required=True)
    if sku is not None:
        skus.claim(row, "sku", sku.value)
    counted = row.take("counted", whole_number, required=True)
    position = row.take("position", whole_number)
    if row.failed or sku is None or counted is None:
        return None
    return CountRow(sku.value, counted, position)
