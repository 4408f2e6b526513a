"""Choosing a package for an order from its items and a node's package templates.

An order goes in one package. A template fits when every item fits inside (turned any way),
the items' volume leaves room to pack (FILL_LIMIT), the weight with the box is within its
limit, and fragile items keep the template's padding on every side (twice for very fragile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.money import Money
from microindex.domain.product import MAX_WEIGHT_G, Fragility, Product, Size

FILL_LIMIT = 0.85  # share of a box's inner volume items may take; the rest is for packing
# What a package template may say, at every edge: a side, a weight (its load or its own), the
# padding, and what one costs.
MAX_SIDE_MM = 5_000
MAX_GRAMS = MAX_WEIGHT_G  # a package takes what a product may weigh
MAX_PADDING_MM = 500
MAX_COST = 10_000


@dataclass(frozen=True, slots=True)
class PackageTemplate:
    code: str
    name: str
    inner: Size
    max_weight_g: int
    cost: Money
    padding_mm: int = 0  # kept around fragile items on every side; 0 = not for fragile items
    low_waste: bool = False  # recycled or reusable material, right-sized
    tare_g: int = 0

    def __post_init__(self) -> None:
        if not self.code.strip() or not self.name.strip():
            raise InvalidValue("package", self.code, "a package template needs a code and name")
        if self.max_weight_g <= 0 or self.tare_g < 0 or self.padding_mm < 0:
            raise InvalidValue("package", self.code, "weights are positive, padding not negative")


@dataclass(frozen=True, slots=True)
class PackItem:
    sku: str
    size: Size
    weight_g: int
    fragility: Fragility = Fragility.STURDY
    quantity: int = 1

    @classmethod
    def of(cls, product: Product, quantity: int) -> PackItem:
        if product.size is None:
            raise MissingPackingData(product.sku.value, "size")
        if product.weight_g is None:
            raise MissingPackingData(product.sku.value, "weight_g")
        if quantity <= 0:
            raise InvalidValue("quantity", str(quantity), "an order line packs at least one")
        return cls(product.sku.value, product.size, product.weight_g, product.fragility, quantity)

    @property
    def volume_mm3(self) -> int:
        s = self.size
        return s.length_mm * s.width_mm * s.height_mm * self.quantity


@dataclass(eq=False)
class MissingPackingData(DomainError):
    sku: str
    field: str
    code = "missing_packing_data"

    def __str__(self) -> str:
        return f"cannot pack {self.sku}: the product has no {self.field}"


@dataclass(eq=False)
class NoPackageFits(DomainError):
    """No template takes the order; `reasons` says, per template code, why not."""

    reasons: dict[str, str]
    code = "no_package_fits"

    def __str__(self) -> str:
        if not self.reasons:
            return "no package fits: the node has no package templates"
        why = "; ".join(f"{code}: {reason}" for code, reason in self.reasons.items())
        return f"no package fits: {why}"


@dataclass(frozen=True, slots=True)
class PackageChoice:
    template: PackageTemplate
    weight_g: int  # items and the empty package
    fill: float  # items' volume over the usable inner volume
    padding_mm: int


@dataclass(frozen=True, slots=True)
class PackageUsed:
    """Which package an order went out in: the returns KPI reads return rate by package type."""

    order_ref: str
    node: str
    package_type: str
    low_waste: bool
    weight_g: int
    items: int
    at: datetime


def padding_for(items: Sequence[PackItem], template: PackageTemplate) -> int:
    kinds = {item.fragility for item in items}
    if Fragility.VERY_FRAGILE in kinds:
        return 2 * template.padding_mm
    return template.padding_mm if Fragility.FRAGILE in kinds else 0


def why_not(items: Sequence[PackItem], template: PackageTemplate) -> str | None:
    """The reason the items do not fit the template, or None when they do."""
    fragile = any(item.fragility is not Fragility.STURDY for item in items)
    if fragile and template.padding_mm == 0:
        return "no padding for fragile items"
    padding = padding_for(items, template)
    room = sorted(side - 2 * padding for side in _sides(template.inner))
    if room[0] <= 0:
        return f"padding of {padding} mm leaves no room"
    for item in items:
        if any(a > b for a, b in zip(sorted(_sides(item.size)), room, strict=True)):
            return f"{item.sku} ({item.size} mm) is larger than {'x'.join(map(str, room))} mm"
    volume = sum(item.volume_mm3 for item in items)
    usable = room[0] * room[1] * room[2]
    if volume > usable * FILL_LIMIT:
        return f"items take {volume // 1000} cm3 of {usable // 1000} cm3"
    weight = sum(item.weight_g * item.quantity for item in items) + template.tare_g
    if weight > template.max_weight_g:
        return f"weighs {weight} g, takes at most {template.max_weight_g} g"
    return None


def choose_package(
    items: Sequence[PackItem],
    templates: Sequence[PackageTemplate],
    prefer_low_waste: bool = False,
) -> PackageChoice:
    """The cheapest template that fits (then the smallest; low-waste first if preferred)."""
    if not items:
        raise InvalidValue("items", "", "an order to pack has at least one item")
    reasons = {t.code: why for t in templates if (why := why_not(items, t)) is not None}
    fitting = [t for t in templates if t.code not in reasons]
    if not fitting:
        raise NoPackageFits(reasons)

    def rank(t: PackageTemplate) -> tuple[bool, object, int, bool]:
        volume = t.inner.length_mm * t.inner.width_mm * t.inner.height_mm
        return (prefer_low_waste and not t.low_waste, t.cost.amount, volume, not t.low_waste)

    best = min(fitting, key=rank)
    padding = padding_for(items, best)
    room = [side - 2 * padding for side in _sides(best.inner)]
    volume = sum(item.volume_mm3 for item in items)
    weight = sum(item.weight_g * item.quantity for item in items) + best.tare_g
    return PackageChoice(best, weight, volume / (room[0] * room[1] * room[2]), padding)


def _sides(size: Size) -> tuple[int, int, int]:
    return (size.length_mm, size.width_mm, size.height_mm)


@dataclass(eq=False)
class UnknownPackage(DomainError):
    """A package scanned (or named) at a node that has no template of that code."""

    node: str
    package: str
    known: list[str]
    code = "unknown_package"

    def __str__(self) -> str:
        known = ", ".join(self.known) or "none yet"
        return f"no package template {self.package!r} at {self.node}; its templates: {known}"


def scanned(templates: Sequence[PackageTemplate], node: str, code: str) -> PackageTemplate:
    """The template staff scanned or chose by its code at `node`."""
    found = next((t for t in templates if t.code == code.strip()), None)
    if found is None:
        raise UnknownPackage(node, code, [t.code for t in templates])
    return found


def packed_in(items: Sequence[PackItem], template: PackageTemplate) -> PackageChoice:
    """The items in a package staff chose: it must take them (`why_not`)."""
    why = why_not(items, template)
    if why is not None:
        raise NoPackageFits({template.code: why})
    return choose_package(items, [template])
