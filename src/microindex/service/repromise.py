"""Uncovered promises: when the goods set aside for an order at a node are gone, the hub
re-promises them from another node, else marks the order at risk. Never left `promised`.

An overdraft, a write-off or a count at a node can eat units set aside for the hub's
reservations there; the hub learns it when it mirrors the node's ledger (the reservation is
closed `uncovered`, `NodeAccount.mirror_movement`), as does a set-aside the node could not
make. After each push the hub answers (`answer_uncovered`): each order line at that node whose
reservation is uncovered is promised again, by the same rules, from a node the order is not at
yet (a new part there, promised with its reason, the old line leaving its part: `Order.reroute`);
when no node can take it, the part is marked at risk with the reason, shown by `order show`,
the orders API and the dashboard. Parts at risk are tried again at each push from any node
(`answer_push`: the goods may have arrived elsewhere) and on the hub's `retry-at-risk` timer
(`retry_at_risk`, claimed once across hub processes), for what the hub learned otherwise.
A part at risk whose reservation at its node is uncovered is first covered again there, when
the hub holds rights there now (stock arrived, which the rights split keeps back for it:
`waiting`), the oldest order first, under the same reservation (`_cover_here`, ADR 0064).

A part whose goods were to travel to the pickup node and are gone at the sender before they
left is promised again the same way, from the pickup node itself or from another node by a new
transfer; the old transfer is cut to what is still set aside (called off when nothing is).
Goods gone once they left, in transit or at the pickup node, are not re-promised here: their
part is marked at risk.

A separate transaction after the push's: a crash between them leaves the reservation uncovered
and the next push from the node answers it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from microindex.domain.node import Node
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.lifecycle import Order, Part, Step, arrival_id, reservation_id
from microindex.domain.promise.order import OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise, Leg, decide
from microindex.domain.sync.account import NotEnoughRights, Reservation, State
from microindex.domain.transfer import Transfer
from microindex.service import promise
from microindex.service.promise_ports import (
    CandidateStates,
    PromiseUnitOfWork,
    PromiseUnitOfWorkFactory,
)
from microindex.service.webhook_events import save_order

GONE = "the goods set aside at {node} are gone (sold beyond its rights, written off or counted)"
GONE_IN_PART = (
    "{units} of the {line} {sku} set aside at {node} are gone (sold beyond its rights, "
    "written off or counted); the rest is still set aside there"
)
NOWHERE = "; no other node can promise {sku} now"
AGAIN = "set aside again at {node}: new stock there covers it"
_TO_PICK = (Step.PROMISED, Step.CONFIRMED)
DEFAULT = promise.PromiseSettings()


def answer_uncovered(
    hub: PromiseUnitOfWorkFactory,
    node: str,
    now: datetime,
    nodes: Sequence[Node],
    settings: promise.PromiseSettings = DEFAULT,
    states: CandidateStates | None = None,
) -> list[str]:
    """Re-promise or mark at risk every open order line at `node` whose reservation there is
    uncovered (and try again those at risk), reading each other node's state now (`states`:
    a van where its round has it, a locker's free room, a pop-up's last day) as place_order
    does. Returns the orders changed."""
    changed: list[str] = []
    for _ in range(promise.RACE_RETRIES):
        known = _states_now(hub, node, now, nodes, states)  # read outside the transaction
        try:
            with hub() as uow:
                orders = sorted(uow.orders.open_at(node), key=_oldest_first)
                held = _reservations(uow, orders, node)
                for order in orders:  # the oldest first: new stock there covers it first
                    to = _Choice(nodes, settings, known.get(order.ident, {}))
                    before = order.at_risk
                    if _answer(uow, held, order, node, now, to):
                        save_order(uow, order, now, before)
                        changed.append(order.ident)
                uow.commit()
            return changed
        except NotEnoughRights:  # an online buyer won the same rights meanwhile: look again
            changed.clear()
    return changed


def answer_push(
    hub: PromiseUnitOfWorkFactory,
    node: str,
    now: datetime,
    nodes: Sequence[Node],
    settings: promise.PromiseSettings = DEFAULT,
    states: CandidateStates | None = None,
) -> list[str]:
    """The hub's answer after a push from `node` (the sync endpoint's `after`): the orders
    whose goods there are gone (`answer_uncovered`), then the parts at risk at other nodes,
    since the push may have brought the goods they wait for. Returns the orders changed."""
    changed = answer_uncovered(hub, node, now, nodes, settings, states)
    more = retry_at_risk(hub, now, nodes, settings, states, besides=node)
    return list(dict.fromkeys(changed + more))


def retry_at_risk(
    hub: PromiseUnitOfWorkFactory,
    now: datetime,
    nodes: Sequence[Node],
    settings: promise.PromiseSettings = DEFAULT,
    states: CandidateStates | None = None,
    besides: str | None = None,
) -> list[str]:
    """Try again every open order's parts at risk (but those at `besides`), node by node, as
    `answer_uncovered` does: promised elsewhere when a node now can, else left at risk with
    nothing written. Returns the orders changed."""
    with hub() as uow:
        waiting = [n for n in uow.orders.at_risk_nodes() if n != besides]
    changed: list[str] = []
    for at in waiting:
        changed += answer_uncovered(hub, at, now, nodes, settings, states)
    return list(dict.fromkeys(changed))


def _states_now(
    hub: PromiseUnitOfWorkFactory,
    node: str,
    now: datetime,
    nodes: Sequence[Node],
    states: CandidateStates | None,
) -> dict[str, Mapping[str, Candidate]]:
    """Each other node's state for every order at `node` with a line whose goods are gone,
    by order (the port reads the hub's stores itself, so not inside the hub's transaction)."""
    if states is None:
        return {}
    asked: dict[str, tuple[OrderRequest, list[Node]]] = {}
    with hub() as uow:
        orders = uow.orders.open_at(node)
        held = _reservations(uow, orders, node)
        for order in orders:
            part = order.parts.get(node)
            if part is None:
                continue
            if any(_gone(held, order.ident, node, sku, q) for sku, q in part.lines):
                record = uow.orders.get(order.ident)
                if record is None:
                    continue
                elsewhere = [n for n in nodes if n.code.value not in order.parts]
                asked[order.ident] = (promise.request_from_record(record.request, now), elsewhere)
    return {ident: states(others, request) for ident, (request, others) in asked.items()}


@dataclass(frozen=True, slots=True)
class _Choice:
    """Where a line may go instead, and by which rules."""

    nodes: Sequence[Node]
    settings: promise.PromiseSettings
    states: Mapping[str, Candidate]  # each node's state now, for this order


def _reservations(
    uow: PromiseUnitOfWork, orders: Sequence[Order], node: str
) -> Mapping[str, Reservation]:
    """Every reservation an answer at `node` may look at, for all of `orders` in one read:
    each line's at the node, and at both ends of the goods travelling from or to it."""
    idents: list[str] = []
    for order in orders:
        for part in order.parts.values():
            if part.node == node:
                idents += [reservation_id(order.ident, node, sku) for sku, _ in part.lines]
            if node in (part.node, part.transfer_to) and part.transfer_to is not None:
                idents += _travel_ids(order.ident, part)
    return uow.accounts.reservations(idents) if idents else {}


