"""Reorder points per node: when on-hand of a SKU falls to its point, it is low and wants
ordering (up to its target, when one is set)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from microindex.domain.codes import NodeCode, Sku
from microindex.domain.errors import InvalidValue

MAX_LEVEL = 1_000_000


@dataclass(frozen=True, slots=True)
class ReorderPoint:
    node: str
    sku: str
    point: int  # low when on-hand is at or below this
    target: int = 0  # order up to this many (0: no target, suggest the point + 1)

    def __post_init__(self) -> None:
        NodeCode(self.node)
        Sku(self.sku)
        if not 0 <= self.point <= MAX_LEVEL:
            raise InvalidValue("point", str(self.point), f"0 to {MAX_LEVEL:,}")
        if self.target and not self.point < self.target <= MAX_LEVEL:
            raise InvalidValue("target", str(self.target), "above the reorder point")


@dataclass(frozen=True, slots=True)
class LowStock:
    node: str
    sku: str
    on_hand: int
    point: int
    suggested: int  # how many to order to reach the target


def low_stock(
    points: Iterable[ReorderPoint], on_hand: Mapping[tuple[str, str], int]
) -> list[LowStock]:
    """The points at or below their level, by node then SKU. `on_hand` by (node, sku)."""
    found: list[LowStock] = []
    for p in points:
        have = on_hand.get((p.node, p.sku), 0)
        if have <= p.point:
            target = p.target or p.point + 1
            found.append(LowStock(p.node, p.sku, have, p.point, max(0, target - have)))
    return sorted(found, key=lambda low: (low.node, low.sku))
