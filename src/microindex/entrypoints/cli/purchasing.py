"""`microindex po ...`: purchase orders to suppliers (draft, add lines, send, receive against
in parts, close); `microindex reorder ...`: reorder points per node and what is low now."""

from __future__ import annotations

from typing import Any

import typer

from microindex.domain.errors import InvalidValue
from microindex.entrypoints.cli.context import console, domain_errors, print_json, workspace
from microindex.entrypoints.cli.lines import summed

app = typer.Typer(
    help="Purchase orders: drafted, sent to a supplier, received in parts into a node, closed."
)
reorder_app = typer.Typer(help="Reorder points per node, and the stock at or below them.")
JSON = typer.Option(False, "--json", help="Print JSON.")
PO = typer.Argument(..., help="The purchase order's id.")


def _show(order: Any, as_json: bool) -> None:
    from microindex.service.purchasing import purchase_order_record

    record = purchase_order_record(order)
    if as_json:
        print_json(record)
        return
    console.print(
        f"{record['id']} ({record['state']}) from {record['supplier']!r} to {record['node']}",
        highlight=False,
        markup=False,
    )
    for line in record["lines"]:
        console.print(
            f"  {line['sku']}: {line['received']} of {line['ordered']} received"
            + (f", {line['coming']} on the way to the ledger" if line["coming"] else "")
            + f" at {line['unit_cost']} {line['currency']}",
            highlight=False,
            markup=False,
        )


@app.command("draft")
def draft(
    ctx: typer.Context,
    ident: str = PO,
    supplier: str = typer.Option(..., "--supplier", help="Who it is ordered from."),
    node: str = typer.Option(..., "--node", help="The node the goods arrive at."),
    note: str = typer.Option("", "--note", help="A note for yourself."),
    as_json: bool = JSON,
) -> None:
    """Start a purchase order (a draft: add lines, then send it).

    Example: microindex po draft PO-1001 --supplier "Tide Pottery" --node shopfront
    """
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        store = ws.storage.purchase_orders()
        made = purchasing.draft(store, ws.hub, ident, supplier, node, ws.clock(), note)
    _show(made, as_json)


@app.command("add")
def add(
    ctx: typer.Context,
    ident: str = PO,
    sku: str = typer.Argument(..., help="Product SKU."),
    quantity: int = typer.Argument(..., min=1, help="How many to order."),
    cost: str = typer.Option(..., "--cost", help="Unit cost before VAT, e.g. 4.20."),
    currency: str | None = typer.Option(None, help="Default: the shop's currency."),
    as_json: bool = JSON,
) -> None:
    """Add a line to a draft purchase order (the same SKU again adds up).

    Example: microindex po add PO-1001 MUG-TIDE-350 24 --cost 4.20
    """
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        made = purchasing.add_line(
            ws.storage.purchase_orders(), ws.hub, ident, sku, quantity, cost,
            currency or ws.settings.currency, ws.storage.kits(),
        )  # fmt: skip
    _show(made, as_json)


@app.command("send")
def send(ctx: typer.Context, ident: str = PO, as_json: bool = JSON) -> None:
    """Mark a draft as sent to its supplier: it can now be received against.

    Example: microindex po send PO-1001
    """
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        made = purchasing.send(ws.storage.purchase_orders(), ident, ws.clock())
    _show(made, as_json)


@app.command("receive")
def receive(
    ctx: typer.Context,
    ident: str = PO,
    lines: list[str] = typer.Argument(..., help="What came, as SKU:QUANTITY (one or more)."),
    actor: str = typer.Option("", "--actor", help="Who received it."),
    key: str = typer.Option(
        "", "--key", help="The delivery's key: the same goods again under it record nothing."
    ),
    as_json: bool = JSON,
) -> None:
    """Goods that came against a sent order, into its node's ledger (RECEIVE movements, one
    transaction). No more than is outstanding per line; the order closes itself when all
    has come. Under `--key`, receiving the same goods again is answered with the receipt
    first made.

    Example: microindex po receive PO-1001 MUG-TIDE-350:12
    """
    from microindex.domain.codes import idempotency_key
    from microindex.entrypoints.cli.context import node_database
    from microindex.service import purchasing
    from microindex.service.records import movement_record

    with domain_errors():
        ws = workspace(ctx)
        store = ws.storage.purchase_orders()
        order = purchasing.get(store, ident)
        db = node_database(ctx, order.node)
        arrived = summed(lines)
        if key:
            idempotency_key(key)  # a key the API would take, or refused here
        done = purchasing.receive(store, db, ident, arrived, ws.clock(), actor, hub=ws.hub, key=key)
    if as_json:
        print_json(
            {
                "order": purchasing.purchase_order_record(done.order),
                "receipt": done.receipt.number,
                "movements": [movement_record(m) for m in done.movements],
                "queued": [r.key for r in done.queued],
            }
        )
        return
    if done.queued:
        console.print(
            f"receipt {done.receipt.number} against {ident} queued for {done.order.node}'s next"
            " sync: its agent records it once, then the order books it",
            markup=False,
        )
    else:
        again = " (received before under that key: nothing recorded)" if done.repeated else ""
        console.print(f"receipt {done.receipt.number} against {ident}{again}:", markup=False)
    _show(done.order, False)