def _travel_ids(order: str, part: Part) -> list[str]:
    """The reservations of a part whose goods travel to the pickup node: at the sender, and
    of what arrived at the pickup node."""
    assert part.transfer_to is not None
    idents = [reservation_id(order, part.node, sku) for sku, _ in part.lines]
    return idents + [arrival_id(order, part.node, part.transfer_to, s) for s, _ in part.lines]


def _answer(
    uow: PromiseUnitOfWork,
    held: Mapping[str, Reservation],
    order: Order,
    node: str,
    now: datetime,
    to: _Choice,
) -> bool:
    part = order.parts.get(node)
    if part is not None and part.step in _TO_PICK:
        gone = [(s, _gone(held, order.ident, node, s, q)) for s, q in part.lines]
        if part.transfer_to is None and part.at_risk and any(u for _, u in gone):
            covered = [s for s, u in gone if u and _cover_here(uow, held, order, node, s, u)]
            if covered and all(s in covered for s, u in gone if u):
                order.cover_again(node, now, AGAIN.format(node=node))
                return True
            gone = [(s, 0 if s in covered else u) for s, u in gone]
        if part.transfer_to is None or (any(u for _, u in gone) and _unsent(uow, order, part)):
            changed = False
            for sku, units in gone:  # those still at risk come again: tried again
                if units:
                    changed |= _repromise(uow, held, order, node, sku, units, now, to)
            return changed
    travelling = [p for p in order.parts.values() if node in (p.node, p.transfer_to)]
    return any([_travelled_gone(held, order, p, node) for p in travelling])


