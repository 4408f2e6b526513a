"""CSV files in and out: Shopify's product export, our plain catalog, a node's stock file.

Every `parse_*` function takes a `Source`: a path, or a binary stream (left open). Files are
read as UTF-8, with or without Excel's byte-order mark, one record at a time, and every problem
is returned as a `RowError` (spreadsheet row, column, reason, value) rather than raised.
Files saved by a spreadsheet with semicolons are read too, decimals with a comma (`sheet`).
Every `write_*` function writes UTF-8, after the byte-order mark Excel needs to read it as
UTF-8, into a binary stream and leaves it open.
"""

from microindex.adapters.csvio.plain import parse_plain, read_plain, write_plain
from microindex.adapters.csvio.sheet import Source, StreamedCatalog
from microindex.adapters.csvio.shopify import (
    ParsedShopify,
    StreamedShopify,
    parse_shopify,
    read_shopify,
    write_shopify,
)
from microindex.adapters.csvio.stock_file import parse_stock, write_stock
from microindex.service.stock import ParsedStock

__all__ = [
    "ParsedShopify",
    "ParsedStock",
    "Source",
    "StreamedCatalog",
    "StreamedShopify",
    "parse_plain",
    "parse_shopify",
    "parse_stock",
    "read_plain",
    "read_shopify",
    "write_plain",
    "write_shopify",
    "write_stock",
]
