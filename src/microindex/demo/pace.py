"""The demo shop's own history, as its live shoppers follow it: how fast each node sold and
between what levels its stock moved.

Read once from the node ledgers when the live demo starts. The shoppers then buy at each node
at that pace (units per second over the history's span), and a node whose SKU runs low is
restocked to where the SKU stood when the demo started, so the stock stays within the range it
kept over its history, as a shop's would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.movement import Movement, MovementKind
from microindex.service.ports import UnitOfWorkFactory

PAGE = 5000


@dataclass(frozen=True, slots=True)
class NodePace:
    """One node's history: units sold a second, its goods on hand at the lowest and highest
    (after its first day, when it was being stocked) and now, and each SKU's on hand now."""

    per_second: float
    low: int
    high: int
    on_hand: int
    par: dict[str, int]


def node_pace(node_db: UnitOfWorkFactory, code: str, now: datetime) -> NodePace:
    total, sold, low, high, first = 0, 0, None, None, None
    par: dict[str, int] = {}
    for movement in _movements(node_db, code):
        if movement.kind is MovementKind.GRANT:  # rights between node and hub, not goods
            continue
        first = first or movement.at
        total += movement.quantity
        par[movement.sku] = par.get(movement.sku, 0) + movement.quantity
        if movement.kind is MovementKind.SELL:
            sold -= movement.quantity
        if (movement.at - first).days >= 1:
            low = total if low is None else min(low, total)
            high = total if high is None else max(high, total)
    span = (now - first).total_seconds() if first else 0.0
    return NodePace(
        per_second=sold / span if span > 0 else 0.0,
        low=min(total, total if low is None else low),
        high=max(total, total if high is None else high),
        on_hand=total,
        par={sku: units for sku, units in par.items() if units > 0},
    )


def _movements(node_db: UnitOfWorkFactory, code: str) -> Iterator[Movement]:
    after = 0
    while True:
        with node_db() as uow:
            batch = uow.ledger.movements(code, after, PAGE)
        yield from batch
        if len(batch) < PAGE:
            return
        after = batch[-1].seq
