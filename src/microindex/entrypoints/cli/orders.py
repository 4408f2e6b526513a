"""`microindex order ...`: promise online orders to the fastest node and follow them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from microindex.domain.errors import InvalidValue
from microindex.domain.node import time_zone
from microindex.domain.promise.lifecycle import Event, Order, Step
from microindex.domain.promise.order import Method, order_key
from microindex.domain.promise.plans import RULE_HELP, check_chain
from microindex.entrypoints.cli.context import (
    console,
    domain_errors,
    node_database,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.lines import sku_quantities
from microindex.service import packaging, promise
from microindex.service.known import require_nodes, require_skus
from microindex.service.nodes import list_nodes
from microindex.service.promise_ports import OrderRecord

app = typer.Typer(help="Online orders: promise to the fastest node, follow each step.")

JSON = typer.Option(False, "--json", help="Print JSON.")
AT_RISK = " [bold red]AT RISK[/]"


def _request(
    file: Path | None,
    lines: list[str],
    method: Method | None,
    lat: float | None,
    lon: float | None,
    pickup_node: str | None,
) -> dict[str, Any]:
    if file is not None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidValue("file", str(file), f"not a readable JSON order: {error}") from None
        if not isinstance(data, dict):
            raise InvalidValue("file", str(file), "an order is a JSON object")
        return data
    return {
        "lines": [[sku, units] for sku, units in sku_quantities(lines)],
        "method": (method or Method.LOCAL_DELIVERY).value,
        "customer": None if lat is None or lon is None else [lat, lon],
        "pickup_node": pickup_node,
    }


@app.command("place")
def place(
    ctx: typer.Context,
    line: list[str] = typer.Option([], "--line", help="SKU:QUANTITY (repeatable)."),
    file: Path | None = typer.Option(None, "--file", exists=True, help="The order as JSON."),
    method: Method | None = typer.Option(None, help="pickup, local_delivery or ship."),
    lat: float | None = typer.Option(None, help="Customer latitude."),
    lon: float | None = typer.Option(None, help="Customer longitude."),
    pickup_node: str | None = typer.Option(None, help="Where the customer will collect."),
    key: str | None = typer.Option(None, help="Idempotency key (default: a new one)."),
    rules: str | None = typer.Option(
        None,
        "--rules",
        "--rule",
        help="Routing rules in order, comma-separated, each preferring: "
        + "; ".join(f"{name}: {why}" for name, why in RULE_HELP.items())
        + ".",
    ),
    as_json: bool = JSON,
) -> None:
    """Promise an order: choose the node(s), reserve their stock rights, explain why.

    A pickup at a node that lacks the goods is filled by moving them there from nodes that
    hold them (a transfer, requested with the order), only when no plan without one exists.

    Example: microindex order place --line MUG-TIDE-350:2 --method local_delivery
    --lat 51.54 --lon -0.06

    Example: microindex order place --line MUG-TIDE-350:1 --method pickup
    --pickup-node locker --rule fewest_transfers,fastest
    """
    with domain_errors():
        ws = workspace(ctx)
        asked = _request(file, line, method, lat, lon, pickup_node)
        request = promise.request_from_record(asked, ws.clock())
        require_skus(ws.hub, [line.sku for line in request.lines])  # as the API refuses them
        require_nodes(ws.hub, *filter(None, [request.pickup_node]))
        settings = promise.PromiseSettings()
        if rules:
            settings = promise.PromiseSettings(chain=_chain(rules))
        placed = promise.place_order(
            ws.hub,
            order_key(key) if key else f"o-{uuid.uuid4().hex[:10]}",
            request,
            list_nodes(ws.hub),
            settings,
            ws.candidate_states(),
            ws.storage.kits().kits(),
        )
    _show(placed.record, as_json, _zone(ctx))


def _chain(text: str) -> tuple[str, ...]:
    try:
        return check_chain([name.strip() for name in text.split(",") if name.strip()])
    except ValueError as error:
        raise InvalidValue("rules", text, str(error)) from None


@app.command("show")
def show(
    ctx: typer.Context, ident: str = typer.Argument(..., help="Order id."), as_json: bool = JSON
) -> None:
    """An order's plan, each node's step, why it went there, and what the hub did on its own
    (a line re-promised from another node, a part at risk, with why).

    Example: microindex order show o-1a2b3c4d5e
    """
    with domain_errors():
        hub = workspace(ctx).hub
        record = promise.get_order(hub, ident)
        history = promise.order_history(hub, ident)
    _show(record, as_json, _zone(ctx), history)


@app.command("advance")
def advance(
    ctx: typer.Context,
    ident: str = typer.Argument(..., help="Order id."),
    node: str = typer.Argument(..., help="The node whose part moves."),
    step: Step = typer.Argument(..., help="confirmed, picked, packed, handed_over, delivered."),
    package: str | None = typer.Option(
        None, "--package", help="At packed: the package scanned (a template code)."
    ),
    actor: str = typer.Option("", help="Who did it."),
) -> None:
    """Record one node's next step. Picked (or a later step, when picking was skipped) takes
    the order's goods out of the node's stock, once. Packed records the package used: the one
    scanned (`--package`), else the node's templates choose.

    Example: microindex order advance o-1a2b3c van picked
    """
    with domain_errors():
        ws = workspace(ctx)
        done = packaging.advance(
            ws.hub,
            ws.storage.packaging(),
            ident,
            node,
            step,
            ws.clock(),
            actor,
            node_db=lambda code: node_database(ctx, code),
            link=ws.link,
            package=package,
        )
    order = done.order
    console.print(f"{order.ident}: {node} {step.value}; order {order.step.value}")
    if done.plan is not None:
        show_package(done.plan)
    elif step is Step.PACKED:
        console.print(
            f"no package recorded: {node} has no package templates (microindex package add)"
        )


def show_package(plan: packaging.PackingPlan) -> None:
    used, carriage = plan.used, plan.carriage
    shipped = f", by {carriage.carrier} {carriage.method}" if carriage else ""
    console.print(
        f"packed in {used.package_type} ({used.weight_g} g, {used.items} item(s)){shipped}"
    )


@app.command("cancel")
def cancel(ctx: typer.Context, ident: str = typer.Argument(..., help="Order id.")) -> None:
    """Cancel what is not yet handed over; its stock rights go back.

    Example: microindex order cancel o-1a2b3c4d5e
    """
    with domain_errors():
        ws = workspace(ctx)
        order = promise.cancel(ws.hub, ident, ws.clock())
    console.print(f"{order.ident}: {order.step.value}")


@app.command("release-lapsed")
def release_lapsed(ctx: typer.Context) -> None:
    """Release orders whose checkout lease ran out unconfirmed.

    Example: microindex order release-lapsed
    """
    ws = workspace(ctx)
    released = promise.release_lapsed(ws.hub, ws.clock())
    console.print(
        f"released {len(released)} order(s)" + (": " + ", ".join(released) if released else "")
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    node: str | None = typer.Option(
        None, "--node", help="Only orders with a part here, or goods travelling here."
    ),
    as_json: bool = JSON,
) -> None:
    """Open orders, oldest first. Example: microindex order list --node van"""
    with domain_errors():
        ws = workspace(ctx)
        if node is not None:  # a mistyped node is refused, not answered with no orders
            require_nodes(ws.hub, node)
        orders = promise.open_orders(ws.hub, node)
    if as_json:
        print_json([_record(o) for o in orders])
        return
    zone = _zone(ctx)
    table = Table("order", "method", "placed", "promised by", "step", "parts")
    for o in orders:
        parts = ", ".join(
            f"{p.node}: {p.step.value}{AT_RISK if p.at_risk else ''}" for p in o.parts.values()
        )
        table.add_row(
            o.ident,
            o.method.value,
            f"{o.placed_at.astimezone(zone):%d %b %H:%M}",
            f"{o.promised_by.astimezone(zone):%d %b %H:%M}",
            f"{o.step.value}{AT_RISK if o.at_risk else ''}",
            parts,
        )
    console.print(table)


def _record(order: Order) -> dict[str, Any]:
    return {
        "id": order.ident,
        "method": order.method.value,
        "placed_at": order.placed_at.isoformat(),
        "promised_by": order.promised_by.isoformat(),
        "step": order.step.value,
        "at_risk": bool(order.at_risk),
        "parts": [
            {
                "node": p.node,
                "lines": [list(line) for line in p.lines],
                "step": p.step.value,
                "ready_by": p.ready_by.isoformat() if p.ready_by else None,
                "arrives_by": p.arrives_by.isoformat() if p.arrives_by else None,
                "transfer_to": p.transfer_to,
                "arrived_at": p.arrived_at.isoformat() if p.arrived_at else None,
                "at_risk": p.at_risk,
            }
            for p in order.parts.values()
        ],
    }


def _zone(ctx: typer.Context) -> ZoneInfo:
    """The shop's time zone, which the times an order shows are told in."""
    return time_zone(workspace(ctx).settings.time_zone)


