"""Order promising at the hub: choose the node(s), reserve their online rights, follow the order.

A promise spends only rights the hub holds at a node (the escrow test of the sync design), so
it holds while the node is offline. Placing is idempotent by the order's key; concurrent buyers
of the last unit never both win (SQLite: one writer; PostgreSQL: each node's account row is
locked, in node order, and the escrow update is conditional, so a lost race retries). A part
that travels to the pickup node is reserved at its sender and its transfer is requested in
the same transaction as the order, so no crash leaves one without the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from microindex.domain.errors import DomainError
from microindex.domain.kits import Kit
from microindex.domain.node import Location, Node
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.lifecycle import (
    ENDED,
    Event,
    Order,
    Part,
    Step,
    arrival_id,
)
from microindex.domain.promise.lifecycle import reservation_id as reservation_id
from microindex.domain.promise.order import Method, OrderLine, OrderRequest, as_parts
from microindex.domain.promise.plans import DEFAULT_CHAIN, CannotPromise, Decision, decide
from microindex.domain.sync import allocation
from microindex.domain.sync.account import NotEnoughRights
from microindex.domain.transfer import OrderStillOpen, Transfer, UnknownTransfer
from microindex.service.promise_ports import (
    CandidateStates,
    OrderRecord,
    PromiseUnitOfWork,
    PromiseUnitOfWorkFactory,
)
from microindex.service.sync_ports import PromiseView
from microindex.service.webhook_events import save_order

RACE_RETRIES = 8
ONLINE_RATE_HORIZON_S = 4 * 3600.0  # time constant of the online rate the rights split reads
_EVER = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class PromiseSettings:
    lease: timedelta = timedelta(minutes=15)  # an abandoned checkout releases its stock
    hold: timedelta = timedelta(days=14)  # a confirmed order's reservation, until picked
    chain: tuple[str, ...] = DEFAULT_CHAIN


@dataclass(eq=False)
class KeyReused(DomainError):
    """The same idempotency key came with a different order."""

    key: str
    code = "idempotency_key_reused"

    def __str__(self) -> str:
        return f"order key {self.key!r} was already used for a different order"


@dataclass(eq=False)
class UnknownOrder(DomainError):
    order: str
    code = "unknown_order"

    def __str__(self) -> str:
        return f"no order {self.order!r}"


@dataclass(frozen=True, slots=True)
class Placed:
    record: OrderRecord
    created: bool  # False: the key was seen before and this is the first answer again


def request_record(request: OrderRequest) -> dict[str, Any]:
    customer = request.customer
    return {
        "lines": [[line.sku, line.quantity] for line in request.lines],
        "method": request.method.value,
        "customer": None if customer is None else [customer.lat, customer.lon],
        "pickup_node": request.pickup_node,
        "pickup_km": request.pickup_km,
        "deadline": request.deadline.isoformat() if request.deadline else None,
    }


def request_from_record(record: Mapping[str, Any], placed_at: datetime) -> OrderRequest:
    customer = record.get("customer")
    deadline = record.get("deadline")
    return OrderRequest(
        lines=tuple(OrderLine(str(sku), int(qty)) for sku, qty in record["lines"]),
        method=Method(record["method"]),
        placed_at=placed_at,
        customer=None if customer is None else Location(float(customer[0]), float(customer[1])),
        pickup_node=record.get("pickup_node"),
        pickup_km=float(record.get("pickup_km", 5.0)),
        deadline=datetime.fromisoformat(deadline) if deadline else None,
    )


# json.dumps makes an encoder each call when given options: this one is made once
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _digest(record: Mapping[str, Any]) -> str:
    text = _CANONICAL.encode(record)  # as json.dumps(record, sort_keys=True, separators=...)
    return hashlib.sha256(text.encode()).hexdigest()


def place_order(
    hub: PromiseUnitOfWorkFactory,
    key: str,
    request: OrderRequest,
    nodes: Sequence[Node],
    settings: PromiseSettings = PromiseSettings(),
    states: CandidateStates | None = None,
    kits: Mapping[str, Kit] | None = None,
) -> Placed:
    """Promise the order to the best plan and reserve its rights, or raise CannotPromise.

    A line for one of `kits` is promised as the kit's parts (`order.as_parts`): the order's
    lines, reservations and picks are the parts'.

    `states` answers what the registry does not know about a node now (a van's position,
    a locker's free compartments, a pop-up's last day) as a Candidate to start from: the
    workspace's port (bootstrap), or None (the simulator: the registry alone). A part
    that travels to the pickup node is reserved at its sender, and its transfer
    (`transfer_id`) is requested with the order, in the same transaction.
    """
    if kits:
        request = as_parts(request, kits)
    asked = request_record(request)
    known = {} if states is None else states(nodes, request)
    for _ in range(RACE_RETRIES):
        try:
            return _place(hub, key, request, asked, nodes, settings, known)
        except NotEnoughRights:
            continue  # another buyer won a race for the same rights: look again
    raise CannotPromise({"*": ["too many concurrent buyers for the same stock; try again"]})


def transfer_id(order: str, sender: str) -> str:
    return f"{order}/{sender}"


def _transfers(order: Order) -> list[Transfer]:
    """The transfers an order's travelling parts need, each carrying the order."""
    return [
        Transfer.request(
            transfer_id(order.ident, part.node),
            part.node,
            part.transfer_to,
            dict(part.lines),
            order.placed_at,
            order=order.ident,
        )
        for part in order.parts.values()
        if part.transfer_to is not None
    ]


