"""Reading a node's ledger history for the governance reports: every movement, in seq order."""

from __future__ import annotations

from microindex.domain.movement import Movement
from microindex.service.ports import UnitOfWorkFactory

PAGE = 5000


def all_movements(uow_factory: UnitOfWorkFactory, node: str) -> list[Movement]:
    """The node's whole ledger (a small seller's node holds thousands, not millions)."""
    found: list[Movement] = []
    with uow_factory() as uow:
        while True:
            page = uow.ledger.movements(node, found[-1].seq if found else 0, PAGE)
            found.extend(page)
            if len(page) < PAGE:
                return found
