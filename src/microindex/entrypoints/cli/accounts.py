"""`microindex vat ...`: VAT per product and whether the catalog's prices include it;
`microindex accounts ...`: the accountant's CSV files (sales in a period, stock value now)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import typer

from microindex.entrypoints.cli.context import console, domain_errors, print_json, workspace

vat_app = typer.Typer(help="VAT: a rate per product, prices with VAT in or out.")
app = typer.Typer(help="The accountant's CSV files: sales in a period, stock value now.")
JSON = typer.Option(False, "--json", help="Print JSON.")
OUTPUT = typer.Option(None, "--output", "-o", dir_okay=False, help="CSV file (default: stdout).")


@vat_app.command("mode")
def mode(
    ctx: typer.Context,
    chosen: str = typer.Argument(..., help="inclusive (prices include VAT) or exclusive."),
    standard: str | None = typer.Option(
        None, "--standard-rate", help="The rate for products without their own, e.g. 20."
    ),
    as_json: bool = JSON,
) -> None:
    """Say whether the catalog's prices are typed with VAT in or out, and its standard rate.

    Example: microindex vat mode inclusive --standard-rate 20
    """
    from microindex.service import vat

    with domain_errors():
        made = vat.set_mode(workspace(ctx).storage.vat(), chosen, standard)
    record = {"mode": made.mode.value, "standard_rate": str(made.standard)}
    if as_json:
        print_json(record)
        return
    console.print(f"prices are VAT-{made.mode.value}, standard rate {made.standard}%")


@vat_app.command("rate")
def rate(
    ctx: typer.Context,
    sku: str = typer.Argument(..., help="Product SKU."),
    percent: str | None = typer.Argument(None, help="Its rate, e.g. 5 (omit: standard)."),
    as_json: bool = JSON,
) -> None:
    """Give a product its own VAT rate (reduced, zero), or back to the standard rate.

    Example: microindex vat rate MUG-TIDE-350 5
    """
    from microindex.service import vat

    with domain_errors():
        ws = workspace(ctx)
        made = vat.set_rate(ws.storage.vat(), ws.hub, sku, percent)
    if as_json:
        print_json({"sku": sku, "rate": str(made)})
        return
    console.print(f"{sku}: VAT {made}%", markup=False)


@vat_app.command("prices")
def prices(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every product's price with VAT out and in, at its rate.

    Example: microindex vat prices --json
    """
    from microindex.service import vat
    from microindex.service.dashboard import catalog_by_sku

    ws = workspace(ctx)
    found = vat.prices(ws.storage.vat(), catalog_by_sku(ws.hub))
    if as_json:
        print_json([vat.price_record(line) for line in found])
        return
    for line in found:
        p = line.priced
        console.print(
            f"{line.sku}: {p.net.amount} + {p.vat.amount} VAT ({p.rate}%) = {p.gross}",
            markup=False,
            highlight=False,
        )


def _write(output: Path | None, write: Callable[[BinaryIO], None]) -> None:
    if output is None:
        sys.stdout.flush()
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    with output.open("wb") as stream:
        write(stream)
    console.print(f"wrote {output}", markup=False)


@app.command("sales")
def sales(
    ctx: typer.Context,
    first: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    last: str = typer.Option(..., "--to", help="Last day (included), YYYY-MM-DD."),
    output: Path | None = OUTPUT,
) -> None:
    """Every walk-in and picked sale of the period (days in the shop's time zone) as CSV:
    units, VAT rate, net, VAT and gross, at the catalog's current prices; each refund of
    returned units (decided in the period) a line of negative units under the return's id.

    Example: microindex accounts sales --from 2026-11-01 --to 2026-11-30 -o sales.csv
    """
    from microindex.adapters.csvio.accounts import write_sales
    from microindex.domain.node import time_zone
    from microindex.entrypoints.cli.context import all_node_ledgers
    from microindex.entrypoints.cli.governance_context import governance
    from microindex.service import accounts
    from microindex.service.dashboard import catalog_by_sku
    from microindex.service.returns import all_returns

    with domain_errors():
        ws = workspace(ctx)
        start, end = accounts.period(
            _day("from", first), _day("to", last), time_zone(ws.settings.time_zone)
        )
        returned = all_returns(governance(ctx).sources.nodes)
        lines = accounts.sales(
            all_node_ledgers(ctx), catalog_by_sku(ws.hub), ws.storage.vat(), returned, start, end
        )

    def write(stream: BinaryIO) -> None:
        write_sales(stream, lines)

    _write(output, write)


@app.command("stock-value")
def stock_value(ctx: typer.Context, output: Path | None = OUTPUT) -> None:
    """On hand now at every node as CSV: at cost (the latest purchase order that received
    it) and at net price.

    Example: microindex accounts stock-value -o stock-value.csv
    """
    from microindex.adapters.csvio.accounts import write_stock_value
    from microindex.entrypoints.cli.context import all_node_ledgers
    from microindex.service import accounts
    from microindex.service.dashboard import catalog_by_sku

    ws = workspace(ctx)
    lines = accounts.stock_value(
        all_node_ledgers(ctx), catalog_by_sku(ws.hub), ws.storage.vat(),
        ws.storage.purchase_orders(),
    )  # fmt: skip

    def write(stream: BinaryIO) -> None:
        write_stock_value(stream, lines)

    _write(output, write)


def _day(name: str, text: str) -> date:
    from microindex.domain.errors import InvalidValue

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(name, text, "a date as YYYY-MM-DD") from None
