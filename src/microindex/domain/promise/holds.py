"""A shopper's hold: an item held briefly for pickup at a node, placed from a scan.

A hold is a pickup order with a short lease, spending the online rights the hub holds at the
node. Not every node takes one: it must hand goods over to walk-in shoppers (a parcel locker
hands over parcels through its compartments, not holds) and be open long enough to have the
item ready now; the hub must hold rights to the units asked for, and a shopper holds a few
units at most. The lease runs from when the item is ready, so preparation does not eat it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.node import Node, NodeKind
from microindex.domain.promise.timing import NeverOpen, ready_by

MAX_UNITS = 5  # a hold is for a shopper, not a trade buyer


@dataclass(eq=False)
class NoPickupHere(DomainError):
    node: str
    code = "no_pickup_here"

    def __str__(self) -> str:
        return f"{self.node} does not hand over held items to shoppers"


@dataclass(eq=False)
class NodeClosed(DomainError):
    node: str
    ready_by: datetime | None  # the earliest a hold there could be ready (None: not soon)
    code = "node_closed"

    def __str__(self) -> str:
        if self.ready_by is None:
            return f"{self.node} is closed and does not open in the next two weeks"
        ready = f"{self.ready_by:%a %H:%M %Z}"
        return f"{self.node} is closed for holds now; one could be ready {ready}"


@dataclass(eq=False)
class NotReservable(DomainError):
    sku: str
    node: str
    requested: int
    available: int
    code = "not_reservable"

    def __str__(self) -> str:
        return f"only {self.available} of {self.sku} can be held at {self.node} now"


def takes_holds(node: Node) -> bool:
    return node.capabilities.pickup and node.kind is not NodeKind.LOCKER


def ready_for_hold(node: Node, at: datetime) -> datetime | None:
    """When a hold placed at `at` would be ready at `node` (None: not open within two weeks)."""
    try:
        return ready_by(node, at)
    except NeverOpen:
        return None


def refusal(node: Node, sku: str, quantity: int, held: int, at: datetime) -> DomainError | None:
    """Why `node` cannot hold `quantity` of `sku` at `at`, the hub holding `held` units of it
    there (None: it can)."""
    if not 1 <= quantity <= MAX_UNITS:
        return InvalidValue("quantity", str(quantity), f"hold 1 to {MAX_UNITS} units")
    code = node.code.value
    if not takes_holds(node):
        return NoPickupHere(code)
    ready = ready_for_hold(node, at)
    if ready is None or ready > at + timedelta(minutes=node.capabilities.preparation_minutes):
        return NodeClosed(code, ready)  # closed now, or closing before the item is ready
    if held < quantity:
        return NotReservable(sku, code, quantity, max(0, held))
    return None


def reservable(node: Node, sku: str, held: int, at: datetime) -> int:
    """How many units of `sku` a shopper may hold at `node` now (0: none)."""
    return min(MAX_UNITS, held) if refusal(node, sku, 1, held, at) is None else 0


def lease(node: Node, at: datetime, hold: timedelta) -> timedelta:
    """How long a hold placed at `at` lasts: `hold` from when the item is ready."""
    ready = ready_for_hold(node, at) or at
    return ready - at + hold
