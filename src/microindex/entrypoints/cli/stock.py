"""`microindex stock ...`: receive, sell, transfer, count and show stock at nodes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import typer
from rich.table import Table

from microindex.adapters.csvio import parse_stock, write_stock
from microindex.domain.ledger import CountResult
from microindex.domain.movement import MAX_QUANTITY, Movement
from microindex.domain.sync.account import RequestKind, RunsElsewhere
from microindex.domain.sync.node import Override
from microindex.entrypoints.cli.context import (
    all_node_ledgers,
    console,
    domain_errors,
    elsewhere,
    node_database,
    node_ledger,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.lockers import show_transfers, transfer_record
from microindex.service import popups, remote_nodes, rights, transfers
from microindex.service import stock as stock_service
from microindex.service.catalog import products_by_sku
from microindex.service.known import products_named, require_skus
from microindex.service.records import movement_record
from microindex.service.stock import StockRow

app = typer.Typer(help="Stock at nodes: receive, sell, write off, transfer, count, show.")

NODE = typer.Argument(..., help="Node code.")
SKU = typer.Argument(..., help="Product SKU.")
QTY = typer.Argument(..., min=1, max=MAX_QUANTITY, help="Quantity (a positive whole number).")
REF = typer.Option("", "--ref", help="Reference: order, delivery note, reason.")
ACTOR = typer.Option("", "--actor", help="Who did it.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _done(movement: Movement, as_json: bool) -> None:
    if as_json:
        print_json(movement_record(movement))
    else:
        console.print(
            f"{movement.node}#{movement.seq}: {movement.kind.value} {movement.quantity:+d} "
            f"{movement.sku}"
        )


def _queued(queued: remote_nodes.Queued, as_json: bool) -> None:
    """A stock act for a node whose agent keeps its ledger elsewhere: on its way, not done."""
    if as_json:
        asked = queued.request
        print_json(
            {
                "node": queued.node,
                "kind": asked.kind.value,
                "sku": asked.sku,
                "quantity": asked.quantity,
                "position": asked.position if asked.kind is RequestKind.COUNT else None,
                "reference": asked.reference,
                "request": asked.seq,
                "key": asked.key,
                "message": queued.message,
            }
        )
    else:
        console.print(queued.message)


def _here(ctx: typer.Context, node: str, act: str) -> None:
    if elsewhere(ctx, node):
        raise RunsElsewhere(node, act)


Recorder = Callable[..., Movement]
ELSEWHERE = (
    " At a node whose agent keeps its ledger elsewhere, it is queued for the node's next sync"
    " and recorded there once."
)

_MOVEMENT_COMMANDS: tuple[tuple[str, Recorder, RequestKind, str], ...] = (
    (
        "receive",
        stock_service.receive,
        RequestKind.RECEIVE,
        f"Goods arrive at a node.{ELSEWHERE}\n\n"
        "Example: microindex stock receive shopfront MUG-TIDE-350 12",
    ),
    (
        "write-off",
        stock_service.write_off,
        RequestKind.WRITE_OFF,
        f"Broken or lost goods.{ELSEWHERE}\n\n"
        "Example: microindex stock write-off shopfront VAS-MOSS-M 1 --ref chipped",
    ),
)


def _movement_command(name: str, record: Recorder, kind: RequestKind, help_text: str) -> None:
    @app.command(name, help=help_text)
    def command(
        ctx: typer.Context,
        node: str = NODE,
        sku: str = SKU,
        quantity: int = QTY,
        reference: str = REF,
        actor: str = ACTOR,
        as_json: bool = JSON,
    ) -> None:
        with domain_errors():
            ws = workspace(ctx)
            if kind is RequestKind.RECEIVE:
                popups.refuse_closed(
                    ws.rounds(), node, ws.clock(), ws.settings.zone, popups.RECEIVE
                )
            if elsewhere(ctx, node):
                ident = uuid.uuid4().hex
                asked = (ws.hub, node, kind, sku, quantity, ident, reference, actor)
                _queued(remote_nodes.ask(*asked), as_json)
                return
            db = node_database(ctx, node)
            made = record(db, node, sku, quantity, ws.clock(), reference, actor)
        _done(made, as_json)


for _name, _record, _kind, _help in _MOVEMENT_COMMANDS:
    _movement_command(_name, _record, _kind, _help)


@app.command("sell")
def sell(
    ctx: typer.Context,
    node: str = NODE,
    sku: str = SKU,
    quantity: int = QTY,
    reference: str = REF,
    actor: str = ACTOR,
    override: str | None = typer.Option(
        None,
        "--override",
        metavar="REASON",
        help="Sell units promised to online orders anyway, saying why: an overdraft"
        " recorded with --actor and this reason.",
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        help="Idempotency key, one per sale: the same sale again under it records nothing"
        " more and shows the sale first made (default: none).",
    ),
    as_json: bool = JSON,
) -> None:
    """A walk-in sale at a node: from its local stock rights, else rights asked of the hub.
    Beyond them the units are promised to online orders: refused (naming the orders where
    known) unless --override REASON. Never more than is on hand.

    Example: microindex stock sell van MUG-TIDE-350 1

    Example: microindex stock sell van MUG-TIDE-350 1 --key till2-0042
    """
    with domain_errors():
        _here(ctx, node, "sell")
        ws, db = workspace(ctx), node_database(ctx, node)
        popups.refuse_closed(ws.rounds(), node, ws.clock(), ws.settings.zone, popups.SELL)
        confirmed = None if override is None else Override(actor or "staff", override)
        with products_named(ws.hub):  # a typo is no product, not a shortfall: as the API says
            asked = (sku, quantity, ws.clock(), reference, ws.ask_hub(node), actor, confirmed)
            made = rights.sell_walk_in(db, node, *asked, key)
    _done(made, as_json)


@app.command("transfer")
def transfer(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="Node sending."),
    destination: str = typer.Argument(..., help="Node receiving."),
    sku: str = SKU,
    quantity: int = QTY,
    reference: str = REF,
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Send stock to another node at once: a transfer order requested, shipped and received in
    one go (`microindex transfer list` shows it). Only what the sender may release leaves,
    never units set aside or promised for orders; refused, nothing moves. For goods that
    travel a while, use `microindex transfer request`, `ship` and `receive`.

    Example: microindex stock transfer shopfront locker MUG-TIDE-350 2
    """
    with domain_errors():
        ws = workspace(ctx)
        for end in (source, destination):
            _here(ctx, end, "send or receive stock")
        popups.refuse_closed(ws.rounds(), destination, ws.clock(), ws.settings.zone, popups.TAKE_IN)
        # a typo is no product, not a shortfall; a kit moves as its parts: as the API says
        stock_service.require_stockable(ws.hub, [sku], "transfer")
        done = transfers.move_now(
            ws.node_ops(),
            node_database(ctx, source),
            node_database(ctx, destination),
            f"t-{uuid.uuid4().hex[:10]}",
            source,
            destination,
            {sku: quantity},
            ws.clock(),
            actor,
            reference,
            ws.ask_hub(source),
        )
    if as_json:
        print_json(transfer_record(done))
    else:
        show_transfers([done], False)