def _place(
    hub: PromiseUnitOfWorkFactory,
    key: str,
    request: OrderRequest,
    asked: dict[str, Any],
    nodes: Sequence[Node],
    settings: PromiseSettings,
    states: Mapping[str, Candidate],
) -> Placed:
    digest = _digest(asked)
    with hub() as uow:
        known, view = uow.placed_and_view(key, list(request.wanted))
        if known is not None:
            if known.digest != digest:
                raise KeyReused(key)
            return Placed(known, created=False)
        _count_demand(uow, request, view.online)
        try:
            found = _candidates(uow, request, nodes, states, view)
            decision = decide(request, found, settings.chain)
        except CannotPromise as refused:
            uow.commit()  # the demand counts even when it cannot be promised
            raise CannotPromise({**_unheard(view, nodes), **refused.reasons}) from None
        _reserve(uow, key, decision, request.placed_at + settings.hold, view)
        record = OrderRecord(
            _order(key, request, decision),
            digest,
            asked,
            decision.why,
            request.placed_at + settings.lease,
        )
        uow.orders.add(record)
        for transfer in _transfers(record.order):
            uow.transfers.add(transfer)
        uow.commit()
    return Placed(record, created=True)


def _count_demand(
    uow: PromiseUnitOfWork, request: OrderRequest, known: Mapping[str, tuple[float, float]]
) -> None:
    """The online rate per SKU (decayed on the hub's clock) that the rights split reads,
    from the rates `known` before this order."""
    now_s = request.placed_at.timestamp()
    counted: dict[str, tuple[float, float]] = {}
    for sku, quantity in sorted(request.wanted.items()):
        rate, at_s = known.get(sku, (0.0, 0.0))
        elapsed = now_s - at_s if at_s > 0 else 0.0
        decayed = allocation.decayed_rate(rate, elapsed, quantity, ONLINE_RATE_HORIZON_S)
        counted[sku] = (decayed, now_s)
    uow.accounts.set_online_rates(counted)


def _candidates(
    uow: PromiseUnitOfWork,
    request: OrderRequest,
    nodes: Sequence[Node],
    states: Mapping[str, Candidate],
    view: PromiseView | None = None,
) -> list[Candidate]:
    """The nodes that may take the order, with the rights the hub holds there (from `view`
    when the caller read it already)."""
    if view is None:
        view = uow.accounts.promise_view(list(request.wanted))
    epoch, epochs, rates = view.epoch, view.epochs, view.walk_in  # walk-in sales per second
    wanted = request.wanted
    held = {sku: view.held.get(sku, {}) for sku in wanted}
    found: list[Candidate] = []
    for node in nodes:
        code = node.code.value
        if epochs.get(code, "") != epoch:
            continue  # a restored hub spends nothing at a node until it has heard from it
        online = {sku: max(0, by_node.get(code, 0)) for sku, by_node in held.items()}
        sold = rates.get(code, {})
        walk_in = {sku: sold.get(sku, 0.0) * 86400 for sku in wanted}
        base = states.get(code)
        if base is None:  # most nodes: the registry alone
            found.append(Candidate(node, online, walk_in))
        else:
            found.append(replace(base, node=node, online=online, walk_in_rate=walk_in))
    return found


def _unheard(view: PromiseView, nodes: Sequence[Node]) -> dict[str, list[str]]:
    """Why a node was not even a candidate: it has not synced since the hub was restored, or
    never has."""
    epoch, epochs = view.epoch, view.epochs
    return {
        n.code.value: [UNHEARD if n.code.value in epochs else NEVER_SYNCED]
        for n in nodes
        if epochs.get(n.code.value, "") != epoch
    }


UNHEARD = "not heard from since the hub was restored from a backup: promised after its next sync"
NEVER_SYNCED = "has not synced with the hub yet: promised after its first sync"


candidates = _candidates  # re-promising an uncovered line reads them too (service.repromise)


