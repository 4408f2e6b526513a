"""A node as the promise engine sees it: its online rights and what limits it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from microindex.domain.node import Location, Node
from microindex.domain.promise.order import Method, OrderRequest
from microindex.domain.promise.timing import (
    NeverOpen,
    delivered_after_shipping,
    ready_by,
    shipped_at,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """`online` is what the hub may promise here (its rights H per SKU). `walk_in_rate` is the
    node's own sales per day by SKU (to keep its walk-in share). `position` is where a van is
    now, when it is not at its base. `fits` is False when the node cannot take the parcel
    (a locker with no free compartment large enough). `closes_on` is a pop-up's last day."""

    node: Node
    online: Mapping[str, int]
    walk_in_rate: Mapping[str, float] = field(default_factory=dict)
    position: Location | None = None
    fits: bool = True
    closes_on: date | None = None
    transit_days: int = 1

    @property
    def priority(self) -> int:
        """The seller's ranking of the node (`node set --priority`): lower first."""
        return self.node.priority

    @property
    def code(self) -> str:
        return self.node.code.value

    def held(self, sku: str) -> int:
        return max(0, self.online.get(sku, 0))


@dataclass(frozen=True, slots=True)
class Reach:
    """How one node would serve the order: ready at the node, and with the customer."""

    ready: datetime
    arrives: datetime
    km: float


def refusals(candidate: Candidate, order: OrderRequest) -> list[str]:
    """Why this node cannot serve the order's method for this customer (empty: it can)."""
    node, caps = candidate.node, candidate.node.capabilities
    where = candidate.position or node.location
    reasons: list[str] = []
    if not candidate.fits:
        reasons.append("no free compartment fits the parcel")
    if order.method is Method.PICKUP:
        if not caps.pickup:
            reasons.append("does not offer pickup")
        elif order.pickup_node is not None and order.pickup_node != candidate.code:
            reasons.append(f"the customer collects at {order.pickup_node}")
        elif order.pickup_node is None and order.customer is not None:
            km = node.location.km_to(order.customer)
            if km > order.pickup_km:
                reasons.append(f"{km:.1f} km away, beyond {order.pickup_km:g} km for pickup")
    elif order.method is Method.LOCAL_DELIVERY:
        assert order.customer is not None
        km = where.km_to(order.customer)
        if caps.local_delivery_radius_km <= 0:
            reasons.append("does not deliver locally")
        elif km > caps.local_delivery_radius_km:
            reasons.append(f"{km:.1f} km away, beyond its {caps.local_delivery_radius_km:g} km")
    elif not caps.ships:
        reasons.append("does not ship parcels")
    return reasons


def reach(candidate: Candidate, order: OrderRequest) -> Reach | None:
    """When the order would be ready and with the customer; None if the node never opens."""
    node, caps = candidate.node, candidate.node.capabilities
    try:
        ready = ready_by(node, order.placed_at)
    except NeverOpen:
        return None
    where = candidate.position or node.location
    km = where.km_to(order.customer) if order.customer is not None else 0.0
    if order.method is Method.PICKUP:
        return Reach(ready, ready, km)
    if order.method is Method.LOCAL_DELIVERY:
        assert order.customer is not None
        trip = timedelta(hours=km / max(caps.local_delivery_speed_kmh, 1.0))  # as `travel`
        return Reach(ready, ready + trip, km)
    if caps.carrier_cutoff is None:
        return Reach(ready, delivered_after_shipping(ready, candidate.transit_days), km)
    shipped = shipped_at(ready, caps.carrier_cutoff)
    return Reach(ready, delivered_after_shipping(shipped, candidate.transit_days), km)


def days_open_left(candidate: Candidate, today: date) -> float:
    if candidate.closes_on is None:
        return float("inf")
    return max(0.0, (candidate.closes_on - today) / timedelta(days=1))
