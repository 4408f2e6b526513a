"""`microindex returns ...`: open a return, check it in by scan, disposition it, list, alert."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

import typer
from rich.table import Table

from microindex.domain.errors import InvalidValue
from microindex.domain.node import Location
from microindex.domain.returns import Condition, Disposition, Origin, OriginKind, Reason, Return
from microindex.entrypoints.cli.context import console, domain_errors, print_json, workspace
from microindex.entrypoints.cli.governance_context import governance
from microindex.entrypoints.cli.lines import sku_quantities
from microindex.service import returns as returns_service

app = typer.Typer(help="Returns: open against a sale or order, check in by scan, disposition.")

JSON = typer.Option(False, "--json", help="Print JSON.")
ACTOR = typer.Option("", "--actor", help="Who did it.")


def _near(text: str | None) -> Location | None:
    if not text:
        return None
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise InvalidValue("near", text, "write LAT,LON, e.g. 51.5308,-0.1238") from None
    return Location(lat, lon)


def _sold(sold_at: str, sale: str) -> Origin:
    """The sale `stock sell` printed as NODE#SEQ (or its SEQ alone), sold at `sold_at`."""
    node, _, seq = sale.rpartition("#")
    if node not in ("", sold_at) or not seq.isdigit() or not seq.isascii() or len(seq) > 18:
        raise InvalidValue("sale", sale, f"write the sale as `stock sell` printed it: {sold_at}#12")
    return Origin(OriginKind.SALE, "", sold_at, int(seq))


def return_record(ret: Return) -> dict[str, Any]:
    return {
        "id": ret.id,
        "state": ret.state.value,
        "origin": {
            "kind": ret.origin.kind.value,
            "reference": ret.origin.reference,
            "node": ret.origin.node,
            "sale": ret.origin.sale,
        },
        "return_point": ret.return_point,
        "reason": ret.reason.value,
        "opened_at": ret.opened_at,
        "lines": [
            {"sku": x.sku, "quantity": x.quantity, "received": x.received} for x in ret.lines
        ],
        "decisions": [
            {
                "sku": d.sku,
                "quantity": d.quantity,
                "disposition": d.disposition.value,
                "condition": d.condition.value,
                "movement": d.movement,
                "at": d.at,
                "actor": d.actor,
            }
            for d in ret.decisions
        ],
        "note": ret.note,
    }


@app.command("open")
def open_return(
    ctx: typer.Context,
    sold_at: str = typer.Argument(..., help="Node that sold it."),
    reference: str = typer.Argument(
        ..., help="Sale reference (e.g. till:van), order id (--order) or sale (--sale)."
    ),
    items: list[str] = typer.Argument(..., help="SKU or SKU:QUANTITY, one or more."),
    reason: Reason = typer.Option(..., "--reason", help="Why it came back."),
    order: bool = typer.Option(False, "--order", help="REFERENCE is an order id."),
    sale: bool = typer.Option(
        False,
        "--sale",
        help="REFERENCE is the sale as `stock sell` printed it (van#12, or 12): for a sale"
        " made without --ref.",
    ),
    near: str | None = typer.Option(None, "--near", help="Customer LAT,LON: nearest point."),
    note: str = typer.Option("", "--note"),
    as_json: bool = JSON,
) -> None:
    """Open a return against a sale; it goes to the nearest node that accepts returns.

    Example: microindex returns open van till:van MUG-TIDE-350 --reason changed-mind

    Example: microindex returns open van van#12 MUG-TIDE-350 --sale --reason changed-mind
    """
    with domain_errors():
        gov = governance(ctx)
        kind = OriginKind.ORDER if order else OriginKind.SALE
        origin = _sold(sold_at, reference) if sale else Origin(kind, reference, sold_at)
        ret = returns_service.open_return(
            gov.sources.hub,
            gov.sources.nodes,
            origin,
            sku_quantities(items, one_if_bare=True),
            reason,
            workspace(ctx).clock(),
            _near(near),
            note,
        )
    if as_json:
        print_json(return_record(ret))
        return
    console.print(f"{ret.id}: {ret.units} unit(s), bring to [bold]{ret.return_point}[/]")


@app.command("check-in")
def check_in(
    ctx: typer.Context,
    return_id: str = typer.Argument(..., help="Return id, e.g. R-shopfront-00001."),
    scanned: str = typer.Argument(..., help="What the scanner read: a GTIN or the SKU."),
    quantity: int = typer.Option(1, "--quantity", min=1),
) -> None:
    """Goods arrive at the return point, scanned.

    Example: microindex returns check-in R-shopfront-00001 5069412000027
    """
    with domain_errors():
        sources = governance(ctx).sources
        lines = returns_service.check_in(sources.hub, sources.nodes, return_id, scanned, quantity)
    for line in lines:  # a kit's barcode checks in each of its parts
        console.print(f"{return_id}: {line.sku} {line.received} of {line.quantity} in")


@app.command("disposition")
def disposition(
    ctx: typer.Context,
    return_id: str = typer.Argument(...),
    sku: str = typer.Argument(...),
    condition: Condition = typer.Option(..., "--condition", help="What staff found."),
    override: Disposition | None = typer.Option(None, "--as", help="Override the rule."),
    quantity: int | None = typer.Option(None, "--quantity", min=1, help="Default: all in."),
    actor: str = ACTOR,
) -> None:
    """Restock, refurbish or write off checked-in units (by rule unless --as is given).

    Example: microindex returns disposition R-shopfront-00001 MUG-TIDE-350 --condition as-new
    """
    with domain_errors():
        decision = returns_service.disposition(
            governance(ctx).sources.nodes,
            return_id,
            sku,
            condition,
            workspace(ctx).clock(),
            quantity,
            override,
            actor,
        )
    moved = f" (ledger #{decision.movement})" if decision.movement else ""
    console.print(f"{return_id}: {decision.quantity} x {sku} -> {decision.disposition}{moved}")


@app.command("list")
def list_returns(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every return at every return point. Example: microindex returns list --json"""
    with domain_errors():
        found = returns_service.all_returns(governance(ctx).sources.nodes)
    if as_json:
        print_json([return_record(r) for r in found])
        return
    table = Table("id", "state", "sold at", "sale", "point", "reason", "units", "decided")
    for r in found:
        decided = ", ".join(f"{d.quantity} {d.disposition}" for d in r.decisions)
        table.add_row(
            r.id,
            r.state.value,
            r.origin.node,
            r.origin.label,
            r.return_point,
            r.reason.value,
            str(r.units),
            decided,
        )
    console.print(table)


@app.command("alerts")
def alerts(
    ctx: typer.Context,
    weeks: int = typer.Option(8, "--weeks", min=1),
    threshold: float = typer.Option(0.1, "--threshold", min=0.0, max=1.0),
    as_json: bool = JSON,
) -> None:
    """SKUs and package types returned above the threshold, with the returns as evidence.

    Example: microindex returns alerts --weeks 8 --threshold 0.15
    """
    with domain_errors():
        gov = governance(ctx)
        end = gov.clock()
        found = returns_service.alerts(
            gov.sources.nodes, gov.sources.packaging, end - timedelta(weeks=weeks), end, threshold
        )
    if as_json:
        print_json([asdict(a) for a in found])
        return
    for alert in found:
        console.print(str(alert), highlight=False)
    if not found:
        console.print("no return rate over the threshold")
