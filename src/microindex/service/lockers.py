"""Parcel lockers: compartments, putting a pickup in one, opening it with a code, and taking
out what was not collected in time (the order is cancelled, its rights return).

A pickup's parcel holds the order's goods at the locker: its own part's, and those a transfer
brought there (once they arrived). Putting it in confirms an order still only promised, so
its checkout lease cannot release it while it waits: only the locker's deadline ends it.

Each step is two short transactions: the locker's record and the order's (service.promise).
Opening checks the code first, then hands the order over and records the pick in the locker's
own ledger (service.fulfilment, as for any order step that says the goods left), then frees
the compartment; a crash between them leaves the parcel assigned, and opening again with the
same code finishes it (the pick is made once). Wrong codes are counted per locker and kept:
too many lately, and it takes no code for a while (domain.locker).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from microindex.domain.errors import InvalidValue, UnknownSku
from microindex.domain.locker import (
    Assignment,
    Compartment,
    NoCompartmentFits,
    PickupRefused,
    WrongPickupCode,
    assign,
    check_pickup_code,
    free,
    parcel_size,
    smallest_fitting,
)
from microindex.domain.node import Node
from microindex.domain.packaging import NoPackageFits, PackageTemplate, PackItem, choose_package
from microindex.domain.product import Size
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.lifecycle import Order, Part, Step, StepRefused
from microindex.domain.promise.order import Method
from microindex.service import fulfilment, promise
from microindex.service.node_ops_ports import NodeOpsFactory, NodeOpsUnitOfWork
from microindex.service.promise_ports import PromiseUnitOfWorkFactory
from microindex.service.sync_ports import SyncTransport, SyncUnitOfWorkFactory

PICKUP_WINDOW = timedelta(days=3)
PICKUP_WINDOWS = (timedelta(hours=0.1), timedelta(days=30))  # the shortest and longest
CODE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Assigned:
    assignment: Assignment
    code: str  # shown to the shopper once; only its hash is kept

    @property
    def qr_payload(self) -> str:
        """What the pickup QR carries: the code, as the locker's keypad or scanner reads it."""
        return self.code


def new_code(digits: int = CODE_DIGITS) -> str:
    if not 6 <= digits <= 8:
        raise InvalidValue("digits", str(digits), "a pickup code is 6 to 8 digits")
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def add_compartment(ops: NodeOpsFactory, node: str, code: str, inner: Size) -> Compartment:
    compartment = Compartment(code, inner)
    with ops() as uow:
        uow.lockers.add_compartment(node, compartment)
        uow.commit()
    return compartment


def compartments(ops: NodeOpsFactory, node: str) -> list[tuple[Compartment, str | None]]:
    """Each compartment with the order waiting in it (None: free)."""
    with ops() as uow:
        busy = {a.compartment: a.order for a in uow.lockers.waiting(node)}
        return [(c, busy.get(c.code)) for c in uow.lockers.compartments(node)]


def parcel_for(
    hub: PromiseUnitOfWorkFactory,
    lines: Mapping[str, int],
    templates: Sequence[PackageTemplate] = (),
) -> Size:
    """The parcel's size: the package the node would choose, else the items laid together."""
    with hub() as uow:
        products = {sku: uow.catalog.get(sku) for sku in lines}
    items = []
    for sku, quantity in lines.items():
        product = products[sku]
        if product is None:
            raise UnknownSku(sku)
        items.append(PackItem.of(product, quantity))
    if templates:
        try:
            return choose_package(items, templates).template.inner
        except NoPackageFits:
            pass  # no box at this node takes it: the items as they are
    return parcel_size(items)


def locker_state(ops: NodeOpsFactory, node: Node, parcel: Size) -> Candidate:
    """The locker as place_order's `states` wants it: `fits` is False when no free
    compartment takes the parcel (the online rights are filled in by place_order)."""
    code = node.code.value
    with ops() as uow:
        busy = [a.compartment for a in uow.lockers.waiting(code)]
        free_ones = free(uow.lockers.compartments(code), busy)
    try:
        smallest_fitting(code, free_ones, parcel)
    except NoCompartmentFits:
        return Candidate(node, {}, fits=False)
    return Candidate(node, {})


def locker_states(ops: NodeOpsFactory, nodes: Sequence[Node], parcel: Size) -> dict[str, Candidate]:
    """`states` for every node with compartments (lockers without any are not limited)."""
    found: dict[str, Candidate] = {}
    for node in nodes:
        with ops() as uow:
            known = bool(uow.lockers.compartments(node.code.value))
        if known:
            found[node.code.value] = locker_state(ops, node, parcel)
    return found


def parcel_lines(hub: PromiseUnitOfWorkFactory, order: str, node: str) -> dict[str, int]:
    """What goes in the locker for this order: SKU -> units of the parts collected at `node`
    (its own and those a transfer brought). Refused (PickupRefused) unless it is an open
    pickup order there whose goods have all arrived."""
    lines: dict[str, int] = {}
    for part in _ready_parts(promise.get_order(hub, order).order, node):
        for sku, quantity in part.lines:
            lines[sku] = lines.get(sku, 0) + quantity
    return lines