@app.command("count")
def count(
    ctx: typer.Context,
    node: str = NODE,
    sku: str = SKU,
    counted: int = typer.Argument(..., min=0, max=MAX_QUANTITY, help="How many were counted."),
    position: int | None = typer.Option(
        None, help="Ledger position when counting began (see `stock head`); default: now."
    ),
    reference: str = REF,
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Record a count; the difference from the ledger becomes a count-adjust movement. At a
    node whose agent keeps its ledger elsewhere, it is queued for the node's next sync and
    recorded there once, set against its ledger as it stood now (or at --position).

    Example: microindex stock count shopfront MUG-TIDE-350 7 --position 1520
    """
    with domain_errors():
        if elsewhere(ctx, node):
            ws = workspace(ctx)
            asked = (ws.hub, node, RequestKind.COUNT, sku, counted, uuid.uuid4().hex, reference)
            _queued(remote_nodes.ask(*asked, actor, position, ws.clock()), as_json)
            return
        db = node_database(ctx, node)
        result = stock_service.count(
            db, node, sku, counted, workspace(ctx).clock(), position, reference, actor
        )
    _counted(result, as_json)


def _counted(result: CountResult, as_json: bool) -> None:
    data = {
        "node": result.node,
        "sku": result.sku,
        "counted": result.counted,
        "position": result.position,
        "expected": result.expected,
        "variance": result.variance,
        "deficit": result.deficit,
        "adjustment": movement_record(result.adjustment) if result.adjustment else None,
    }
    if as_json:
        print_json(data)
        return
    console.print(
        f"{result.node} {result.sku}: counted {result.counted}, expected {result.expected} "
        f"at #{result.position}, variance {result.variance:+d}"
        + (f", deficit {result.deficit}" if result.deficit else "")
    )


@app.command("head")
def head(ctx: typer.Context, node: str = NODE) -> None:
    """Print a node's ledger position: note it when a count begins.

    Example: microindex stock head van
    """
    with domain_errors():
        typer.echo(stock_service.ledger_head(node_ledger(ctx, node), node))


@app.command("show")
def show(
    ctx: typer.Context,
    node: str | None = typer.Option(None, "--node", help="Only this node."),
    sku: str | None = typer.Option(None, "--sku", help="Only this SKU."),
    as_json: bool = JSON,
) -> None:
    """Stock by SKU and node. Example: microindex stock show --node locker --json"""
    with domain_errors():
        databases = all_node_ledgers(ctx)
        if node is not None:
            databases = {node: node_ledger(ctx, node)}
        lines = stock_service.stock_lines(databases, sku)
        if sku is not None and not lines:  # no line of it: a mistyped SKU is refused, not blank
            require_skus(workspace(ctx).hub, [sku])
        titles = products_by_sku(workspace(ctx).hub, sorted({line.sku for line in lines}))
    if as_json:
        print_json(
            [
                {
                    "sku": line.sku,
                    "title": titles[line.sku].title if line.sku in titles else "",
                    "node": line.node,
                    "on_hand": line.on_hand,
                }
                for line in lines
            ]
        )
        return
    columns = list(databases)
    grid: dict[str, dict[str, int]] = defaultdict(dict)
    for line in lines:
        grid[line.sku][line.node] = line.on_hand
    table = Table("SKU", "title", *columns, "total", title="On hand")
    for key in sorted(grid):
        row = grid[key]
        title = titles[key].title if key in titles else ""
        table.add_row(key, title, *(str(row.get(c, "")) for c in columns), str(sum(row.values())))
    console.print(table)
    console.print(f"{len(grid)} SKUs, {sum(line.on_hand for line in lines)} units")


@app.command("import")
def import_(
    ctx: typer.Context,
    node: str = NODE,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV: sku,quantity"),
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Apply the good rows and report the bad ones."
    ),
    actor: str = ACTOR,
) -> None:
    """Make a node's on-hand equal to a stock file's quantities (all rows, or none).

    Example: microindex stock import locker locker-stock.csv
    """
    with domain_errors():
        _here(ctx, node, "import a stock file")
        db = node_database(ctx, node)
        made = stock_service.import_stock(
            db,
            node,
            parse_stock(file),
            workspace(ctx).clock(),
            f"import:{file.name}",
            skip_bad_rows,
            actor,
        )
    console.print(f"{node}: {len(made)} movements from {file.name}")


@app.command("export")
def export(
    ctx: typer.Context,
    node: str = NODE,
    file: Path = typer.Argument(..., dir_okay=False, help="CSV file to write."),
) -> None:
    """Write a node's on-hand as sku,quantity. Example: microindex stock export van van.csv"""
    with domain_errors():
        lines = stock_service.stock_lines({node: node_ledger(ctx, node)})
    with file.open("wb") as stream:
        write_stock((StockRow(line.sku, line.on_hand) for line in lines), stream)
    console.print(f"wrote {len(lines)} SKUs of {node} to {file}")
