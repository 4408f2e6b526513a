"""Kits: defined at the hub, available as their scarcest part allows, sold from their parts.

A walk-in kit sale is `rights.sell_lines_walk_in` of its parts, all in one transaction at the
node; an online order for a kit is promised as its parts (`promise.place_order` reads the
kits), so a part shared by kits and single sales is spent from one set of rights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from microindex.domain.kits import HeldOfItsOwn, Kit, KitPart, UnknownKit, check_kit
from microindex.domain.movement import Movement
from microindex.domain.purchasing import PoState, PurchaseOrder
from microindex.domain.reorder import ReorderPoint
from microindex.domain.sync.node import Override
from microindex.service import known, rights
from microindex.service.catalog import KIT_FIELD, PRODUCT_TOPIC
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.promise_ports import PromiseUnitOfWorkFactory
from microindex.service.records import product_record
from microindex.service.stock import stock_lines
from microindex.service.sync_ports import SyncUnitOfWorkFactory


class KitStore(Protocol):
    def put(self, kit: Kit) -> None:
        """Define `kit` (its parts replace any it had)."""

    def remove(self, sku: str) -> bool: ...

    def kits(self) -> dict[str, Kit]: ...


class ReorderPoints(Protocol):
    def points(self, node: str | None = None) -> list[ReorderPoint]: ...


class PurchaseOrders(Protocol):
    def orders(self, state: PoState | None = None) -> list[PurchaseOrder]: ...


@dataclass(frozen=True, slots=True)
class OwnHoldings:
    """Where a product's own stock and plans are kept, read before it is made a kit."""

    ledgers: Mapping[str, UnitOfWorkFactory]  # each node's, where the hub reads it
    reorder_points: ReorderPoints
    purchase_orders: PurchaseOrders


def set_kit(
    store: KitStore,
    hub: PromiseUnitOfWorkFactory,
    sku: str,
    parts: Sequence[tuple[str, int]],
    at: datetime,
    holdings: OwnHoldings,
) -> Kit:
    """Make catalog SKU `sku` a kit of `parts` (SKU, quantity; each a catalog SKU, none of
    them a kit). Its parts travel to the nodes with the catalog (`announce`). A product
    that has stock on hand, open orders or reorder points of its own is refused
    (HeldOfItsOwn, naming them): a kit holds none, and they would be stranded."""
    known.require_skus(hub, [sku, *(part for part, _ in parts)])
    kit = Kit(sku, tuple(KitPart(part, quantity) for part, quantity in parts))
    others = {code: known for code, known in store.kits().items() if code != sku}
    check_kit(kit, others)
    held = held_of_its_own(hub, holdings, sku)
    if held:
        raise HeldOfItsOwn(sku, tuple(held))
    store.put(kit)
    announce(hub, sku, kit, at)
    return kit


def held_of_its_own(hub: PromiseUnitOfWorkFactory, holdings: OwnHoldings, sku: str) -> list[str]:
    """What `sku` holds of its own, as a person reads it: units on hand at each node, open
    online orders and purchase orders with a line of it, its reorder points."""
    lines = stock_lines(holdings.ledgers, sku)
    held = [f"{line.on_hand} on hand at {line.node}" for line in lines if line.on_hand]
    with hub() as uow:
        orders = uow.orders.open_at(None)
    held += [
        f"open order {order.ident}"
        for order in sorted(orders, key=lambda o: o.ident)
        if any(line == sku for part in order.parts.values() for line, _ in part.lines)
    ]
    held += [
        f"purchase order {order.ident} ({order.state.value})"
        for order in holdings.purchase_orders.orders()
        if order.state is not PoState.CLOSED and any(line.sku == sku for line in order.lines)
    ]
    held += [
        f"a reorder point at {point.node}"
        for point in holdings.reorder_points.points()
        if point.sku == sku
    ]
    return held


def remove_kit(store: KitStore, hub: UnitOfWorkFactory, sku: str, at: datetime) -> None:
    if not store.remove(sku):
        get_kit(store, sku, hub)  # a SKU no product has is refused as such
        raise UnknownKit(sku)
    announce(hub, sku, None, at)


def announce(hub: UnitOfWorkFactory, sku: str, kit: Kit | None, at: datetime) -> None:
    """Send the kit's product with its parts (none: no longer a kit) down the catalog's
    stream, so every node's copy learns them at its next sync and its staff page and agent
    sell the kit as its parts with the hub out of reach."""
    with hub() as uow:
        product = uow.catalog.get(sku)
        if product is None:
            return
        parts = [] if kit is None else [[p.sku, p.quantity] for p in kit.parts]
        record = product_record(product) | {KIT_FIELD: parts}
        uow.outbox.add_many(PRODUCT_TOPIC, [(sku, record)], at)
        uow.commit()


def get_kit(store: KitStore, sku: str, catalog: UnitOfWorkFactory | None = None) -> Kit:
    """Kit `sku`; a SKU no product in `catalog` has is refused as every edge refuses it."""
    kit = store.kits().get(sku)
    if kit is None:
        if catalog is not None:
            known.require_skus(catalog, [sku])
        raise UnknownKit(sku)
    return kit


@dataclass(frozen=True, slots=True)
class KitAvailability:
    node: str
    on_hand: int  # kits the parts in hand make
    online: int  # kits the hub may promise from the parts' online rights it holds there


def availability(
    store: KitStore,
    hub_db: SyncUnitOfWorkFactory,
    ledgers: Mapping[str, UnitOfWorkFactory],
    sku: str,
) -> list[KitAvailability]:
    """How many of kit `sku` each node could sell now: the minimum over its parts."""
    kit = get_kit(store, sku, hub_db)
    skus = [part.sku for part in kit.parts]
    held = rights.held_online(hub_db, skus)
    found: list[KitAvailability] = []
    for code, factory in sorted(ledgers.items()):
        with factory() as uow:
            on_hand = {line.sku: line.on_hand for s in skus for line in uow.ledger.stock(code, s)}
        online = {s: held.get(s, {}).get(code, 0) for s in skus}
        found.append(KitAvailability(code, kit.available(on_hand), kit.available(online)))
    return found


def sell(
    store: KitStore,
    node_db: SyncUnitOfWorkFactory,
    node: str,
    sku: str,
    quantity: int,
    at: datetime,
    reference: str = "",
    ask: rights.AskHub | None = None,
    actor: str = "",
    override: Override | None = None,
    key: str | None = None,
) -> list[Movement]:
    """A walk-in sale of `quantity` kits at `node`: one SELL movement per part, all or none,
    by the same rules as any walk-in sale (`rights.sell_walk_in`, a till's `key` too)."""
    kit = get_kit(store, sku, node_db)
    taken = kit.takes(quantity)
    return rights.sell_lines_walk_in(
        node_db, node, taken, at, reference or f"kit {sku}", ask, actor, override, key
    )


def kit_record(kit: Kit) -> dict[str, Any]:
    return {"sku": kit.sku, "parts": [{"sku": p.sku, "quantity": p.quantity} for p in kit.parts]}