def _reserve(
    uow: PromiseUnitOfWork, key: str, decision: Decision, until: datetime, view: PromiseView
) -> None:
    """Reserve each leg's rights, as `view` saw them (a store may lock each node only when it
    writes: the escrow test is then repeated there, NotEnoughRights if they went meanwhile)."""
    for leg in sorted(decision.plan.legs, key=lambda leg: leg.node):  # lock in node order
        account = uow.accounts.load_rights(leg.node, [sku for sku, _ in leg.lines], view)
        for sku, quantity in leg.lines:
            account.reserve(reservation_id(key, leg.node, sku), sku, quantity, until)
        uow.accounts.save(account)


def _order(key: str, request: OrderRequest, decision: Decision) -> Order:
    parts = {
        leg.node: Part(
            leg.node,
            leg.lines,
            ready_by=leg.reach.ready,
            arrives_by=leg.reach.arrives,
            transfer_to=leg.transfer_to,
        )
        for leg in decision.plan.legs
    }
    order = Order(key, request.method, request.placed_at, decision.plan.promised_by, parts)
    order.events.extend(Event(key, node, Step.PROMISED, request.placed_at) for node in parts)
    return order


def reserve_arrival(
    hub: PromiseUnitOfWorkFactory, transfer: Transfer, took: Mapping[str, int]
) -> dict[str, tuple[str, int]]:
    """Before the pickup node records an order's transfer-in: reserve there, for the order,
    what arrived up to what its part wants, without spending rights (they come with the
    goods). Returns SKU -> (reservation, units) for the node to set aside; nothing when the
    order's part ended meanwhile. Repeatable: a reservation made before is reused."""
    with hub() as uow:
        found = _travelling(uow, transfer)
        if found is None:
            return {}
        order, part = found
        wanted = dict(part.lines)
        account = uow.accounts.load(transfer.receiver, sorted(took))
        aside: dict[str, tuple[str, int]] = {}
        for sku, quantity in sorted(took.items()):
            ident = arrival_id(order.ident, part.node, transfer.receiver, sku)
            known = uow.accounts.reservation(ident)
            units = min(quantity, wanted.get(sku, 0))
            if known is None and units > 0:
                sent = uow.accounts.reservation(reservation_id(order.ident, part.node, sku))
                until = sent.expires_at if sent else order.placed_at + PromiseSettings().hold
                known = account.reserve_arrival(ident, sku, units, until)
            if known is not None and known.open and known.quantity <= quantity:
                aside[sku] = (ident, known.quantity)
        uow.accounts.save(account)
        uow.commit()
    return aside


def arrived(
    hub: PromiseUnitOfWorkFactory,
    transfer: Transfer,
    aside: Mapping[str, tuple[str, int]],
    at: datetime,
    actor: str = "",
) -> None:
    """The pickup node recorded an order's transfer-in: the transfer is received and, when
    all the part wants was set aside there, the order is ready for pickup there."""
    kept = {sku: units for sku, (_, units) in aside.items()}
    with hub() as uow:
        uow.transfers.save(transfer)
        found = _travelling(uow, transfer)
        if found is not None:
            order, part = found
            if all(kept.get(sku, 0) >= quantity for sku, quantity in part.lines):
                order.arrive(part.node, at, actor)
                save_order(uow, order, at)
        uow.commit()


def _travelling(uow: PromiseUnitOfWork, transfer: Transfer) -> tuple[Order, Part] | None:
    """The order's open part whose goods this transfer carries to its pickup node."""
    record = uow.orders.get(transfer.order) if transfer.order else None
    part = None if record is None else record.order.parts.get(transfer.sender)
    if record is None or part is None or part.step in ENDED:
        return None
    return (record.order, part) if part.transfer_to == transfer.receiver else None


def get_order(hub: PromiseUnitOfWorkFactory, ident: str) -> OrderRecord:
    with hub() as uow:
        found = uow.orders.get(ident)
    if found is None:
        raise UnknownOrder(ident)
    return found


def order_history(hub: PromiseUnitOfWorkFactory, ident: str) -> list[Event]:
    """Every step of the order, in order, with the reason of those the hub took itself."""
    with hub() as uow:
        return uow.orders.history(ident)


def advance(
    hub: PromiseUnitOfWorkFactory, ident: str, node: str, step: Step, at: datetime, actor: str = ""
) -> Order:
    """Record one node's next step (confirmed, picked, packed, handed over, delivered)."""
    with hub() as uow:
        order = _load(uow, ident)
        order.advance(node, step, at, actor)
        save_order(uow, order, at)
        uow.commit()
    return order


