"""An order's goods leave the ledger of the node that fulfils it, once.

The hub records where an order is (service.promise); the goods are in the node's ledger. When
a part reaches a step that says its goods have left the shelf (`Order.left`: picked, or packed,
handed over or delivered when staff skip a step; goods a transfer brought, once handed over),
the node records a PICK of the order's set-aside there, tagged `fulfil:<reservation>`, which
the hub's mirror folds as the reservation fulfilled. The staff's steps (HTTP API, CLI), a
shelf hold's collection and a locker's all come through `advance`.

It takes two transactions, the node's pick and then the hub's step: a pick that fails (the
goods are not on hand) refuses the step, so no order shows picked, handed over or delivered
with its goods still in the ledger. A crash between them leaves the pick made and the step
not; the same step again records it, and never a second pick: the node keeps each
reservation's key among those it acted on, in the pick's own transaction.

Only a node whose database this process holds (`bootstrap.Workspace.node`) is written here.
A node that runs its own agent on another machine is told through sync instead (ADR 0004):
the copy of it a hub's workspace may hold is behind the hub's mirror of its ledger and is left
alone rather than forked; the hub queues a pick request (`RequestKind.FULFIL`) in its account
with the node, which the node's next sync applies as the same pick, under the same key, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import replace
from datetime import datetime

from microindex.domain.movement import Movement
from microindex.domain.promise.lifecycle import Order, Step, StepRefused
from microindex.domain.sync.account import Reservation, State
from microindex.domain.sync.node import reservations
from microindex.domain.sync.rights import Tag, tagged
from microindex.service import promise, remote_nodes, sync
from microindex.service.promise_ports import PromiseUnitOfWorkFactory
from microindex.service.sync_ports import HubUnreachable, SyncTransport, SyncUnitOfWorkFactory

NodeDatabase = Callable[[str], SyncUnitOfWorkFactory]
"""A node's own database by its code, opened only when there is something to pick."""
HubLink = Callable[[str], SyncTransport | None]
"""A node's sync link to the hub by its code (None: none), for a set-aside not there yet."""


def advance(
    hub: PromiseUnitOfWorkFactory,
    ident: str,
    node: str,
    step: Step,
    at: datetime,
    actor: str = "",
    *,
    node_db: NodeDatabase,
    link: HubLink | None = None,
) -> Order:
    """Record one node's next step; one that says goods left the shelf happens only when they
    do: the pick at the node first, then the step, which is not recorded when the pick fails
    (OutOfStock: the goods are not there).

    A step refused as out of order (StepRefused) is still refused, but first makes the pick
    an earlier attempt did not finish (a step recorded before picks came first)."""
    current = promise.get_order(hub, ident).order
    trial = replace(current, parts=dict(current.parts), events=[])
    try:
        trial.advance(node, step, at, actor)
    except StepRefused:
        _leave(hub, current, node, at, actor, node_db, link)
        raise
    _leave(hub, trial, node, at, actor, node_db, link)  # the goods leave first, or nothing does
    return promise.advance(hub, ident, node, step, at, actor)


def _leave(
    hub: PromiseUnitOfWorkFactory,
    order: Order,
    node: str,
    at: datetime,
    actor: str,
    node_db: NodeDatabase,
    link: HubLink | None,
) -> list[Movement]:
    left = order.left(node)
    if not left:
        return []
    database = node_db(node)
    if not _holds_the_ledger(hub, database, node):
        request_picks(hub, node, left)  # the node keeps its ledger elsewhere: its agent picks
        return []
    return pick(database, node, left, at, link(node) if link else None, actor)


def request_picks(
    hub: SyncUnitOfWorkFactory, node: str, held: Mapping[str, tuple[str, int]]
) -> list[str]:
    """Ask a node that keeps its ledger elsewhere to pick these reservations (`held`:
    reservation -> SKU, units), in the hub's own transaction: a FULFIL request each, sent
    with the node's next sync reply after the set-asides before it. Asking again while one
    is on its way, or after the pick is mirrored, adds nothing; the node picks each once."""
    with hub() as uow:
        account = uow.accounts.load(node)
        asked = [
            ident
            for ident, (sku, quantity) in sorted(held.items())
            if not _fulfilled(uow.accounts.reservation(ident))
            and account.request_fulfil(ident, sku, quantity)
        ]
        if asked:
            uow.accounts.save(account)
            uow.commit()
    return asked


def _fulfilled(reservation: Reservation | None) -> bool:
    """The node's pick is mirrored (an account loads open reservations only)."""
    return reservation is not None and reservation.state is State.FULFILLED


def _holds_the_ledger(
    hub: PromiseUnitOfWorkFactory, node_db: SyncUnitOfWorkFactory, node: str
) -> bool:
    """Whether `node_db` is the node's own ledger. The copy a hub's workspace opens for a node
    that runs its own agent on another machine is not (`remote_nodes.runs_elsewhere`), and
    writing there would fork the node's ledger."""
    return not remote_nodes.runs_elsewhere(hub, node_db, node)


def pick(
    node_db: SyncUnitOfWorkFactory,
    node: str,
    held: Mapping[str, tuple[str, int]],
    at: datetime,
    link: SyncTransport | None = None,
    actor: str = "",
) -> list[Movement]:
    """The goods of these reservations leave the node's ledger (`held`: reservation -> SKU,
    units; see `Order.left`): a pick of each one's set-aside there.

    A set-aside that has not reached the node yet is fetched first (a sync, with `link`); one
    still missing (the hub out of reach) leaves from the node's own rights, as a sale would,
    tagged with the reservation all the same (`NodeSide.pick_order`). Each reservation once:
    done again, nothing more.
    """
    keys = [tagged(Tag.FULFIL, ident) for ident in held]
    with node_db() as uow:
        done = uow.rights.applied(node, keys)
        aside = reservations(sync.load_side(uow, node).rights)
    todo = {i: line for i, line in held.items() if tagged(Tag.FULFIL, i) not in done}
    if not todo:
        return []
    if link is not None and not todo.keys() <= aside.keys():
        with suppress(HubUnreachable):
            sync.sync_node(node_db, node, link, at)
    with node_db() as uow:
        side = sync.load_side(uow, node)
        side.applied = uow.rights.applied(node, keys)
        ledger = uow.ledger.load(node, sorted({sku for sku, _ in todo.values()}))
        made: list[Movement] = []
        for ident, (sku, quantity) in sorted(todo.items()):
            picked = side.pick_order(ledger, sku, ident, quantity, at, actor)
            if picked is not None:
                made.append(picked)
        sync.save_ledger(uow, ledger, at)
        uow.rights.save(side)
        uow.commit()
    return made
