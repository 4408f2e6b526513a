"""Packing an order at a node: choose the package, pick the carriage, record what was used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from microindex.domain.errors import InvalidValue, UnknownSku
from microindex.domain.packaging import (
    PackageChoice,
    PackageTemplate,
    PackageUsed,
    PackItem,
    choose_package,
    packed_in,
    scanned,
)
from microindex.domain.promise.lifecycle import Order, Step
from microindex.domain.shipping import (
    DEFAULT_RULES,
    Carriage,
    Shipment,
    ShippingRule,
    choose_carriage,
)
from microindex.service import fulfilment, promise
from microindex.service.fulfilment import HubLink, NodeDatabase
from microindex.service.nodes import get_node
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.promise_ports import PromiseUnitOfWorkFactory


class PackagingStore(Protocol):
    def save_template(self, node: str, template: PackageTemplate) -> None: ...
    def templates(self, node: str) -> list[PackageTemplate]: ...
    def record(self, used: PackageUsed) -> None: ...
    def for_order(self, order_ref: str) -> PackageUsed | None: ...
    def used(self, node: str | None = None) -> list[PackageUsed]: ...


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Destination:
    country: str
    postcode: str


@dataclass(frozen=True, slots=True)
class PackRequest:
    """What staff pack at `node` for order `order_ref`: its `lines`, where it ships (None:
    collected or delivered), the package they scanned (None: the node's templates choose)."""

    node: str
    order_ref: str
    lines: Sequence[OrderLine]
    at: datetime
    destination: Destination | None = None
    rules: Sequence[ShippingRule] = DEFAULT_RULES
    prefer_low_waste: bool = False
    package: str | None = None


@dataclass(frozen=True, slots=True)
class PackingPlan:
    choice: PackageChoice
    carriage: Carriage | None
    used: PackageUsed


def pack_order(
    uow_factory: UnitOfWorkFactory, packaging: PackagingStore, request: PackRequest
) -> PackingPlan:
    """Choose the package for an order (or take the one staff scanned from the node's
    templates), its carriage if shipped, and record it."""
    plan = plan_packing(uow_factory, packaging, request)
    packaging.record(plan.used)
    return plan


def plan_packing(
    uow_factory: UnitOfWorkFactory, packaging: PackagingStore, request: PackRequest
) -> PackingPlan:
    """What `pack_order` records, recording nothing."""
    lines = request.lines
    with uow_factory() as uow:
        products = {line.sku: uow.catalog.get(line.sku) for line in lines}
    items = []
    for line in lines:
        product = products[line.sku]
        if product is None:
            raise UnknownSku(line.sku)
        items.append(PackItem.of(product, line.quantity))
    templates = packaging.templates(request.node)
    if request.package is None:
        choice = choose_package(items, templates, request.prefer_low_waste)
    else:
        choice = packed_in(items, scanned(templates, request.node, request.package))
    carriage = None
    if request.destination is not None:
        where = request.destination
        carriage = choose_carriage(
            Shipment(where.country, where.postcode, choice.weight_g), request.rules
        )
    used = PackageUsed(
        request.order_ref,
        request.node,
        choice.template.code,
        choice.template.low_waste,
        choice.weight_g,
        sum(line.quantity for line in lines),
        request.at,
    )
    return PackingPlan(choice, carriage, used)


@dataclass(frozen=True, slots=True)
class Packed:
    order: Order
    plan: PackingPlan | None  # None: the node has no package templates, none was scanned


def pack(
    hub: PromiseUnitOfWorkFactory,
    packaging: PackagingStore,
    ident: str,
    node: str,
    at: datetime,
    actor: str = "",
    *,
    node_db: NodeDatabase,
    link: HubLink | None = None,
    package: str | None = None,
    destination: Destination | None = None,
    rules: Sequence[ShippingRule] = DEFAULT_RULES,
) -> Packed:
    """Staff pack a node's part of an online order: the package they scanned (or the one the
    node's templates choose) is checked against the goods, the part steps to packed (its goods
    leave the ledger if not picked yet), and the package is recorded with the order, which the
    shipping rules and the return-rate-by-package KPI read. A node without templates, packing
    without a scan, records the step and no package."""
    order = promise.get_order(hub, ident).order
    part = order.parts.get(node)
    if part is None:  # refused there: an unknown node, or no part at this node
        get_node(hub, node)
        return Packed(
            fulfilment.advance(hub, ident, node, Step.PACKED, at, actor, node_db=node_db), None
        )
    plan = None
    if package is not None or packaging.templates(node):
        lines = [OrderLine(sku, quantity) for sku, quantity in part.lines]
        request = PackRequest(node, ident, lines, at, destination, rules, package=package)
        plan = plan_packing(hub, packaging, request)
    packed = fulfilment.advance(
        hub, ident, node, Step.PACKED, at, actor, node_db=node_db, link=link
    )
    if plan is not None:
        packaging.record(plan.used)
    return Packed(packed, plan)


def advance(
    hub: PromiseUnitOfWorkFactory,
    packaging: PackagingStore,
    ident: str,
    node: str,
    step: Step,
    at: datetime,
    actor: str = "",
    *,
    node_db: NodeDatabase,
    link: HubLink | None = None,
    package: str | None = None,
) -> Packed:
    """One node's next step, as the staff's edges record it: the packed step is `pack`."""
    if step is Step.PACKED:
        return pack(
            hub, packaging, ident, node, at, actor, node_db=node_db, link=link, package=package
        )
    if package is not None:
        raise InvalidValue("package", package, "a package is recorded at the packed step")
    return Packed(
        fulfilment.advance(hub, ident, node, step, at, actor, node_db=node_db, link=link), None
    )


def add_template(
    hub: UnitOfWorkFactory, packaging: PackagingStore, node: str, template: PackageTemplate
) -> PackageTemplate:
    """Add (or change) one of a registered node's package templates."""
    get_node(hub, node)
    packaging.save_template(node, template)
    return template


def templates(
    hub: UnitOfWorkFactory, packaging: PackagingStore, node: str
) -> list[PackageTemplate]:
    get_node(hub, node)
    return packaging.templates(node)


def used(
    hub: UnitOfWorkFactory, packaging: PackagingStore, node: str | None = None
) -> list[PackageUsed]:
    """The packages orders went out in (at `node`)."""
    if node is not None:
        get_node(hub, node)
    return packaging.used(node)
