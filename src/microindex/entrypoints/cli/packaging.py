"""`microindex package ...`: each node's package templates, packing an order, packages used."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

import typer
from rich.table import Table

from microindex.domain.errors import InvalidValue
from microindex.domain.money import Money
from microindex.domain.packaging import (
    MAX_COST,
    MAX_GRAMS,
    MAX_PADDING_MM,
    MAX_SIDE_MM,
    PackageTemplate,
    PackageUsed,
)
from microindex.domain.product import Size
from microindex.entrypoints.cli.context import (
    console,
    domain_errors,
    node_database,
    print_json,
    workspace,
)
from microindex.entrypoints.cli.orders import show_package
from microindex.service import packaging

app = typer.Typer(help="Packing: each node's package templates, packing orders, packages used.")

JSON = typer.Option(False, "--json", help="Print JSON.")


def template_record(t: PackageTemplate) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "inner": str(t.inner),
        "max_weight_g": t.max_weight_g,
        "cost": str(t.cost.amount),
        "currency": t.cost.currency,
        "padding_mm": t.padding_mm,
        "low_waste": t.low_waste,
        "tare_g": t.tare_g,
    }


def used_record(u: PackageUsed) -> dict[str, Any]:
    return {**asdict(u), "at": u.at.isoformat()}


@app.command("add")
def add(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    code: str = typer.Argument(..., help="Template code: what staff scan (e.g. its barcode)."),
    inner: str = typer.Option(..., "--inner", help="Inside size, LxWxH in mm."),
    max_g: int = typer.Option(
        ..., "--max-g", min=1, max=MAX_GRAMS, help="Heaviest load it takes, grams."
    ),
    cost: str = typer.Option(..., "--cost", help="What one costs, e.g. 0.80."),
    name: str = typer.Option("", "--name", help="What staff call it (default: the code)."),
    padding: int = typer.Option(
        0, "--padding", min=0, max=MAX_PADDING_MM, help="mm kept round fragile items."
    ),
    low_waste: bool = typer.Option(False, "--low-waste", help="Recycled or reusable."),
    tare: int = typer.Option(0, "--tare", min=0, max=MAX_GRAMS, help="Its own weight, grams."),
) -> None:
    """Add (or change) one of a node's package templates.

    Example: microindex package add shopfront box-s --inner 200x150x120 --max-g 5000 --cost 0.80
    """
    with domain_errors():
        ws = workspace(ctx)
        template = PackageTemplate(
            code, name or code, _inner(inner), max_g,
            Money(_amount(cost), ws.settings.currency), padding, low_waste, tare,
        )  # fmt: skip
        packaging.add_template(ws.hub, ws.storage.packaging(), node, template)
    console.print(f"{node}: package {code} ({inner} mm, up to {max_g} g)")


def _inner(text: str) -> Size:
    """The inside size, within the sides the API takes."""
    size = Size.parse(text)
    if max(size.length_mm, size.width_mm, size.height_mm) > MAX_SIDE_MM:
        raise InvalidValue("inner", text, f"a side is at most {MAX_SIDE_MM} mm")
    return size


def _amount(text: str) -> Decimal:
    """What one costs, within what the API takes."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidValue("cost", text, "not an amount") from None
    if amount.is_finite() and amount > MAX_COST:
        raise InvalidValue("cost", text, f"at most {MAX_COST}")
    return amount


@app.command("list")
def list_templates(
    ctx: typer.Context, node: str = typer.Argument(..., help="Node code."), as_json: bool = JSON
) -> None:
    """A node's package templates. Example: microindex package list shopfront"""
    with domain_errors():
        ws = workspace(ctx)
        found = packaging.templates(ws.hub, ws.storage.packaging(), node)
    if as_json:
        print_json([template_record(t) for t in found])
        return
    table = Table("code", "name", "inner mm", "max g", "cost", "padding", "low waste")
    for t in found:
        table.add_row(
            t.code, t.name, str(t.inner), str(t.max_weight_g), str(t.cost.amount),
            str(t.padding_mm), "yes" if t.low_waste else "",
        )  # fmt: skip
    console.print(table)


@app.command("pack")
def pack(
    ctx: typer.Context,
    ident: str = typer.Argument(..., help="Order id."),
    node: str = typer.Argument(..., help="The node packing its part."),
    package: str | None = typer.Option(None, "--package", help="The package scanned."),
    actor: str = typer.Option("", help="Who did it."),
) -> None:
    """Pack a node's part of an order: the package scanned, else the one the node's templates
    choose, recorded with the order; the part steps to packed.

    Example: microindex package pack o-1a2b3c shopfront --package box-s
    """
    with domain_errors():
        ws = workspace(ctx)
        done = packaging.pack(
            ws.hub, ws.storage.packaging(), ident, node, ws.clock(), actor,
            node_db=lambda code: node_database(ctx, code), link=ws.link, package=package,
        )  # fmt: skip
    console.print(f"{ident}: {node} packed; order {done.order.step.value}")
    if done.plan is None:
        console.print(f"no package recorded: {node} has no package templates")
    else:
        show_package(done.plan)


@app.command("used")
def used(
    ctx: typer.Context,
    node: str | None = typer.Option(None, "--node", help="Only this node's."),
    as_json: bool = JSON,
) -> None:
    """The package each order went out in. Example: microindex package used --node shopfront"""
    with domain_errors():
        ws = workspace(ctx)
        found = packaging.used(ws.hub, ws.storage.packaging(), node)
    if as_json:
        print_json([used_record(u) for u in found])
        return
    table = Table("order", "node", "package", "g", "items", "at")
    for u in found:
        table.add_row(
            u.order_ref,
            u.node,
            u.package_type,
            str(u.weight_g),
            str(u.items),
            f"{u.at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
