"""`microindex locker|transfer|shelf|reserve ...`: nodes as they really are.

Locker compartments and pickups, transfers between nodes, shelf slots, and holds from a
shopper's shelf scan. Register with the root app:

    app.add_typer(lockers.locker_app, name="locker")
    app.add_typer(lockers.transfer_app, name="transfer")
    app.add_typer(lockers.shelf_app, name="shelf")
    app.command("reserve")(lockers.reserve)
"""

from __future__ import annotations

import uuid
from pathlib import Path

import typer
from rich.table import Table

from microindex.adapters.symbols.render import png, qr, svg
from microindex.bootstrap import Workspace
from microindex.domain.node import time_zone
from microindex.domain.product import Size
from microindex.domain.transfer import Transfer, TransferState
from microindex.entrypoints.cli.context import (
    console,
    domain_errors,
    duration,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.lines import summed
from microindex.service import known, lockers, popups, shelf_holds, stock, transfers
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.nodes import get_node, list_nodes

locker_app = typer.Typer(help="Parcel lockers: compartments, pickups, codes, the daily sweep.")
compartments_app = typer.Typer(help="A locker's compartments and their inner sizes.")
locker_app.add_typer(compartments_app, name="compartments")
transfer_app = typer.Typer(
    help="Stock moving between nodes: request, pack, ship, receive, or cancel before it ships."
)
shelf_app = typer.Typer(help="Shelf slots: which node and SKU a shelf label names.")

JSON = typer.Option(False, "--json", help="Print JSON.")


def _ops(ws: Workspace) -> NodeOpsFactory:
    """The lockers, transfers and shelf slots beside the workspace's hub, on its database."""
    return ws.node_ops()


@compartments_app.command("add")
def compartments_add(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The locker node."),
    code: str = typer.Argument(..., help="Compartment code (as on its label)."),
    size: str = typer.Argument(..., help="Inner size LxWxH in mm."),
) -> None:
    """Add (or resize) a compartment.

    Example: microindex locker compartments add locker S1 200x150x100
    """
    with domain_errors():
        ws = workspace(ctx)
        known.require_nodes(ws.hub, node)  # as the API refuses it
        made = lockers.add_compartment(_ops(ws), node, code, Size.parse(size))
    console.print(f"{node}: compartment {made.code} {made.inner} mm")


@compartments_app.command("list")
def compartments_list(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="The locker node."),
    as_json: bool = JSON,
) -> None:
    """Compartments, their sizes and the order in each.

    Example: microindex locker compartments list locker
    """
    with domain_errors():
        ws = workspace(ctx)
        known.require_nodes(ws.hub, node)  # as the API refuses it
        rows = lockers.compartments(_ops(ws), node)
    if as_json:
        print_json([{"code": c.code, "inner": str(c.inner), "order": o} for c, o in rows])
        return
    table = Table("compartment", "inner mm", "order")
    for compartment, order in rows:
        table.add_row(compartment.code, str(compartment.inner), order or "free")
    console.print(table)


@locker_app.command("assign")
def assign(
    ctx: typer.Context,
    order: str = typer.Argument(..., help="A pickup order at the locker."),
    node: str = typer.Option("locker", help="The locker node."),
    hours: float = typer.Option(72, help="Hours the shopper has to collect."),
    qr_file: Path | None = typer.Option(None, "--qr", help="Write the code's QR (.svg or .png)."),
) -> None:
    """Put the order in the smallest free compartment it fits; print its pickup code. An
    order only promised is confirmed (its lease no longer runs); goods a transfer brings must
    have arrived.

    Example: microindex locker assign o-1a2b3c4d5e --qr pickup.svg
    """
    with domain_errors():
        window = duration("hours", hours, "hours", lockers.PICKUP_WINDOWS)
        ws = workspace(ctx)
        known.require_nodes(ws.hub, node)  # as the API refuses it
        parcel = lockers.parcel_for(ws.hub, lockers.parcel_lines(ws.hub, order, node))
        made = lockers.assign_order(ws.hub, _ops(ws), order, node, ws.clock(), parcel, window)
    if qr_file is not None:
        symbol = qr(made.qr_payload)
        if qr_file.suffix.lower() == ".png":
            qr_file.write_bytes(png(symbol))
        else:
            qr_file.write_text(svg(symbol), encoding="utf-8")
    a = made.assignment
    console.print(f"{order}: compartment {a.compartment}, code {made.code}, until {a.until}")


