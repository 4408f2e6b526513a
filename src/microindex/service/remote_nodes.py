"""Nodes whose agent keeps the ledger on its own machine: the hub reads them, never writes them.

A node's agent may run in the hub's workspace (its database is the file the hub opens for it)
or elsewhere, in its own folder (`microindex node run CODE --hub URL`). The hub tells them
apart by what it has heard: a node that pushed a longer ledger than the copy here, or under
batch counters this copy never used, keeps its ledger elsewhere; writing the copy would fork
it. For such a node the hub reads the mirror of its ledger (head, movements, stock), and a
receive, write-off or count asked of the hub is queued as a request in its account with the
node, sent with the node's next sync reply and recorded there once, by its key (as an order's
pick is: `fulfilment.request_picks`; a locker's collection by code is such a pick); so are a
transfer's shipping and receipt there (`ask_shipment`, `ask_arrival`). A walk-in sale is the
node's own act: refused here, as are a transfer for an order shipped or received there, its
day's close-out and its cycle counts today (`refuse_elsewhere`): its agent's staff page and
`microindex node run` do those where the goods are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from microindex.domain.codes import NodeCode, Sku
from microindex.domain.errors import CountPositionAhead, OutOfStock
from microindex.domain.kits import refuse_kits
from microindex.domain.sync.account import Request, RequestKind, RunsElsewhere, transfer_line
from microindex.service.known import unknown_sku
from microindex.service.sync_ports import SyncUnitOfWorkFactory


def runs_elsewhere(hub: SyncUnitOfWorkFactory, node_db: SyncUnitOfWorkFactory, node: str) -> bool:
    """Whether `node_db` (the copy of the node in the hub's workspace) is not the node's own
    ledger: the hub's mirror of it is longer, or the hub has admitted pushes under a later
    incarnation or counter than this copy ever sent. A node never heard from is here."""
    with hub() as uow:
        mirrored = uow.ledger.load(node, []).head
        peer = uow.accounts.peer(node)
    with node_db() as uow:  # asked at each read of a node's stock: no read of its rights
        sent = uow.rights.sent(node)
        head = uow.ledger.load(node, []).head
    return mirrored > head or (peer.incarnation, peer.counter) > sent


# The acts of a node's own staff the hub refuses for a node that runs elsewhere: each writes
# the node's ledger with what only the node sees (goods in hand, its day's sales, its counts)
SHIP = "ship a transfer for an order"  # a plain one travels: `ask_shipment`
RECEIVE_TRANSFER = "receive a transfer for an order"  # a plain one travels: `ask_arrival`
CLOSE_OUT = "close out the day"
COUNTS_TODAY = "list today's cycle counts"


def refuse_elsewhere(
    hub: SyncUnitOfWorkFactory, node_db: SyncUnitOfWorkFactory, node: str, act: str
) -> SyncUnitOfWorkFactory:
    """`node_db`, the node's own database here; refused (`RunsElsewhere`, naming `act`) for a
    node whose agent keeps its ledger elsewhere: the copy here is not its ledger."""
    if runs_elsewhere(hub, node_db, node):
        raise RunsElsewhere(node, act)
    return node_db


def ledger_of(
    hub: SyncUnitOfWorkFactory, node_db: SyncUnitOfWorkFactory, node: str
) -> SyncUnitOfWorkFactory:
    """Where the hub reads a node's ledger: its own database here, else the hub's mirror."""
    return hub if runs_elsewhere(hub, node_db, node) else node_db


@dataclass(frozen=True, slots=True)
class Queued:
    """A stock request on its way to a node: recorded there at its next sync, once."""

    node: str
    request: Request

    @property
    def message(self) -> str:
        asked = self.request
        return (
            f"{asked.kind.value} of {asked.quantity} {asked.sku} queued for {self.node}'s next"
            f" sync (request #{asked.seq}): its agent records it once"
        )


def ask(
    hub: SyncUnitOfWorkFactory,
    node: str,
    kind: RequestKind,
    sku: str,
    quantity: int,
    ident: str,
    reference: str = "",
    actor: str = "",
    position: int | None = None,
    at: datetime | None = None,
) -> Queued:
    """Queue a receive, write-off or count (`quantity`: what was counted, at ledger `position`;
    without one, at the node's last movement by `at`, the hub's time of the count, and never
    before the mirror's head) for a node that keeps its ledger elsewhere, under the key
    `ident` (asked again, the request already queued answers). Checked against the hub's
    catalog and its mirror as the node would check it: an unknown SKU, a write-off beyond
    what the mirror shows on hand, a count position beyond its head are refused at once."""
    NodeCode(node)
    Sku(sku)
    with hub() as uow:
        if uow.catalog.missing([sku]):
            raise unknown_sku(uow, sku)
        mirror = uow.ledger.load(node, [sku])
        adds = kind is RequestKind.RECEIVE or (
            kind is RequestKind.COUNT and quantity > mirror.available(sku)
        )
        if adds:  # units under a kit's own SKU, as the node would refuse them
            refuse_kits({sku: kind.value}, uow.catalog.kits_among([sku]))
        if kind is RequestKind.WRITE_OFF and quantity > mirror.available(sku):
            raise OutOfStock(sku, node, quantity, mirror.available(sku))
        where = mirror.head if position is None else position
        if kind is RequestKind.COUNT and where > mirror.head:
            raise CountPositionAhead(node, where, mirror.head)
        counting = kind is RequestKind.COUNT
        taken = at if counting and position is None else None
        account = uow.accounts.load(node)
        asked = Request(
            0, kind, sku, quantity, ident, reference, actor, where if counting else 0, taken
        )
        queued = account.request_stock(asked)
        uow.accounts.save(account)
        uow.commit()
    return Queued(node, queued)


def ask_arrival(
    hub: SyncUnitOfWorkFactory,
    node: str,
    transfer: str,
    arrived: Mapping[str, int],
    reference: str = "",
    actor: str = "",
) -> list[Request]:
    """Queue the transfer-in of what arrived of `transfer` at a node that keeps its ledger
    elsewhere: one request per SKU under the key `<transfer>/<sku>`, so asked again (a retry
    after a crash) nothing more is queued, and the node records each once, tagged with the
    transfer, as a receipt there would be."""
    with hub() as uow:
        account = uow.accounts.load(node)
        queued = [
            account.request_stock(
                Request(
                    0,
                    RequestKind.TRANSFER_IN,
                    sku,
                    quantity,
                    transfer_line(transfer, sku),
                    reference,
                    actor,
                )
            )
            for sku, quantity in sorted(arrived.items())
            if quantity > 0
        ]
        uow.accounts.save(account)
        uow.commit()
    return queued


def ask_shipment(
    hub: SyncUnitOfWorkFactory,
    node: str,
    transfer: str,
    shipped: Mapping[str, int],
    reference: str = "",
    actor: str = "",
) -> list[Request]:
    """Queue the transfer-out of what was shipped of `transfer` from a node that keeps its
    ledger elsewhere (`NodeAccount.request_shipment`: the hub's unpromised rights there are
    released first where the node's own fall short), one request per SKU under the key
    `<transfer>/<sku>`, recorded there once, tagged with the transfer. All lines or none."""
    with hub() as uow:
        account = uow.accounts.load(node)
        queued = [
            account.request_shipment(transfer, sku, quantity, reference, actor)
            for sku, quantity in sorted(shipped.items())
            if quantity > 0
        ]
        uow.accounts.save(account)
        uow.commit()
    return queued
