"""Moving goods to the node a shopper collects from, when that node lacks them.

A sender gets the goods ready (its own preparation, in its opening hours), they travel to the
pickup node (the sender's local delivery speed, or a courier's), and the pickup node prepares
them (in its opening hours). The promise engine considers this only when no plan without a
transfer exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from microindex.domain.node import Node
from microindex.domain.promise.candidates import Candidate, Reach
from microindex.domain.promise.order import Method, OrderRequest
from microindex.domain.promise.timing import NeverOpen, ready_by, travel

COURIER_KMH = 20.0  # a sender without its own delivery speed sends by courier


def transfer_reach(
    sender: Candidate, receiver: Node, at: datetime, receiver_closes_on: date | None = None
) -> Reach | None:
    """When goods sent from `sender` are ready at `receiver`; None if either never opens, or
    is a pop-up whose last day (`closes_on`) comes before it would send or receive them.

    `km` is the distance the goods travel."""
    origin = sender.position or sender.node.location
    speed = sender.node.capabilities.local_delivery_speed_kmh or COURIER_KMH
    try:
        sent = ready_by(sender.node, at)
        ready = ready_by(receiver, sent + travel(origin, receiver.location, speed))
    except NeverOpen:
        return None
    if _closed(sender.closes_on, sent) or _closed(receiver_closes_on, ready):
        return None
    return Reach(ready, ready, origin.km_to(receiver.location))


def _closed(closes_on: date | None, at: datetime) -> bool:
    return closes_on is not None and closes_on < at.date()


def senders(
    order: OrderRequest, receiver: Candidate, candidates: Sequence[Candidate]
) -> list[tuple[Candidate, Reach]]:
    """The nodes that could send some of the order to the pickup node, with their reach."""
    if order.method is not Method.PICKUP or order.pickup_node != receiver.code:
        return []
    found: list[tuple[Candidate, Reach]] = []
    for candidate in candidates:
        if candidate.code == receiver.code:
            continue
        if not any(candidate.held(sku) for sku in order.wanted):
            continue
        where = transfer_reach(candidate, receiver.node, order.placed_at, receiver.closes_on)
        if where is not None:
            found.append((candidate, where))
    return found
