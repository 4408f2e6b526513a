"""A plain sale line in a node's ledger, for the tests of what reads ledgers (contracts,
channels, counts, returns): a SELL movement and nothing else. The product sells one way,
`rights.sell_walk_in` (from the node's rights, asked of the hub, or an approved overdraft)."""

from __future__ import annotations

from datetime import datetime

from microindex.domain.movement import Movement, MovementKind
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.stock import record_movement


def sell(
    db: UnitOfWorkFactory,
    node: str,
    sku: str,
    quantity: int,
    at: datetime,
    reference: str = "",
    actor: str = "",
) -> Movement:
    return record_movement(db, node, sku, MovementKind.SELL, -quantity, at, reference, actor)
