"""`microindex kit ...`: kits (bundles) sold from their parts' stock: define, list, remove,
see how many each node could sell, sell one at a node."""

from __future__ import annotations

import typer

from microindex.entrypoints.cli.context import (
    console,
    domain_errors,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.lines import sku_quantities

app = typer.Typer(help="Kits: a catalog SKU sold from its parts' stock, never stocked itself.")
JSON = typer.Option(False, "--json", help="Print JSON.")
KIT = typer.Argument(..., help="The kit's SKU (a product in the catalog).")


@app.command("set")
def set_kit(
    ctx: typer.Context,
    sku: str = KIT,
    parts: list[str] = typer.Option(
        ..., "--part", help="A part as SKU:QUANTITY per kit (repeatable)."
    ),
    as_json: bool = JSON,
) -> None:
    """Make a catalog product a kit of parts (each in the catalog, none a kit). Its stock is
    its parts': selling a kit moves each part's ledger. Setting it again replaces its parts.
    A product with stock on hand, open orders or reorder points of its own is refused,
    naming them: a kit holds no stock of its own.

    Example: microindex kit set KIT-BREAKFAST --part MUG-TIDE-350:2 --part BWL-SPKW-S:1
    """
    from microindex.entrypoints.cli.context import all_node_ledgers
    from microindex.service import kits

    with domain_errors():
        ws = workspace(ctx)
        own = kits.OwnHoldings(
            all_node_ledgers(ctx), ws.storage.reorder_points(), ws.storage.purchase_orders()
        )
        made = kits.set_kit(
            ws.storage.kits(),
            ws.hub,
            sku,
            sku_quantities(parts, "part", one_if_bare=True),
            ws.clock(),
            own,
        )
    if as_json:
        print_json(kits.kit_record(made))
        return
    console.print(f"kit {made.sku}: " + ", ".join(f"{p.quantity} x {p.sku}" for p in made.parts))


@app.command("list")
def list_kits(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every kit and its parts.

    Example: microindex kit list --json
    """
    from microindex.service import kits

    ws = workspace(ctx)
    found = ws.storage.kits().kits()
    if as_json:
        print_json([kits.kit_record(kit) for kit in found.values()])
        return
    if not found:
        console.print("no kits yet (microindex kit set SKU --part SKU:QTY ...)")
    for kit in found.values():
        console.print(f"{kit.sku}: " + ", ".join(f"{p.quantity} x {p.sku}" for p in kit.parts))


@app.command("remove")
def remove(ctx: typer.Context, sku: str = KIT) -> None:
    """Stop selling a product as a kit (the product and its parts stay in the catalog).

    Example: microindex kit remove KIT-BREAKFAST
    """
    from microindex.service import kits

    with domain_errors():
        ws = workspace(ctx)
        kits.remove_kit(ws.storage.kits(), ws.hub, sku, ws.clock())
    console.print(f"{sku} is no longer a kit")


@app.command("stock")
def kit_stock(ctx: typer.Context, sku: str = KIT, as_json: bool = JSON) -> None:
    """How many of a kit each node could sell now: the minimum over its parts of what is in
    hand, and of what the hub may promise online there.

    Example: microindex kit stock KIT-BREAKFAST
    """
    from microindex.entrypoints.cli.context import all_node_ledgers
    from microindex.service import kits

    with domain_errors():
        ws = workspace(ctx)
        found = kits.availability(ws.storage.kits(), ws.hub, all_node_ledgers(ctx), sku)
    if as_json:
        print_json([{"node": a.node, "on_hand": a.on_hand, "online": a.online} for a in found])
        return
    for a in found:
        console.print(f"{a.node}: {a.on_hand} in hand, {a.online} online")


@app.command("sell")
def sell(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    sku: str = KIT,
    quantity: int = typer.Argument(1, min=1, help="How many kits."),
    reference: str = typer.Option("", "--ref", help="Reference: receipt, reason."),
    actor: str = typer.Option("", "--actor", help="Who did it."),
    override: str | None = typer.Option(
        None,
        "--override",
        metavar="REASON",
        help="Sell parts promised to online orders anyway, saying why (an overdraft).",
    ),
    as_json: bool = JSON,
) -> None:
    """A walk-in sale of kits at a node: each part's ledger moves, all or none, by the rules
    of `stock sell` (local rights, else rights asked of the hub, else refused unless
    --override; never more than is on hand).

    Example: microindex kit sell shopfront KIT-BREAKFAST 1
    """
    from microindex.domain.sync.node import Override
    from microindex.entrypoints.cli.context import node_here
    from microindex.service import kits, popups
    from microindex.service.records import movement_record

    with domain_errors():
        ws = workspace(ctx)
        db = node_here(ctx, node, "sell")
        popups.refuse_closed(ws.rounds(), node, ws.clock(), ws.settings.zone, popups.SELL)
        confirmed = None if override is None else Override(actor or "staff", override)
        made = kits.sell(
            ws.storage.kits(), db, node, sku, quantity, ws.clock(), reference,
            ws.ask_hub(node), actor, confirmed,
        )  # fmt: skip
    if as_json:
        print_json([movement_record(m) for m in made])
        return
    for m in made:
        console.print(f"{m.node}#{m.seq}: {m.kind.value} {m.quantity:+d} {m.sku}")