def _oldest_first(order: Order) -> tuple[datetime, str]:
    return order.placed_at, order.ident


def _cover_here(
    uow: PromiseUnitOfWork,
    held: Mapping[str, Reservation],
    order: Order,
    node: str,
    sku: str,
    units: int,
) -> bool:
    """Cover the order's line of `sku` at `node`, its reservation there uncovered (all its
    goods gone), again from the rights the hub holds there now (stock arrived since, which
    the rights split kept back for it: `waiting`), under the same reservation. True when
    it did; never when the reservation is still open, in part or whole (read again here,
    after the account is loaded, so two answers do not both cover it)."""
    ident = reservation_id(order.ident, node, sku)
    found = held.get(ident)
    if found is None or found.state is not State.UNCOVERED:
        return False
    if uow.accounts.peer(node).epoch != uow.accounts.epoch():
        return False  # a restored hub's view of the node is stale until it re-sends it all
    account = uow.accounts.load_rights(node, [sku])
    now = uow.accounts.reservation(ident)
    if now is None or now.state is not State.UNCOVERED or account.h(sku) < units:
        return False
    account.cover_again(ident, sku, units, now.expires_at)
    uow.accounts.save(account)
    return True


def waiting(uow: PromiseUnitOfWork, node: str, skus: Collection[str]) -> dict[str, int]:
    """Units of `skus` that parts at risk at `node` wait for there, by SKU: their lines
    whose reservation there is uncovered (all their goods gone), which `_cover_here` covers
    again from the rights the hub holds there. The rights split keeps that many of the
    node's new stock back from its local rights (`rights_split.rebalance`), so the node
    grants them and the hub's answer to that push covers them, the oldest order first.
    Nothing is read for a node with no part at risk."""
    wanted = set(skus)
    if not wanted or node not in uow.orders.at_risk_nodes():
        return {}
    orders = uow.orders.open_at(node)
    held = _reservations(uow, orders, node)
    need: dict[str, int] = {}
    for order in orders:
        part = order.parts.get(node)
        if part is None or not part.at_risk or part.transfer_to is not None:
            continue
        if part.step not in _TO_PICK:
            continue
        for sku, quantity in part.lines:
            found = held.get(reservation_id(order.ident, node, sku))
            if sku in wanted and found is not None and found.state is State.UNCOVERED:
                need[sku] = need.get(sku, 0) + quantity
    return need


def _unsent(uow: PromiseUnitOfWork, order: Order, part: Part) -> bool:
    """A travelling part whose goods have not left its sender: its transfer can still be cut."""
    found = uow.transfers.get(promise.transfer_id(order.ident, part.node))
    return found is not None and found.cancellable