@locker_app.command("open")
def open_(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The shopper's pickup code."),
    node: str = typer.Option("locker", help="The locker node."),
) -> None:
    """Open the compartment for a pickup code: the order is collected, and its goods leave
    the locker's stock. Too many wrong codes lock the locker for a while.

    Example: microindex locker open 482913
    """
    with domain_errors():
        ws = workspace(ctx)
        known.require_nodes(ws.hub, node)  # as the API refuses it; no wrong code counted there
        zone = time_zone(get_node(ws.hub, node).zone)  # what its keypad says is on its clock
        opened = lockers.open_with(
            ws.hub, _ops(ws), node, code, ws.clock(),
            locker_db=ws.node(node), zone=zone, link=ws.link(node),
        )  # fmt: skip
    console.print(f"compartment {opened.compartment} open: {opened.order} collected")


@locker_app.command("sweep")
def sweep(ctx: typer.Context) -> None:
    """Take out parcels past their deadline and cancel their orders.

    Example: microindex locker sweep
    """
    with domain_errors():
        ws = workspace(ctx)
        swept = lockers.sweep(ws.hub, _ops(ws), ws.clock())
    for a in swept:
        console.print(f"{a.node} {a.compartment}: {a.order} not collected; cancelled")
    console.print(f"{len(swept)} swept")


@transfer_app.command("request")
def request(
    ctx: typer.Context,
    sender: str = typer.Argument(..., help="The node that sends."),
    receiver: str = typer.Argument(..., help="The node that receives."),
    line: list[str] = typer.Option(..., "--line", help="SKU:QUANTITY (repeatable)."),
    ident: str | None = typer.Option(None, "--id", help="Transfer id (default: a new one)."),
    as_json: bool = JSON,
) -> None:
    """Ask a node to send stock.

    Example: microindex transfer request shopfront van --line MUG-TIDE-350:3
    """
    with domain_errors():
        ws = workspace(ctx)
        key, lines = ident or f"t-{uuid.uuid4().hex[:10]}", summed(line)
        known.require_nodes(ws.hub, sender, receiver)  # as the API refuses them
        stock.require_stockable(ws.hub, lines, "transfer")  # as the API refuses them
        popups.refuse_closed(ws.rounds(), receiver, ws.clock(), ws.settings.zone, popups.TAKE_IN)
        made = transfers.request(_ops(ws), key, sender, receiver, lines, ws.clock())
    show_transfers([made], as_json)


@transfer_app.command("pack")
def pack(
    ctx: typer.Context,
    ident: str = typer.Argument(..., help="Transfer id."),
    actor: str = typer.Option("", help="Who packed it."),
    as_json: bool = JSON,
) -> None:
    """Mark a transfer packed at the sender. Example: microindex transfer pack t-1a2b3c"""
    with domain_errors():
        ws = workspace(ctx)
        show_transfers([transfers.pack(_ops(ws), ident, ws.clock(), actor)], as_json)


@transfer_app.command("ship")
def ship(
    ctx: typer.Context,
    ident: str = typer.Argument(..., help="Transfer id."),
    line: list[str] = typer.Option([], "--line", help="SKU:QUANTITY if not all was sent."),
    actor: str = typer.Option("", help="Who shipped it."),
    as_json: bool = JSON,
) -> None:
    """Ship: a transfer-out at the sender; in transit. Example: microindex transfer ship t-1a2b3c"""
    with domain_errors():
        ws = workspace(ctx)
        ops = _ops(ws)
        code = transfers.get(ops, ident).sender
        sender, sent, ask = ws.node(code), summed(line) or None, ws.ask_hub(code)
        shipped = transfers.ship(ops, sender, ident, ws.clock(), actor, sent, ask, hub=ws.hub)
        show_transfers([shipped], as_json)  # from a node that runs elsewhere: queued for its sync


@transfer_app.command("receive")
def receive(
    ctx: typer.Context,
    ident: str = typer.Argument(..., help="Transfer id."),
    line: list[str] = typer.Option([], "--line", help="SKU:QUANTITY that arrived."),
    lost: bool = typer.Option(False, "--lost", help="Nothing arrived."),
    actor: str = typer.Option("", help="Who received it."),
    as_json: bool = JSON,
) -> None:
    """Record what arrived (a transfer-in); a difference is a discrepancy.

    Example: microindex transfer receive t-1a2b3c --line MUG:2
    """
    with domain_errors():
        ws = workspace(ctx)
        ops = _ops(ws)
        found = transfers.get(ops, ident)
        arrived = {} if lost else (summed(line) or found.shipped)
        receiver = ws.node(found.receiver)  # at a node that runs elsewhere: queued for its sync
        done = transfers.receive(ops, receiver, ident, arrived, ws.clock(), actor, ws.hub)
    show_transfers([done], as_json)


