"""Packing: each node's package templates, packing a node's part of an order (the package
scanned, or the one the templates choose), and the packages orders went out in.

Staff pack at their own node and read its templates; an admin sets the templates. The package
recorded is what the shipping rules and the return-rate-by-package KPI read.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
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
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.api.orders import OrderId, OrderOut, order_out
from microindex.entrypoints.http.api.stock import NodePath
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import NODE_PATTERN, NodeText, Request
from microindex.service import packaging
from microindex.service.packaging import Destination, PackingPlan

api = router("packaging")

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
PackageCode = Annotated[str, Field(strict=True, pattern=CODE_PATTERN, examples=["box-s"])]
PackagePath = Annotated[str, Path(pattern=CODE_PATTERN, description="Package template code.")]
Mm = Annotated[int, Field(strict=True, gt=0, le=MAX_SIDE_MM)]
Grams = Annotated[int, Field(strict=True, ge=0, le=MAX_GRAMS)]


class TemplateIn(Request):
    name: Annotated[str, Field(strict=True, max_length=200)] = ""
    length_mm: Mm
    width_mm: Mm
    height_mm: Mm
    max_weight_g: Annotated[int, Field(strict=True, gt=0, le=MAX_GRAMS)]
    cost: Annotated[Decimal, Field(ge=0, le=MAX_COST, decimal_places=2)]
    padding_mm: Annotated[int, Field(strict=True, ge=0, le=MAX_PADDING_MM)] = 0
    low_waste: bool = False
    tare_g: Grams = 0


class TemplateOut(BaseModel):
    code: str
    name: str
    length_mm: int
    width_mm: int
    height_mm: int
    max_weight_g: int
    cost: Decimal
    currency: str
    padding_mm: int
    low_waste: bool
    tare_g: int


class PackIn(Request):
    node: NodeText
    package: PackageCode | None = Field(
        default=None, description="The package scanned; left out, the node's templates choose."
    )
    country: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}$")] | None = Field(
        default=None, description="Where it ships (with postcode): the carriage is chosen."
    )
    postcode: Annotated[str, Field(strict=True, max_length=16)] | None = None


class PackageUsedOut(BaseModel):
    order: str
    node: str
    package: str
    low_waste: bool
    weight_g: int
    items: int
    at: datetime


class CarriageOut(BaseModel):
    carrier: str
    method: str


class PackedOut(BaseModel):
    order: OrderOut
    package: PackageUsedOut | None = Field(
        description="The package recorded; null: the node has no templates and none was scanned."
    )
    carriage: CarriageOut | None = Field(default=None, description="When a destination was given.")


def template_out(t: PackageTemplate) -> TemplateOut:
    return TemplateOut(
        code=t.code,
        name=t.name,
        length_mm=t.inner.length_mm,
        width_mm=t.inner.width_mm,
        height_mm=t.inner.height_mm,
        max_weight_g=t.max_weight_g,
        cost=t.cost.amount,
        currency=t.cost.currency,
        padding_mm=t.padding_mm,
        low_waste=t.low_waste,
        tare_g=t.tare_g,
    )


def used_out(u: PackageUsed) -> PackageUsedOut:
    return PackageUsedOut(
        order=u.order_ref,
        node=u.node,
        package=u.package_type,
        low_waste=u.low_waste,
        weight_g=u.weight_g,
        items=u.items,
        at=u.at,
    )


def packed_out(order: OrderOut, plan: PackingPlan | None) -> PackedOut:
    carriage = None if plan is None else plan.carriage
    return PackedOut(
        order=order,
        package=None if plan is None else used_out(plan.used),
        carriage=(
            None
            if carriage is None
            else CarriageOut(carrier=carriage.carrier, method=carriage.method)
        ),
    )


@api.get(
    "/nodes/{node}/packages", response_model=list[TemplateOut], summary="A node's package templates"
)
def list_templates(node: NodePath, hub: HubDep, token: TokenDep) -> list[TemplateOut]:
    require(token.grant, Action.PACK, node)
    store = hub.workspace.storage.packaging()
    return [template_out(t) for t in packaging.templates(hub.hub, store, node)]


@api.put(
    "/nodes/{node}/packages/{code}",
    response_model=TemplateOut,
    summary="Add or change one of a node's package templates",
)
def put_template(
    node: NodePath, code: PackagePath, body: TemplateIn, hub: HubDep, token: TokenDep
) -> TemplateOut:
    require(token.grant, Action.MANAGE_NODES)
    template = PackageTemplate(
        code=code,
        name=body.name or code,
        inner=Size(body.length_mm, body.width_mm, body.height_mm),
        max_weight_g=body.max_weight_g,
        cost=Money(body.cost, hub.currency),
        padding_mm=body.padding_mm,
        low_waste=body.low_waste,
        tare_g=body.tare_g,
    )
    store = hub.workspace.storage.packaging()
    return template_out(packaging.add_template(hub.hub, store, node, template))


@api.post(
    "/orders/{order}/pack",
    response_model=PackedOut,
    summary="Pack a node's part of an order: record its package (scanned or chosen)",
)
def pack_order(order: OrderId, body: PackIn, hub: HubDep, token: TokenDep) -> PackedOut:
    require(token.grant, Action.PACK, body.node)
    ws = hub.workspace
    destination = None
    if body.country and body.postcode:
        destination = Destination(body.country, body.postcode)
    done = packaging.pack(
        ws.hub, ws.storage.packaging(), order, body.node, hub.now(), token.actor,
        node_db=hub.node_for_writing, link=ws.link, package=body.package,
        destination=destination,
    )  # fmt: skip
    return packed_out(order_out(done.order), done.plan)


@api.get(
    "/packages/used", response_model=list[PackageUsedOut], summary="The package each order used"
)
def packages_used(
    hub: HubDep,
    token: TokenDep,
    node: Annotated[str | None, Query(pattern=NODE_PATTERN, description="Only here.")] = None,
) -> list[PackageUsedOut]:
    require(token.grant, Action.PACK, node)
    store = hub.workspace.storage.packaging()
    return [used_out(u) for u in packaging.used(hub.hub, store, node)]
