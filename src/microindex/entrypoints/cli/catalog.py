"""`microindex catalog ...`: import and export products."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path
from shlex import quote as quote_arg
from typing import BinaryIO

import typer
from rich.progress import Progress
from rich.table import Table

from microindex.adapters.csvio import (
    StreamedCatalog,
    read_plain,
    read_shopify,
    write_plain,
    write_shopify,
)
from microindex.domain.errors import InvalidValue
from microindex.entrypoints.cli.context import (
    console,
    domain_errors,
    node_database,
    print_json,
    workspace,
)
from microindex.service import catalog as catalog_service
from microindex.service import stock as stock_service
from microindex.service.catalog_import import StockFile, StockImportReport, import_with_stock
from microindex.service.ports import ProductFilter
from microindex.service.records import product_record

app = typer.Typer(help="The catalog at the hub: import, export and list products.")


class Format(StrEnum):
    AUTO = "auto"
    SHOPIFY = "shopify"
    PLAIN = "plain"


def _detect(path: Path) -> Format:
    with path.open("rb") as handle:
        first = handle.readline(64 * 1024).decode("utf-8-sig", errors="replace")
    column = re.split("[,;]", first)[0]  # ';': saved again by a spreadsheet in French
    return Format.SHOPIFY if column.strip().strip('"') == "Handle" else Format.PLAIN


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file to import."),
    format_: Format = typer.Option(Format.AUTO, "--format", help="File format (auto: by header)."),
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Import the good rows and report the bad ones."
    ),
    stock_node: str | None = typer.Option(
        None, help="Also set this node's stock from Shopify's Variant Inventory Qty."
    ),
) -> None:
    """Import products; a file with any bad row changes nothing unless --skip-bad-rows.

    The file is staged a batch at a time beside the catalog (memory stays flat however long
    the file, and the hub goes on serving), then merged in one transaction; a bad row
    anywhere refuses it all and names every bad row.
    With --stock-node, an unknown node changes nothing; an import stopped after the catalog
    and before the stock (killed, the node busy) resumes when the same file is run again.

    Example: microindex catalog import products_export.csv --stock-node shopfront
    """
    with domain_errors():
        ws = workspace(ctx)
        kind = _detect(file) if format_ is Format.AUTO else format_
        if stock_node is not None and kind is not Format.SHOPIFY:
            raise InvalidValue("stock_node", stock_node, "only a Shopify file carries stock")
        at = ws.clock()
        with_stock = None
        with _reading(file) as stream, ExitStack() as reading:
            stock_rows: list[stock_service.StockRow] = []
            parsed: StreamedCatalog
            if kind is Format.SHOPIFY:
                shopify = reading.enter_context(read_shopify(stream, ws.settings.currency))
                parsed, stock_rows = shopify.catalog, shopify.stock
            else:
                parsed = reading.enter_context(read_plain(stream, ws.settings.currency))
            if stock_node is None:
                report = catalog_service.import_products(ws.hub, parsed, at, skip_bad_rows)
            else:
                stock = StockFile(stock_node, stock_rows, file.name, _digest(file))
                with_stock = import_with_stock(
                    ws.hub, lambda code: node_database(ctx, code), parsed, stock, at, skip_bad_rows
                )
                report = with_stock.catalog
    console.print(
        f"imported {report.created} new and {report.updated} updated products from {file.name}"
    )
    if with_stock is not None:
        _say_resumed(with_stock, file.name, stock_node or "")
    for error in report.skipped:
        console.print(f"[yellow]skipped[/] {error}", highlight=False)


@contextmanager
def _reading(file: Path) -> Iterator[BinaryIO]:
    """The file opened for reading, with a progress bar by bytes read (on a terminal)."""
    with (
        Progress(console=console, transient=True) as progress,
        progress.open(file, "rb", description=f"importing {file.name}") as stream,
    ):
        yield stream


def _digest(file: Path) -> str:
    with file.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _say_resumed(done: StockImportReport, name: str, node: str) -> None:
    if done.resumed:
        console.print(
            f"resumed: the last import of {name} stopped before the stock at {node}; its stock"
            f" is set now ({done.stock_changed} ledger lines)",
            soft_wrap=True,
        )
    elif done.replaced is not None:
        console.print(
            f"[yellow]note[/] an import of {done.replaced.name} ({done.replaced.at}) stopped"
            f" before the stock at {node}: run it again if its stock is still wanted",
            highlight=False,
            soft_wrap=True,
        )


@app.command("export")
def export(
    ctx: typer.Context,
    file: Path = typer.Argument(..., dir_okay=False, help="CSV file to write."),
    format_: Format = typer.Option(Format.PLAIN, "--format", help="shopify or plain."),
) -> None:
    """Export the catalog. Example: microindex catalog export products.csv --format shopify"""
    products = catalog_service.list_products(workspace(ctx).hub)
    with file.open("wb") as stream:
        if format_ is Format.SHOPIFY:
            write_shopify(products, stream)
        else:
            write_plain(products, stream)
    console.print(f"wrote {len(products)} products to {file}")


@app.command("list")
def list_(
    ctx: typer.Context,
    q: str = typer.Option("", "--q", help="Part of the title or SKU."),
    category: str = typer.Option("", help="Only this category (any case)."),
    brand: str = typer.Option("", help="Only this brand (any case)."),
    cursor: str = typer.Option("", help="Start after this SKU: the cursor a page ends with."),
    limit: int = typer.Option(50, min=1, max=500, help="Products per page."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List products in SKU order, a page at a time, with the cursor of the next page.

    Example: microindex catalog list --category Kitchen --limit 20 --cursor MUG-0042
    """
    where = ProductFilter(q, category, brand)
    from microindex.service.browse import find_products  # the GTIN resolver: not for imports

    page = find_products(workspace(ctx).hub, where, cursor, limit)
    if as_json:
        items = [product_record(p) for p in page.items]
        print_json({"items": items, "total": page.total, "next_cursor": page.next_cursor})
        return
    table = Table("SKU", "GTIN", "title", "price", "category")
    for p in page.items:
        price = f"{p.price}" + (f" (sale {p.sale_price.amount})" if p.sale_price else "")
        table.add_row(p.sku.value, p.gtin.digits if p.gtin else "", p.title, price, p.category)
    console.print(table)
    if page.next_cursor is not None:
        console.print(f"next page: --cursor {quote_arg(page.next_cursor)}", highlight=False)
