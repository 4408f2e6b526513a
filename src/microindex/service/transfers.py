"""Transfers between nodes, recorded at the hub; each node writes only its own movements.

The sender records a transfer-out when it ships (from its local rights, like a sale); the
receiver records a transfer-in for what actually arrived. In between the goods are in
transit: on neither node's shelf. A short or lost delivery becomes a discrepancy record.
Each step is the node's transaction first, then the hub's: a crash in between is finished by
repeating the step (the node's movements carry the transfer's reference, so none is made twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.errors import DomainError
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.sync.account import NotEnoughRights
from microindex.domain.transfer import Transfer, TransferState, in_transit
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.rights import AskHub
from microindex.service.sync import load_side, save_ledger
from microindex.service.sync_ports import SyncUnitOfWorkFactory

RECENT = 5_000  # a repeated step looks this far back in the node's ledger for its movements


@dataclass(eq=False)
class UnknownTransfer(DomainError):
    transfer: str
    code = "unknown_transfer"

    def __str__(self) -> str:
        return f"no transfer {self.transfer!r}"


@dataclass(eq=False)
class TransferExists(DomainError):
    transfer: str
    code = "transfer_exists"

    def __str__(self) -> str:
        return f"transfer {self.transfer!r} was already requested"


def reference(ident: str) -> str:
    return f"transfer:{ident}"


def request(
    ops: NodeOpsFactory,
    ident: str,
    sender: str,
    receiver: str,
    lines: Mapping[str, int],
    at: datetime,
) -> Transfer:
    made = Transfer.request(ident, sender, receiver, lines, at)
    with ops() as uow:
        if uow.transfers.get(ident) is not None:
            raise TransferExists(ident)
        uow.transfers.add(made)
        uow.commit()
    return made


def pack(ops: NodeOpsFactory, ident: str, at: datetime, actor: str = "") -> Transfer:
    with ops() as uow:
        transfer = _load(uow.transfers.get(ident), ident)
        transfer.pack(at, actor)
        uow.transfers.save(transfer)
        uow.commit()
    return transfer


def ship(
    ops: NodeOpsFactory,
    sender_db: SyncUnitOfWorkFactory,
    ident: str,
    at: datetime,
    actor: str = "",
    lines: Mapping[str, int] | None = None,
    ask: AskHub | None = None,
) -> Transfer:
    """The sender ships: transfer-out at the sender, in transit at the hub.

    Shipping spends the sender's local rights; when they are pooled at the hub, `ask` (a sync
    that names what is needed) brings them back first.
    """
    with ops() as uow:
        transfer = _load(uow.transfers.get(ident), ident)
    shipped = transfer.ship(at, actor, lines)
    try:
        _record(sender_db, transfer.sender, ident, MovementKind.TRANSFER_OUT, shipped, at, actor)
    except NotEnoughRights:
        if ask is None:
            raise
        for sku, quantity in sorted(shipped.items()):
            ask(sku, quantity)
        _record(sender_db, transfer.sender, ident, MovementKind.TRANSFER_OUT, shipped, at, actor)
    with ops() as uow:
        uow.transfers.save(transfer)
        uow.commit()
    return transfer


def receive(
    ops: NodeOpsFactory,
    receiver_db: SyncUnitOfWorkFactory,
    ident: str,
    arrived: Mapping[str, int],
    at: datetime,
    actor: str = "",
) -> Transfer:
    """The receiver records what arrived (nothing: lost); a difference is a discrepancy."""
    with ops() as uow:
        transfer = _load(uow.transfers.get(ident), ident)
    took = transfer.receive(arrived, at, actor)
    _record(receiver_db, transfer.receiver, ident, MovementKind.TRANSFER_IN, took, at, actor)
    with ops() as uow:
        uow.transfers.save(transfer)
        uow.commit()
    return transfer


def get(ops: NodeOpsFactory, ident: str) -> Transfer:
    with ops() as uow:
        return _load(uow.transfers.get(ident), ident)


def listed(ops: NodeOpsFactory, state: TransferState | None = None) -> list[Transfer]:
    with ops() as uow:
        return uow.transfers.listed(state)


def stock_in_transit(ops: NodeOpsFactory) -> dict[tuple[str, str], int]:
    """Units shipped and not yet arrived, by (receiving node, SKU)."""
    return in_transit(listed(ops, TransferState.IN_TRANSIT))


def _record(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    ident: str,
    kind: MovementKind,
    lines: Mapping[str, int],
    at: datetime,
    actor: str,
) -> list[Movement]:
    """The node's own movements for this step, once (a repeated step finds them made)."""
    ref = reference(ident)
    with node_db() as uow:
        side = load_side(uow, node)
        ledger = uow.ledger.load(node, sorted(lines))
        recent = uow.ledger.movements(node, max(0, ledger.head - RECENT), RECENT)
        done = {m.sku for m in recent if m.reference == ref}
        made: list[Movement] = []
        for sku, quantity in sorted(lines.items()):
            if sku in done:
                continue
            if kind is MovementKind.TRANSFER_OUT and quantity > side.get(sku).local:
                raise NotEnoughRights(sku, node, quantity, side.get(sku).local)
            sign = -1 if kind is MovementKind.TRANSFER_OUT else 1
            made.append(ledger.record(sku, kind, sign * quantity, at, ref, actor))
        side.catch_up(made)
        save_ledger(uow, ledger, made, at)
        uow.rights.save(side)
        uow.commit()
    return made


def _load(found: Transfer | None, ident: str) -> Transfer:
    if found is None:
        raise UnknownTransfer(ident)
    return found
