"""Transfers between nodes, recorded at the hub; each node writes only its own movements.

The sender records a transfer-out when it ships (from its local rights, like a sale); the
receiver records a transfer-in for what actually arrived. In between the goods are in
transit: on neither node's shelf. A short or lost delivery becomes a discrepancy record.
Each step is the node's transaction first, then the hub's: a crash in between is finished by
repeating the step (the node's movements carry the transfer's tag and id, so none is made
twice; a reference a person typed is never taken for them).

A transfer requested for an order moves units the order holds: shipping takes the order's
reservation at the sender (set aside there), not free rights, and receiving sets what arrived
aside for the order at the pickup node, reserved at the hub first (`promise.reserve_arrival`),
so the units are never free at either end nor counted at both.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.ledger import Ledger
from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.promise.lifecycle import reservation_id
from microindex.domain.sync.account import NotEnoughRights, RunsElsewhere
from microindex.domain.transfer import NotSetAside, Transfer, TransferState, in_transit, named
from microindex.domain.transfer import UnknownTransfer as UnknownTransfer
from microindex.service import promise, remote_nodes
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.promise_ports import PromiseUnitOfWorkFactory
from microindex.service.rights import AskHub
from microindex.service.sync import load_side, save_ledger
from microindex.service.sync_ports import HubUnreachable, SyncUnitOfWork, SyncUnitOfWorkFactory

RECENT = 5_000  # a repeated step looks this far back in the node's ledger for its movements


@dataclass(eq=False)
class TransferExists(DomainError):
    transfer: str
    code = "transfer_exists"

    def __str__(self) -> str:
        return f"transfer {self.transfer!r} was already requested"


def request(
    ops: NodeOpsFactory,
    ident: str,
    sender: str,
    receiver: str,
    lines: Mapping[str, int],
    at: datetime,
) -> Transfer:
    made = Transfer.request(named(ident), sender, receiver, lines, at)
    with ops() as uow:
        if uow.transfers.get(ident) is not None:
            raise TransferExists(ident)
        uow.transfers.add(made)
        uow.commit()
    return made


def move_now(
    ops: NodeOpsFactory,
    sender_db: SyncUnitOfWorkFactory,
    receiver_db: SyncUnitOfWorkFactory,
    ident: str,
    sender: str,
    receiver: str,
    lines: Mapping[str, int],
    at: datetime,
    actor: str = "",
    reference: str = "",
    ask: AskHub | None = None,
) -> Transfer:
    """A transfer order done at once (`stock transfer`, `POST /nodes/{node}/transfers`):
    requested, shipped and received in full, each step the one its own verb takes. Shipping
    is rights-checked (`ship`): only what the sender may release leaves, never units set
    aside or promised for orders. Refused (NotEnoughRights: the SKU, the node, what was asked
    and what could leave), the request is called off and nothing moves."""
    request(ops, ident, sender, receiver, lines, at)
    try:
        shipped = ship(ops, sender_db, ident, at, actor, ask=ask, reference=reference)
    except (DomainError, HubUnreachable):
        cancel(ops, ident, at, actor)
        raise
    return receive(ops, receiver_db, ident, shipped.shipped, at, actor, reference=reference)


def pack(ops: NodeOpsFactory, ident: str, at: datetime, actor: str = "") -> Transfer:
    with ops() as uow:
        transfer = _load(uow.transfers.get(ident), ident)
        transfer.pack(at, actor)
        uow.transfers.save(transfer)
        uow.commit()
    return transfer


def cancel(
    ops: NodeOpsFactory,
    ident: str,
    at: datetime,
    actor: str = "",
    hub: PromiseUnitOfWorkFactory | None = None,
) -> Transfer:
    """Call off a transfer not yet shipped (requested or packed). Nothing had moved, so
    nothing moves back. A transfer for an order needs the `hub`'s orders: it is cancelled with
    its order, and on its own only once the order has ended (else OrderStillOpen)."""
    with ops() as uow:
        transfer = _load(uow.transfers.get(ident), ident)
        if transfer.order is None:
            transfer.cancel(at, actor)
            uow.transfers.save(transfer)
            uow.commit()
            return transfer
    if hub is None:
        raise InvalidValue("hub", ident, "a transfer for an order is cancelled at the hub")
    return promise.cancel_transfer(hub, ident, at, actor)


def ship(
    ops: NodeOpsFactory,
    sender_db: SyncUnitOfWorkFactory,
    ident: str,
    at: datetime,
    actor: str = "",
    lines: Mapping[str, int] | None = None,
    ask: AskHub | None = None,
    reference: str = "",
    hub: PromiseUnitOfWorkFactory | None = None,
) -> Transfer:
    """The sender ships: transfer-out at the sender, in transit at the hub.

    Shipping spends the sender's local rights; when they are pooled at the hub, `ask` (one
    sync that names every line) brings them back first. A transfer for an order spends the
    order's reservation at the sender instead (NotSetAside when it is not set aside there,
    even after a sync). From a sender whose agent keeps its ledger elsewhere (known with the
    `hub`), the transfer-out travels in its next sync reply (`remote_nodes.ask_shipment`);
    one for an order is refused.
    """
    with ops() as uow:
        transfer = _load(uow.transfers.get(ident), ident)
    shipped = transfer.ship(at, actor, lines)
    node = transfer.sender
    if hub is not None and remote_nodes.runs_elsewhere(hub, sender_db, node):
        if transfer.order is not None:  # its set-aside is spent where the goods are
            raise RunsElsewhere(node, remote_nodes.SHIP)
        remote_nodes.ask_shipment(hub, node, ident, shipped, reference, actor)
    elif transfer.order is not None:
        _ship_reserved(sender_db, transfer, at, actor, ask)
    else:
        _ship_free(sender_db, transfer, shipped, at, actor, ask, reference)
    with ops() as uow:
        uow.transfers.save(transfer)
        uow.commit()
    return transfer


def _ship_free(
    sender_db: SyncUnitOfWorkFactory,
    transfer: Transfer,
    shipped: Mapping[str, int],
    at: datetime,
    actor: str,
    ask: AskHub | None,
    reference: str = "",
) -> None:
    """From the sender's local rights; those the hub holds unpromised there it releases when
    asked (`ask`), so what may leave is `Rights.releasable`: never units set aside or
    promised for orders (NotEnoughRights names what could)."""
    sender, ident, out = transfer.sender, transfer.ident, MovementKind.TRANSFER_OUT
    try:
        _record(sender_db, sender, ident, out, shipped, at, actor, reference)
    except NotEnoughRights:
        if ask is None:
            raise
        ask(shipped)  # every line, covered ones too, so the sync's rebalance keeps them all here
        _record(sender_db, sender, ident, out, shipped, at, actor, reference)


def _ship_reserved(
    sender_db: SyncUnitOfWorkFactory,
    transfer: Transfer,
    at: datetime,
    actor: str,
    ask: AskHub | None,
) -> None:
    """The order's set-aside units leave the sender: a transfer-out that fulfils its
    reservation. A sender that has not yet applied the hub's set-aside gets it by a sync
    (asking for no rights of its own)."""
    try:
        _send_aside(sender_db, transfer, at, actor)
    except NotSetAside:
        if ask is None:
            raise
        with suppress(HubUnreachable):  # out of reach: refused below, as before
            ask({})  # one sync brings every request
        _send_aside(sender_db, transfer, at, actor)


def _send_aside(
    sender_db: SyncUnitOfWorkFactory, transfer: Transfer, at: datetime, actor: str
) -> None:
    node, order = transfer.sender, transfer.order or ""
    with sender_db() as uow:
        side = load_side(uow, node)
        ledger = uow.ledger.load(node, sorted(transfer.shipped))
        done = _recorded(uow, ledger, node)
        made: list[Movement] = []
        for sku, quantity in sorted(transfer.shipped.items()):
            held = reservation_id(order, node, sku)
            if (sku, Tag.FULFIL, held) in done:
                continue  # shipped before a crash: the step is being repeated
            if side.get(sku).reservation(held) != quantity:
                raise NotSetAside(transfer.ident, order, sku, node)
            sent = side.fulfil(ledger, sku, held, at, MovementKind.TRANSFER_OUT, actor)
            made += [sent] if sent else []
        save_ledger(uow, ledger, at)
        uow.rights.save(side)
        uow.commit()


def receive(
    ops: NodeOpsFactory,
    receiver_db: SyncUnitOfWorkFactory,
    ident: str,
    arrived: Mapping[str, int],
    at: datetime,
    actor: str = "",
    hub: PromiseUnitOfWorkFactory | None = None,
    reference: str = "",
) -> Transfer:
    """The receiver records what arrived (nothing: lost); a difference is a discrepancy.

    A transfer for an order needs the `hub`'s orders: what arrived (up to what the order
    wants) is reserved for the order at the receiver and set aside there as it is recorded,
    the rest is the receiver's own stock; the order is then ready for pickup there.
    At a receiver whose agent keeps its ledger elsewhere (known with the `hub`), the transfer-in
    travels as requests in its next sync reply, recorded there once (`remote_nodes.ask_arrival`);
    one for an order is refused (its set-aside is made where the goods are).
    """
    with ops() as uow:
        transfer = _load(uow.transfers.get(ident), ident)
    took = transfer.receive(arrived, at, actor)
    node = transfer.receiver
    if hub is not None and remote_nodes.runs_elsewhere(hub, receiver_db, node):
        if transfer.order is not None:  # its set-aside is made where the goods are
            raise RunsElsewhere(node, remote_nodes.RECEIVE_TRANSFER)
        remote_nodes.ask_arrival(hub, node, ident, took, reference, actor)
    elif transfer.order is not None:
        if hub is None:
            raise InvalidValue("hub", ident, "a transfer for an order is received at the hub")
        aside = promise.reserve_arrival(hub, transfer, took)
        _record_arrival(receiver_db, transfer, took, aside, at, actor)
        promise.arrived(hub, transfer, aside, at, actor)
        return transfer
    else:
        into = MovementKind.TRANSFER_IN
        _record(receiver_db, node, ident, into, took, at, actor, reference)
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
    reference: str = "",
) -> list[Movement]:
    """The node's own movements for this step, once (a repeated step finds them made), tagged
    with the transfer; `reference` is what a person typed, kept as text."""
    with node_db() as uow:
        side = load_side(uow, node)
        ledger = uow.ledger.load(node, sorted(lines))
        done = _recorded(uow, ledger, node)
        made: list[Movement] = []
        for sku, quantity in sorted(lines.items()):
            if (sku, Tag.TRANSFER, ident) in done:
                continue
            if kind is MovementKind.TRANSFER_OUT and quantity > side.get(sku).local:
                raise NotEnoughRights(sku, node, quantity, side.get(sku).local)
            sign = -1 if kind is MovementKind.TRANSFER_OUT else 1
            made.append(
                ledger.record(sku, kind, sign * quantity, at, reference, actor, Tag.TRANSFER, ident)
            )
        side.catch_up(made)
        save_ledger(uow, ledger, at)
        uow.rights.save(side)
        uow.commit()
    return made


def _record_arrival(
    receiver_db: SyncUnitOfWorkFactory,
    transfer: Transfer,
    took: Mapping[str, int],
    aside: Mapping[str, tuple[str, int]],
    at: datetime,
    actor: str,
) -> None:
    """An order's transfer-in: set aside under the hub's reservation what it reserved, the
    rest (more than the order wants, or an order ended meanwhile) as the receiver's own."""
    node, ident = transfer.receiver, transfer.ident
    with receiver_db() as uow:
        side = load_side(uow, node)
        ledger = uow.ledger.load(node, sorted(took))
        done = _recorded(uow, ledger, node)
        made: list[Movement] = []
        for sku, quantity in sorted(took.items()):
            held, kept = aside.get(sku, ("", 0))
            if kept and (sku, Tag.SETASIDE, held) not in done:
                made.append(side.receive_aside(ledger, sku, kept, held, at, actor))
            if quantity > kept and (sku, Tag.TRANSFER, ident) not in done:
                kind, rest = MovementKind.TRANSFER_IN, quantity - kept
                plain = ledger.record(sku, kind, rest, at, "", actor, Tag.TRANSFER, ident)
                side.catch_up([plain])
                made.append(plain)
        save_ledger(uow, ledger, at)
        uow.rights.save(side)
        uow.commit()


def _recorded(uow: SyncUnitOfWork, ledger: Ledger, node: str) -> set[tuple[str, Tag | None, str]]:
    """(SKU, tag, tag id) of the node's recent movements: what a repeated step already made."""
    recent = uow.ledger.movements(node, max(0, ledger.head - RECENT), RECENT)
    return {(m.sku, m.tag, m.tag_id) for m in recent if m.tag is not None}


def _load(found: Transfer | None, ident: str) -> Transfer:
    if found is None:
        raise UnknownTransfer(ident)
    return found