def _gone(held: Mapping[str, Reservation], order: str, node: str, sku: str, line: int) -> int:
    """Units of the order's `line` of `sku` at `node` whose set-aside there is gone: all of
    them when its reservation is uncovered, those it lost when a sale ate part of it (the
    rest stays set aside, `NodeAccount._eat`, or was picked there since), else none."""
    found = held.get(reservation_id(order, node, sku))
    if found is None:
        return 0
    if found.state is State.UNCOVERED:
        return line
    return max(0, line - found.quantity)


def _travelled_gone(held: Mapping[str, Reservation], order: Order, part: Part, node: str) -> bool:
    """A part whose goods travel (or travelled) to the pickup node, uncovered at either end."""
    if part.transfer_to is None or part.step not in _TO_PICK or part.at_risk:
        return False
    found = [held.get(ident) for ident in _travel_ids(order.ident, part)]
    if not any(r is not None and r.state is State.UNCOVERED for r in found):
        return False
    return order.mark_at_risk(part.node, GONE.format(node=node))


def _repromise(
    uow: PromiseUnitOfWork,
    held_before: Mapping[str, Reservation],
    order: Order,
    node: str,
    sku: str,
    units: int,
    now: datetime,
    to: _Choice,
) -> bool:
    """Promise the `units` gone of `sku`'s line of the order's part at `node` from another
    node (the rest of the line stays where it is set aside), or say it is at risk. True when
    the order changed."""
    line = next((q for s, q in order.parts[node].lines if s == sku), units)
    reason = (
        GONE.format(node=node)
        if units >= line
        else GONE_IN_PART.format(units=units, line=line, sku=sku, node=node)
    )
    leg = _leg_elsewhere(uow, order, node, sku, units, now, to)
    if leg is None:
        return order.mark_at_risk(node, reason + NOWHERE.format(sku=sku))
    held = held_before.get(reservation_id(order.ident, node, sku))
    until = held.expires_at if held is not None else now + to.settings.hold
    account = uow.accounts.load_rights(leg.node, [sku])
    for line_sku, quantity in leg.lines:
        account.reserve(reservation_id(order.ident, leg.node, line_sku), line_sku, quantity, until)
    uow.accounts.save(account)
    new = Part(
        leg.node,
        leg.lines,
        ready_by=leg.reach.ready,
        arrives_by=leg.reach.arrives,
        transfer_to=leg.transfer_to,
    )
    sending = order.parts[node].transfer_to is not None
    order.reroute(node, sku, new, now, reason, units=units)
    if sending:  # what the old sender will not send comes off its transfer
        old = uow.transfers.get(promise.transfer_id(order.ident, node))
        assert old is not None  # _unsent found it
        old.take_off(sku, units, now)
        uow.transfers.save(old)
    if leg.transfer_to is not None:
        made = promise.transfer_id(order.ident, leg.node)
        lines = dict(leg.lines)
        uow.transfers.add(
            Transfer.request(made, leg.node, leg.transfer_to, lines, now, order=order.ident)
        )
    return True


def _leg_elsewhere(
    uow: PromiseUnitOfWork,
    order: Order,
    node: str,
    sku: str,
    units: int,
    now: datetime,
    to: _Choice,
) -> Leg | None:
    """The one node, not yet part of the order, that best serves `units` of the line now (by
    the order's own method and place), its goods travelling only to the pickup node; None
    if there is none."""
    record = uow.orders.get(order.ident)
    if record is None or units < 1:
        return None
    asked = promise.request_from_record(record.request, now)
    request = replace(asked, lines=(OrderLine(sku, units),))
    elsewhere = [n for n in to.nodes if n.code.value not in order.parts]
    try:
        found = promise.candidates(uow, request, elsewhere, to.states)
        decision = decide(request, found, to.settings.chain)
    except CannotPromise:
        return None
    legs = decision.plan.legs
    if len(legs) != 1 or legs[0].transfer_to not in (None, request.pickup_node):
        return None
    return legs[0]
