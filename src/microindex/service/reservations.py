"""Reservations past their hold, on the hub's clock (never a node's).

An order's reservation that runs out takes its order with it: the order is cancelled (actor
`hold-expired`), so none stays promised without the goods set aside for it, and the rights
come back as for any cancel. Reservations that hold goods for no order expire on their own.
The hub's timer runs this every minute (`bootstrap.hub_timers`).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from microindex.domain.promise.lifecycle import Order, StepRefused
from microindex.domain.sync.account import State
from microindex.service import promise
from microindex.service.promise_ports import PromiseUnitOfWork, PromiseUnitOfWorkFactory

ACTOR = "hold-expired"


def expire(hub: PromiseUnitOfWorkFactory, now: datetime) -> list[str]:
    """Cancel the open orders whose reservations ran past their hold; then expire the bare
    reservations left. Returns the orders cancelled and the reservations expired."""
    with hub() as uow:
        lapsed = [o.ident for o in uow.orders.open_at(None) if _held_past(uow, o, now)]
    ended: list[str] = []
    for ident in lapsed:
        with suppress(StepRefused):  # ended meanwhile: nothing left to cancel
            promise.cancel(hub, ident, now, ACTOR)
            ended.append(ident)
    return ended + _expire_bare(hub, now)


def _expire_bare(hub: PromiseUnitOfWorkFactory, now: datetime) -> list[str]:
    """Reservations past their hold that no open order owns: their rights back to the hub."""
    expired: list[str] = []
    with hub() as uow:
        for node in uow.accounts.open_nodes():
            account = uow.accounts.load(node)
            expired += account.expire(now)
            uow.accounts.save(account)
        uow.commit()
    return expired


def _held_past(uow: PromiseUnitOfWork, order: Order, now: datetime) -> bool:
    for part in order.parts.values():
        skus = sorted({sku for sku, _ in part.lines})
        held = uow.accounts.load(part.node, skus).reservations
        for sku in skus:
            found = held.get(promise.reservation_id(order.ident, part.node, sku))
            if found is not None and found.state in _OPEN and found.expires_at <= now:
                return True
    return False


_OPEN = (State.PENDING, State.ASIDE)