@app.command("close")
def close(ctx: typer.Context, ident: str = PO, as_json: bool = JSON) -> None:
    """Close an order no more will come against (or drop a draft); what came stays.

    Example: microindex po close PO-1001
    """
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        made = purchasing.close(ws.storage.purchase_orders(), ident, ws.clock())
    _show(made, as_json)


@app.command("show")
def show(ctx: typer.Context, ident: str = PO, as_json: bool = JSON) -> None:
    """One purchase order, its lines and receipts.

    Example: microindex po show PO-1001 --json
    """
    from microindex.service import purchasing

    with domain_errors():
        made = purchasing.get(workspace(ctx).storage.purchase_orders(), ident)
    _show(made, as_json)


@app.command("list")
def list_orders(
    ctx: typer.Context,
    state: str | None = typer.Option(
        None, help="Only orders in this state: draft, sent, partly-received, closed."
    ),
    as_json: bool = JSON,
) -> None:
    """Purchase orders, newest first.

    Example: microindex po list --state sent
    """
    from microindex.domain.purchasing import PoState
    from microindex.service.purchasing import purchase_order_record

    with domain_errors():
        try:
            wanted = None if state is None else PoState(state)
        except ValueError:
            raise InvalidValue(
                "state", state or "", "one of " + ", ".join(s.value for s in PoState)
            ) from None
        found = workspace(ctx).storage.purchase_orders().orders(wanted)
    if as_json:
        print_json([purchase_order_record(order) for order in found])
        return
    if not found:
        console.print("no purchase orders")
    for order in found:
        _show(order, False)


@reorder_app.command("set")
def set_point(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    sku: str = typer.Argument(..., help="Product SKU."),
    point: int = typer.Argument(..., min=0, help="Low when on hand is at or below this."),
    target: int = typer.Option(0, min=0, help="Order up to this many (default: point + 1)."),
    as_json: bool = JSON,
) -> None:
    """Set a reorder point: at or below it, the SKU is low at that node (the dashboard lists
    it, `reorder low` prints it, and a `stock.low` webhook fires when a sale takes it there).

    Example: microindex reorder set shopfront MUG-TIDE-350 4 --target 12
    """
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        made = purchasing.set_point(
            ws.storage.reorder_points(), ws.hub, ws.storage.kits(), node, sku, point, target
        )
    record = {"node": made.node, "sku": made.sku, "point": made.point, "target": made.target}
    if as_json:
        print_json(record)
        return
    console.print(f"{made.node} {made.sku}: reorder at {made.point}", markup=False)


@reorder_app.command("remove")
def remove_point(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    sku: str = typer.Argument(..., help="Product SKU."),
) -> None:
    """Remove a reorder point.

    Example: microindex reorder remove shopfront MUG-TIDE-350
    """
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        purchasing.remove_point(ws.storage.reorder_points(), ws.hub, node, sku)
    console.print(f"removed the reorder point for {sku} at {node}", markup=False)


@reorder_app.command("low")
def low(
    ctx: typer.Context,
    node: str | None = typer.Option(None, "--node", help="Only this node."),
    as_json: bool = JSON,
) -> None:
    """What is at or below its reorder point now, with how many to order.

    Example: microindex reorder low --node shopfront
    """
    from microindex.entrypoints.cli.context import all_node_ledgers, node_ledger
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        ledgers = all_node_ledgers(ctx) if node is None else {node: node_ledger(ctx, node)}
        found = purchasing.low(ws.storage.reorder_points(), ledgers, node)
    if as_json:
        print_json(purchasing.low_stock_record(found))
        return
    if not found:
        console.print("nothing at or below its reorder point")
    for item in found:
        console.print(
            f"{item.node} {item.sku}: {item.on_hand} on hand (reorder at {item.point}),"
            f" order {item.suggested}",
            markup=False,
        )


@reorder_app.command("alert")
def alert(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Send a `stock.low` webhook event for each point newly at or below its level (the
    served hub does so on its timer every 5 minutes); each alerts once until restocked.

    Example: microindex reorder alert
    """
    from microindex.entrypoints.cli.context import all_node_ledgers
    from microindex.service import purchasing

    with domain_errors():
        ws = workspace(ctx)
        fresh = purchasing.alert_low(
            ws.storage.reorder_points(), ws.hub, all_node_ledgers(ctx), ws.clock()
        )
    if as_json:
        print_json(purchasing.low_stock_record(fresh))
        return
    console.print(f"{len(fresh)} new low-stock alerts (delivered by `microindex webhooks send`)")