@transfer_app.command("cancel")
def cancel(
    ctx: typer.Context,
    ident: str = typer.Argument(..., help="Transfer id."),
    actor: str = typer.Option("", help="Who called it off."),
) -> None:
    """Call off a transfer not yet shipped (requested or packed): nothing moved, so nothing
    moves back. A transfer for an order goes with its order (cancel the order); on its own
    only once the order has ended.

    Example: microindex transfer cancel t-1a2b3c
    """
    with domain_errors():
        ws = workspace(ctx)
        show_transfers([transfers.cancel(_ops(ws), ident, ws.clock(), actor, ws.hub)], False)


@transfer_app.command("list")
def list_(
    ctx: typer.Context,
    state: TransferState | None = typer.Option(None, help="Only transfers in this state."),
    as_json: bool = JSON,
) -> None:
    """Transfers, their state and any discrepancy.

    Example: microindex transfer list --state discrepancy
    """
    with domain_errors():
        show_transfers(transfers.listed(_ops(workspace(ctx)), state), as_json)


@shelf_app.command("add")
def shelf_add(
    ctx: typer.Context,
    gln: str = typer.Argument(..., help="The node's GLN (13 digits)."),
    bin_: str = typer.Argument(..., metavar="BIN", help="Shelf or bin code (AI 254)."),
    node: str = typer.Argument(..., help="The node the shelf is at."),
    sku: str = typer.Argument(..., help="The product on that shelf."),
) -> None:
    """Say which node and SKU a shelf label names.

    Example: microindex shelf add 9520123456788 A1 shopfront MUG-TIDE-350
    """
    with domain_errors():
        ws = workspace(ctx)
        known.require_nodes(ws.hub, node)  # as the API refuses them
        known.require_skus(ws.hub, [sku])
        shelf_holds.add_shelf(_ops(ws), gln, bin_, node, sku)
    console.print(f"{gln}/{bin_}: {sku} at {node}")


def reserve(
    ctx: typer.Context,
    scan: str = typer.Argument(..., help="The scanned shelf or product Digital Link."),
    quantity: int = typer.Option(1, help="How many to hold."),
    node: str | None = typer.Option(None, help="Where a product QR was scanned."),
    minutes: float = typer.Option(30, help="How long the hold lasts unless confirmed."),
) -> None:
    """Hold a scanned item for pickup at its node, briefly.

    Example: microindex reserve https://shop.example/414/9520123456788/254/A1
    """
    with domain_errors():
        hold = duration("hold", minutes, "minutes", shelf_holds.HOLDS)
        ws = workspace(ctx)
        key = f"h-{uuid.uuid4().hex[:10]}"
        placed = shelf_holds.hold_from_scan(
            ws.hub, _ops(ws), key, scan, list_nodes(ws.hub), ws.clock(), quantity, node,
            hold, ws.candidate_states(),
        )  # fmt: skip
    record = placed.record
    until = record.lease_until.astimezone(time_zone(ws.settings.time_zone))
    console.print(f"{key}: held at {', '.join(record.order.parts)} until {until:%Y-%m-%d %H:%M %Z}")


def show_transfers(found: list[Transfer], as_json: bool) -> None:
    if as_json:
        print_json([transfer_record(t) for t in found])
        return
    table = Table("transfer", "from", "to", "state", "lines", "discrepancy")
    for t in found:
        short = ", ".join(f"{s.sku} {s.missing:+d} missing" for s in t.shortfalls())
        lines = ", ".join(f"{sku}:{q}" for sku, q in sorted(t.requested.items()))
        table.add_row(t.ident, t.sender, t.receiver, t.state.value, lines, short)
    console.print(table)


def transfer_record(t: Transfer) -> dict[str, object]:
    return {
        "id": t.ident,
        "sender": t.sender,
        "receiver": t.receiver,
        "state": t.state.value,
        "requested": t.requested,
        "shipped": t.shipped,
        "arrived": t.arrived,
        "shortfalls": [
            {"sku": s.sku, "shipped": s.shipped, "arrived": s.arrived} for s in t.shortfalls()
        ],
        "events": [
            {"state": e.state.value, "at": e.at.isoformat(), "actor": e.actor} for e in t.events
        ],
    }