def _ready_parts(order: Order, node: str) -> list[Part]:
    parts = order.collected_at(node)
    if order.method is not Method.PICKUP or not parts or not order.open:
        raise PickupRefused(node, order.ident, "not an open pickup order at this locker")
    on_way = sorted(p.node for p in parts if p.transfer_to is not None and p.arrived_at is None)
    if on_way:
        senders = ", ".join(on_way)
        raise PickupRefused(node, order.ident, f"its goods from {senders} have not arrived yet")
    return parts


def assign_order(
    hub: PromiseUnitOfWorkFactory,
    ops: NodeOpsFactory,
    order: str,
    node: str,
    at: datetime,
    parcel: Size,
    window: timedelta = PICKUP_WINDOW,
    code: str | None = None,
) -> Assigned:
    """Put a pickup order's parcel in the smallest free compartment it fits.

    The order must be open, and goods a transfer brings to the locker there. It is confirmed
    before the parcel goes in (when only promised), so no checkout lease releases it while the
    parcel waits: only the deadline here (`sweep`) ends it."""
    _ready_parts(promise.get_order(hub, order).order, node)
    pin = check_pickup_code(code or new_code())
    salt = secrets.token_hex(8)
    with ops() as uow:  # refuse before confirming: already in, or nothing free fits
        assign(order, node, _free_for(uow, order, node), parcel, pin, salt, at, at + window)
    promise.confirm_for_pickup(hub, order, node, at, "locker")
    with ops() as uow:
        made = assign(order, node, _free_for(uow, order, node), parcel, pin, salt, at, at + window)
        uow.lockers.add(made)
        uow.commit()
    return Assigned(made, pin)


def _free_for(uow: NodeOpsUnitOfWork, order: str, node: str) -> list[Compartment]:
    """The locker's free compartments, unless the order is already in one."""
    known = uow.lockers.get(order, node)
    if known is not None:
        raise PickupRefused(node, order, f"already in compartment {known.compartment}")
    busy = [a.compartment for a in uow.lockers.waiting(node)]
    return free(uow.lockers.compartments(node), busy)


def open_with(
    hub: PromiseUnitOfWorkFactory,
    ops: NodeOpsFactory,
    node: str,
    code: str,
    now: datetime,
    *,
    locker_db: SyncUnitOfWorkFactory,
    zone: tzinfo,
    link: SyncTransport | None = None,
) -> Assignment:
    """The compartment whose code this is opens: the order is handed over (collected) and its
    goods leave the locker's ledger (`locker_db`; `link` reaches the hub for a set-aside not
    there yet), those a transfer brought from where they were set aside on arrival. Refused
    while the locker is locked after too many wrong codes; a refusal says its times on the
    clock of `zone`, the locker's."""
    check_pickup_code(code)
    found = _opened_by(ops, node, code, now, zone)
    collected = found.collect(code, now, zone)  # refuses an expired code
    try:
        fulfilment.advance(
            hub,
            found.order,
            node,
            Step.HANDED_OVER,
            now,
            "locker",
            node_db=lambda _: locker_db,
            link=lambda _: link,
        )
    except StepRefused as refused:  # opened before: its pick is made by now
        if refused.current != Step.HANDED_OVER.value:
            raise
    with ops() as uow:
        uow.lockers.save(collected)
        uow.commit()
    return collected


def _opened_by(
    ops: NodeOpsFactory, node: str, code: str, now: datetime, zone: tzinfo
) -> Assignment:
    """The parcel waiting behind this code. A wrong one is counted (and kept) before it is
    refused; while the locker is locked, no code is even tried."""
    with ops() as uow:
        guard = uow.lockers.guard(node)
        guard.check(now, zone)
        found = next((a for a in uow.lockers.waiting(node) if a.matches(code)), None)
        if found is not None:
            return found
        guard = guard.wrong_code(now)
        uow.lockers.save_guard(guard)
        uow.commit()
    raise WrongPickupCode(node, guard.left(now))


def sweep(hub: PromiseUnitOfWorkFactory, ops: NodeOpsFactory, now: datetime) -> list[Assignment]:
    """Take out parcels past their deadline: free the compartment, cancel the order so its
    rights return to the locker (goods a transfer brought become the locker's own)."""
    with ops() as uow:
        lapsed = uow.lockers.lapsed(now)
    swept: list[Assignment] = []
    for found in lapsed:
        with suppress(StepRefused):  # already ended: only the compartment to free
            promise.cancel(hub, found.order, now, "locker-sweep")
        expired = found.expire(now)
        with ops() as uow:
            uow.lockers.save(expired)
            uow.commit()
        swept.append(expired)
    return swept


def waiting(ops: NodeOpsFactory, node: str | None = None) -> list[Assignment]:
    """Parcels still waiting in a compartment (at `node`, or at every locker), soonest
    deadline first."""
    with ops() as uow:
        return sorted(uow.lockers.waiting(node), key=lambda a: a.until)