def confirm_for_pickup(
    hub: PromiseUnitOfWorkFactory, ident: str, node: str, at: datetime, actor: str = ""
) -> Order:
    """The order's goods are put out for collection at `node` (a locker's compartment): the
    parts collected there that are only promised are confirmed, so no checkout lease releases
    them; only the pickup's own deadline ends the order now."""
    with hub() as uow:
        order = _load(uow, ident)
        for part in order.collected_at(node):
            if part.step is Step.PROMISED:
                order.advance(part.node, Step.CONFIRMED, at, actor)
        save_order(uow, order, at)
        uow.commit()
    return order


def cancel(hub: PromiseUnitOfWorkFactory, ident: str, at: datetime, actor: str = "") -> Order:
    """Cancel what is not yet handed over and give its rights back (once the node confirms)."""
    with hub() as uow:
        order = _load(uow, ident)
        _end(uow, order, Step.CANCELLED, at, actor)
        uow.commit()
    return order


def release_lapsed(hub: PromiseUnitOfWorkFactory, now: datetime) -> list[str]:
    """Release orders whose checkout lease ran out before they were confirmed."""
    with hub() as uow:
        released = uow.orders.lapsed(now)
        for ident in released:
            _end(uow, _load(uow, ident), Step.RELEASED, now, "lease")
        uow.commit()
    return released


def open_orders(hub: PromiseUnitOfWorkFactory, node: str | None = None) -> list[Order]:
    with hub() as uow:
        return uow.orders.open_at(node)


def list_orders(
    hub: PromiseUnitOfWorkFactory, node: str | None = None, only_open: bool = True
) -> list[Order]:
    """Orders with a part at `node`, or goods travelling to it (any node when None), oldest
    key first; open ones only unless `only_open` is False."""
    if only_open:
        return open_orders(hub, node)
    with hub() as uow:
        idents = sorted({e.order for e in uow.orders.events(_EVER[0], _EVER[1])})
        found = (uow.orders.get(ident) for ident in idents)
        orders = [record.order for record in found if record is not None]
    return [o for o in orders if node is None or node in o.nodes]


def order_events(hub: PromiseUnitOfWorkFactory, start: datetime, end: datetime) -> list[Event]:
    with hub() as uow:
        return uow.orders.events(start, end)


def _load(uow: PromiseUnitOfWork, ident: str) -> Order:
    found = uow.orders.get(ident)
    if found is None:
        raise UnknownOrder(ident)
    return found.order


def _end(uow: PromiseUnitOfWork, order: Order, step: Step, at: datetime, actor: str) -> None:
    """End the parts not handed over and cancel their reservations: at the node that fulfils
    each, and for goods a transfer already brought to the pickup node, there. A part's
    transfer not yet shipped is cancelled with it (goods still in transit arrive as the
    receiver's own stock: see `transfers.receive`)."""
    held: list[tuple[str, str, str]] = []  # node, SKU, reservation
    ended = [order.parts[event.node] for event in order.end(step, at, actor)]
    for part in ended:
        for sku, _ in part.lines:
            held.append((part.node, sku, reservation_id(order.ident, part.node, sku)))
            if part.transfer_to is not None:
                ident = arrival_id(order.ident, part.node, part.transfer_to, sku)
                held.append((part.transfer_to, sku, ident))
    for node in sorted({node for node, _, _ in held}):  # lock in node order
        here = [(sku, ident) for n, sku, ident in held if n == node]
        account = uow.accounts.load(node, sorted({sku for sku, _ in here}))
        for _, ident in here:
            account.cancel(ident)
        uow.accounts.save(account)
    for part in ended:
        if part.transfer_to is not None:
            _call_off(uow, transfer_id(order.ident, part.node), at, actor)
    save_order(uow, order, at)


def _call_off(uow: PromiseUnitOfWork, ident: str, at: datetime, actor: str) -> None:
    """Cancel a transfer not yet shipped: it moved nothing, so nothing moves back (the
    sender's units come back with the cancelled reservation)."""
    transfer = uow.transfers.get(ident)
    if transfer is not None and transfer.cancellable:
        transfer.cancel(at, actor)
        uow.transfers.save(transfer)


def cancel_transfer(
    hub: PromiseUnitOfWorkFactory, ident: str, at: datetime, actor: str = ""
) -> Transfer:
    """Staff call off an order's transfer not yet shipped: only once its order has ended
    (OrderStillOpen before: cancelling the order cancels its transfer)."""
    with hub() as uow:
        transfer = uow.transfers.get(ident)
        if transfer is None:
            raise UnknownTransfer(ident)
        if transfer.order is not None and _travelling(uow, transfer) is not None:
            raise OrderStillOpen(ident, transfer.order)
        transfer.cancel(at, actor)
        uow.transfers.save(transfer)
        uow.commit()
    return transfer
