"""Packing an order at a node: choose the package, pick the carriage, record what was used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from microindex.domain.errors import UnknownSku
from microindex.domain.packaging import (
    PackageChoice,
    PackageTemplate,
    PackageUsed,
    PackItem,
    choose_package,
)
from microindex.domain.shipping import (
    DEFAULT_RULES,
    Carriage,
    Shipment,
    ShippingRule,
    choose_carriage,
)
from microindex.service.ports import UnitOfWorkFactory


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
class PackingPlan:
    choice: PackageChoice
    carriage: Carriage | None
    used: PackageUsed


def pack_order(
    uow_factory: UnitOfWorkFactory,
    packaging: PackagingStore,
    node: str,
    order_ref: str,
    lines: Sequence[OrderLine],
    at: datetime,
    destination: Destination | None = None,
    rules: Sequence[ShippingRule] = DEFAULT_RULES,
    prefer_low_waste: bool = False,
) -> PackingPlan:
    """Choose the package for an order at `node`, its carriage if shipped, and record it."""
    with uow_factory() as uow:
        products = {line.sku: uow.catalog.get(line.sku) for line in lines}
    items = []
    for line in lines:
        product = products[line.sku]
        if product is None:
            raise UnknownSku(line.sku)
        items.append(PackItem.of(product, line.quantity))
    choice = choose_package(items, packaging.templates(node), prefer_low_waste)
    carriage = None
    if destination is not None:
        shipment = Shipment(destination.country, destination.postcode, choice.weight_g)
        carriage = choose_carriage(shipment, rules)
    used = PackageUsed(
        order_ref,
        node,
        choice.template.code,
        choice.template.low_waste,
        choice.weight_g,
        sum(line.quantity for line in lines),
        at,
    )
    packaging.record(used)
    return PackingPlan(choice, carriage, used)


def add_template(packaging: PackagingStore, node: str, template: PackageTemplate) -> None:
    packaging.save_template(node, template)