def _show(
    record: OrderRecord, as_json: bool, zone: ZoneInfo, history: list[Event] | None = None
) -> None:
    if as_json:
        steps = [_event(e) for e in history or []]
        print_json({**_record(record.order), "why": list(record.why), "history": steps})
        return
    order = record.order
    risk = AT_RISK if order.at_risk else ""
    console.print(
        f"[bold]{order.ident}[/] {order.method.value}, {order.step.value}{risk}; "
        f"with the customer by {order.promised_by.astimezone(zone):%a %d %b %H:%M %Z}"
    )
    for part in order.parts.values():
        lines = ", ".join(f"{q} x {s}" for s, q in part.lines)
        moved = f" to {part.transfer_to}" if part.transfer_to else ""
        console.print(f"  {part.node}{moved}: {lines} ({part.step.value})", highlight=False)
        if part.at_risk:
            console.print(f"    [bold red]at risk:[/] {escape(part.at_risk)}", highlight=False)
    for reason in record.why:
        console.print(f"  - {reason}", highlight=False)
    for event in [e for e in history or [] if e.note]:
        when = f"{event.at.astimezone(zone):%a %d %b %H:%M}"
        console.print(f"  {when} {event.node} {event.step.value}: {event.note}", highlight=False)


def _event(event: Event) -> dict[str, Any]:
    return {
        "node": event.node,
        "step": event.step.value,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "note": event.note,
    }
