"""What a customer asks for: lines, a method, where they are, and maybe a deadline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from microindex.domain.codes import KEY_PATTERN as KEY_PATTERN
from microindex.domain.codes import idempotency_key
from microindex.domain.errors import InvalidValue
from microindex.domain.kits import Kit, parts_wanted
from microindex.domain.node import Location

order_key = idempotency_key  # `key` if an order may be called that, else InvalidValue


class Method(StrEnum):
    PICKUP = "pickup"
    LOCAL_DELIVERY = "local_delivery"
    SHIP = "ship"


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise InvalidValue("quantity", str(self.quantity), "an order line wants 1 or more")


@dataclass(frozen=True, slots=True)
class OrderRequest:
    lines: tuple[OrderLine, ...]
    method: Method
    placed_at: datetime
    customer: Location | None = None
    pickup_node: str | None = None  # the shopper chose where to collect
    pickup_km: float = 5.0  # how far a shopper will go to collect
    deadline: datetime | None = None

    def __post_init__(self) -> None:
        if not self.lines:
            raise InvalidValue("lines", "", "an order has at least one line")
        skus = [line.sku for line in self.lines]
        if len(skus) != len(set(skus)):
            raise InvalidValue("lines", ", ".join(skus), "each SKU appears once per order")
        if self.placed_at.tzinfo is None:
            raise InvalidValue("placed_at", self.placed_at.isoformat(), "needs a time zone")
        if self.method is not Method.PICKUP and self.customer is None:
            raise InvalidValue("customer", "", f"{self.method} needs the customer's location")
        if self.method is Method.PICKUP and self.customer is None and not self.pickup_node:
            raise InvalidValue("customer", "", "pickup needs a chosen node or a location")

    @property
    def wanted(self) -> dict[str, int]:
        return {line.sku: line.quantity for line in self.lines}


def as_parts(request: OrderRequest, kits: Mapping[str, Kit]) -> OrderRequest:
    """An online order with its kit lines replaced by their parts (`kits.parts_wanted`)."""
    lines = [(line.sku, line.quantity) for line in request.lines]
    if not any(sku in kits for sku, _ in lines):
        return request
    wanted = parts_wanted(lines, kits)
    return replace(request, lines=tuple(OrderLine(sku, q) for sku, q in wanted.items()))
