"""Purchase orders to suppliers, and reorder points per node: the use cases every edge calls.

A receipt against an order goes into the node's ledger as RECEIVE movements, all its lines in
one transaction on the node's database, then the order is saved at the hub on the version it
was read at. The order's lines say how much may still come, so a receipt can never put more
into the ledger than was ordered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from microindex.domain.channels.webhook import EventKind
from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.money import Money
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.purchasing import (
    PoLine,
    PoState,
    PurchaseOrder,
    Receipt,
    ReceiptKeyReused,
    UnknownPurchaseOrder,
)
from microindex.domain.reorder import LowStock, ReorderPoint, low_stock
from microindex.domain.sale import SaleKeyReused
from microindex.domain.sync.account import Request, RequestKind
from microindex.service import known, remote_nodes, stock
from microindex.service.kits import KitStore
from microindex.service.nodes import get_node
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.sync_ports import SyncUnitOfWorkFactory
from microindex.service.webhook_events import emit


class PurchaseOrderStore(Protocol):
    def add(self, order: PurchaseOrder) -> None:
        """Raises PurchaseOrderExists when the id is taken."""

    def get(self, ident: str) -> tuple[PurchaseOrder, int] | None:
        """The order and its version."""

    def save(self, order: PurchaseOrder, version: int) -> bool:
        """Write `order` if it is still at `version` (then version + 1); False if not."""

    def orders(self, state: PoState | None = None) -> list[PurchaseOrder]:
        """Newest first."""

    def waiting(self, node: str) -> list[PurchaseOrder]:
        """The orders for `node` with receipts on their way to its agent (`pending`)."""


class ReorderStore(Protocol):
    def put(self, point: ReorderPoint) -> None: ...

    def remove(self, node: str, sku: str) -> bool: ...

    def points(self, node: str | None = None) -> list[ReorderPoint]: ...

    def alerted(self) -> set[tuple[str, str]]:
        """The (node, SKU) points whose low-stock alert stands (sent, not yet restocked)."""

    def mark(self, alerted: Iterable[tuple[str, str]], cleared: Iterable[tuple[str, str]]) -> None:
        """Mark alerts sent, and clear those restocked above their point."""


@dataclass(eq=False)
class PurchaseOrderChanged(DomainError):
    """Someone else changed the order between reading and saving it: this change was not
    made."""

    ident: str
    code = "purchase_order_changed"

    def __str__(self) -> str:
        return f"purchase order {self.ident!r} changed meanwhile; look at it again and retry"


@dataclass(eq=False)
class ReceivedButNotBooked(DomainError):
    """A receipt's goods went into the node's ledger, but the order changed meanwhile so that
    they no longer fit it: the ledger says what arrived, the order needs a look."""

    ident: str
    node: str
    reason: str
    code = "received_but_not_booked"

    def __str__(self) -> str:
        return (
            f"the goods are in {self.node}'s ledger, but purchase order {self.ident!r} changed"
            f" meanwhile and was not updated ({self.reason}): check it"
        )


SAVE_RETRIES = 4


@dataclass(eq=False)
class UnknownReorderPoint(DomainError):
    node: str
    sku: str
    code = "unknown_reorder_point"

    def __str__(self) -> str:
        return f"no reorder point for {self.sku!r} at {self.node!r}"


def draft(
    store: PurchaseOrderStore,
    hub: UnitOfWorkFactory,
    ident: str,
    supplier: str,
    node: str,
    at: datetime,
    note: str = "",
) -> PurchaseOrder:
    """A new draft order for goods to arrive at `node` (a registered node)."""
    get_node(hub, node)
    made = PurchaseOrder(ident, supplier.strip(), node, at, note=note)
    store.add(made)
    return made


def add_line(
    store: PurchaseOrderStore,
    hub: UnitOfWorkFactory,
    ident: str,
    sku: str,
    quantity: int,
    unit_cost: str,
    currency: str,
    kits: KitStore,
) -> PurchaseOrder:
    """Order `quantity` of `sku` (in the catalog, not a kit: a kit holds no stock, its parts
    are ordered) at `unit_cost` (typed, in `currency`), on a draft."""
    known.require_skus(hub, [sku])
    not_a_kit(kits, sku)
    cost = Money.parse(unit_cost, currency, "unit_cost")
    return _change(store, ident, lambda order: order.add_line(sku, quantity, cost))


def not_a_kit(kits: KitStore, sku: str) -> None:
    """A kit holds no stock of its own (ADR 0009): its parts are ordered and reordered."""
    if sku in kits.kits():
        raise InvalidValue("sku", sku, "is a kit: it holds no stock of its own; order its parts")


def send(store: PurchaseOrderStore, ident: str, at: datetime) -> PurchaseOrder:
    return _change(store, ident, lambda order: order.send(at))


def close(store: PurchaseOrderStore, ident: str, at: datetime) -> PurchaseOrder:
    return _change(store, ident, lambda order: order.close(at))


@dataclass(frozen=True, slots=True)
class Received:
    order: PurchaseOrder
    receipt: Receipt
    movements: list[Movement]
    queued: list[Request] = field(default_factory=list)  # on their way to the node's agent
    repeated: bool = False  # made before under its key: nothing recorded this time


def receive(
    store: PurchaseOrderStore,
    node_db: SyncUnitOfWorkFactory,
    ident: str,
    arrived: Mapping[str, int],
    at: datetime,
    actor: str = "",
    hub: SyncUnitOfWorkFactory | None = None,
    key: str = "",
) -> Received:
    """Goods that came against order `ident`, into its node's ledger (`node_db`, the node's
    database here). At a node whose agent keeps its ledger elsewhere (told by `hub`) the
    receipt travels instead: `queue_receipt`. Under a `key` the order already has a receipt
    for, these goods again are answered with that receipt and record nothing."""
    order = get(store, ident)
    kept = order.keyed(key, arrived)  # other goods under the key: refused here
    if kept is not None:
        return Received(order, kept, [], repeated=True)
    if hub is not None and remote_nodes.runs_elsewhere(hub, node_db, order.node):
        return queue_receipt(store, hub, ident, arrived, at, actor, key)
    order, version = _load(store, ident)
    changed, receipt = order.receive(arrived, at, actor, key)  # refused here: nothing moved
    reference = f"{order.ident} receipt {receipt.number}"
    entries = [
        stock.Entry(sku, MovementKind.RECEIVE, quantity, at, reference, actor)
        for sku, quantity in receipt.lines
    ]
    if key:  # kept in the node's ledger: a twin sent at once, not yet on the order, records once
        try:
            made, repeated = stock.record_batch_once(
                node_db, order.node, entries, _ledger_key(ident, key), _asked(arrived)
            )
        except SaleKeyReused:
            raise ReceiptKeyReused(ident, key) from None
        if repeated:
            order = get(store, ident)
            return Received(order, order.keyed(key, arrived) or receipt, [], repeated=True)
    else:
        made = stock.record_batch(node_db, order.node, entries)
    for _ in range(SAVE_RETRIES):
        if store.save(changed, version):
            return Received(changed, receipt, made)
        # changed meanwhile (another receipt, a close): the goods are in the ledger, so set
        # this receipt against the order as it is now
        order, version = _load(store, ident)
        try:
            changed, receipt = order.receive(arrived, at, actor, key)
        except DomainError as refused:
            raise ReceivedButNotBooked(ident, order.node, str(refused)) from None
    raise ReceivedButNotBooked(ident, order.node, "the order kept changing")


def _ledger_key(ident: str, key: str) -> str:
    """A receipt key as the node's ledger keeps it: the order's and the delivery's, with a
    space no till's sale key may hold (`codes.KEY_PATTERN`), so the two never meet."""
    return f"{ident} receipt {key}"


def _asked(arrived: Mapping[str, int]) -> str:
    return json.dumps(sorted(arrived.items()), separators=(",", ":"))


def receipt_key(ident: str, number: int, sku: str) -> str:
    """The key a queued receipt's line travels under: recorded once at the node."""
    return f"{ident}/receipt {number}/{sku}"


def queue_receipt(
    store: PurchaseOrderStore,
    hub: SyncUnitOfWorkFactory,
    ident: str,
    arrived: Mapping[str, int],
    at: datetime,
    actor: str = "",
    key: str = "",
) -> Received:
    """A receipt at a node whose agent keeps its ledger on its own machine: checked against
    the order, then one RECEIVE request per line queued for the node's next sync reply under
    `receipt_key` (recorded there once), then saved on the order as pending, its units no
    longer outstanding; `book_confirmed` books it when the agent's push shows it recorded.
    Queued before the order is saved, as the goods go into a local ledger before: an order
    changed meanwhile is told as `ReceivedButNotBooked`, never a receipt on the order whose
    goods were never sent."""
    order, version = _load(store, ident)
    changed, receipt = order.queue(arrived, at, actor, key)  # refused here: nothing queued
    reference = f"{order.ident} receipt {receipt.number}"
    queued = [
        remote_nodes.ask(
            hub, order.node, RequestKind.RECEIVE, sku, quantity,
            receipt_key(order.ident, receipt.number, sku), reference, actor,
        ).request
        for sku, quantity in receipt.lines
    ]  # fmt: skip
    if not store.save(changed, version):
        raise ReceivedButNotBooked(ident, order.node, "queued for its agent; the order changed")
    return Received(changed, receipt, [], queued)


def book_confirmed(store: PurchaseOrderStore, hub: SyncUnitOfWorkFactory, node: str) -> list[str]:
    """Book the queued receipts at `node` whose every line its agent has recorded (none of
    their requests is still on its way: the hub settles a request once the node's push shows
    it applied); called after each push from the node. Returns "<order> receipt <n>" booked."""
    waiting = store.waiting(node)
    if not waiting:
        return []
    with hub() as uow:
        open_keys = {r.key for r in uow.accounts.load(node, [], requests=True).requests.values()}
    booked = []
    for order in waiting:
        for receipt in order.pending:
            keys = {receipt_key(order.ident, receipt.number, sku) for sku, _ in receipt.lines}
            if keys & open_keys:
                continue
            _change(store, order.ident, partial(PurchaseOrder.confirm, number=receipt.number))
            booked.append(f"{order.ident} receipt {receipt.number}")
    return booked


def get(store: PurchaseOrderStore, ident: str) -> PurchaseOrder:
    return _load(store, ident)[0]


def _load(store: PurchaseOrderStore, ident: str) -> tuple[PurchaseOrder, int]:
    found = store.get(ident)
    if found is None:
        raise UnknownPurchaseOrder(ident)
    return found


def _change(
    store: PurchaseOrderStore, ident: str, act: Callable[[PurchaseOrder], PurchaseOrder]
) -> PurchaseOrder:
    order, version = _load(store, ident)
    changed = act(order)
    if not store.save(changed, version):
        raise PurchaseOrderChanged(ident)
    return changed


# --- records (the API, the CLI's --json and the stores) -----------------------------------


def purchase_order_record(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "id": order.ident,
        "supplier": order.supplier,
        "node": order.node,
        "state": order.state.value,
        "created_at": order.created_at.isoformat(),
        "sent_at": order.sent_at.isoformat() if order.sent_at else None,
        "closed_at": order.closed_at.isoformat() if order.closed_at else None,
        "note": order.note,
        "lines": [
            {
                "sku": line.sku,
                "ordered": line.ordered,
                "received": line.received,
                "coming": line.coming,
                "outstanding": line.outstanding,
                "unit_cost": str(line.unit_cost.amount),
                "currency": line.unit_cost.currency,
            }
            for line in order.lines
        ],
        "receipts": [_receipt_record(r) for r in order.receipts],
        "pending": [_receipt_record(r) for r in order.pending],
    }


def _receipt_record(receipt: Receipt) -> dict[str, Any]:
    return {
        "number": receipt.number,
        "at": receipt.at.isoformat(),
        "lines": [{"sku": sku, "quantity": q} for sku, q in receipt.lines],
        "actor": receipt.actor,
        "key": receipt.key,
    }


def _receipt_from_record(record: Mapping[str, Any]) -> Receipt:
    return Receipt(
        int(record["number"]),
        datetime.fromisoformat(record["at"]),
        tuple((line["sku"], int(line["quantity"])) for line in record["lines"]),
        record.get("actor", ""),
        record.get("key", ""),
    )


def purchase_order_from_record(record: Mapping[str, Any]) -> PurchaseOrder:
    def when(key: str) -> datetime | None:
        text = record.get(key)
        return datetime.fromisoformat(text) if text else None

    return PurchaseOrder(
        ident=record["id"],
        supplier=record["supplier"],
        node=record["node"],
        created_at=datetime.fromisoformat(record["created_at"]),
        state=PoState(record["state"]),
        lines=tuple(
            PoLine(
                line["sku"],
                int(line["ordered"]),
                Money(Decimal(line["unit_cost"]), line["currency"]),
                int(line["received"]),
                int(line.get("coming", 0)),
            )
            for line in record["lines"]
        ),
        receipts=tuple(_receipt_from_record(r) for r in record["receipts"]),
        pending=tuple(_receipt_from_record(r) for r in record.get("pending", ())),
        sent_at=when("sent_at"),
        closed_at=when("closed_at"),
        note=record.get("note", ""),
    )


# --- reorder points -----------------------------------------------------------------------


def set_point(
    store: ReorderStore,
    hub: UnitOfWorkFactory,
    kits: KitStore,
    node: str,
    sku: str,
    point: int,
    target: int = 0,
) -> ReorderPoint:
    made = ReorderPoint(node, sku, point, target)
    get_node(hub, node)
    known.require_skus(hub, [sku])
    not_a_kit(kits, sku)
    store.put(made)
    return made


def remove_point(store: ReorderStore, hub: UnitOfWorkFactory, node: str, sku: str) -> ReorderPoint:
    get_node(hub, node)  # a node nobody registered is said as that, not as "no point"
    found = next((p for p in store.points(node) if p.sku == sku), None)
    if found is None or not store.remove(node, sku):
        raise UnknownReorderPoint(node, sku)
    return found


def low(
    store: ReorderStore, ledgers: Mapping[str, UnitOfWorkFactory], node: str | None = None
) -> list[LowStock]:
    """Every reorder point at or below its level now, from each node's own ledger."""
    points = store.points(node)
    wanted = sorted({p.node for p in points} & set(ledgers))
    on_hand: dict[tuple[str, str], int] = {}
    for code in wanted:
        for line in stock.stock_lines({code: ledgers[code]}):
            on_hand[(line.node, line.sku)] = line.on_hand
    return low_stock([p for p in points if p.node in ledgers], on_hand)


def alert_low(
    store: ReorderStore,
    hub: UnitOfWorkFactory,
    ledgers: Mapping[str, UnitOfWorkFactory],
    at: datetime,
) -> list[LowStock]:
    """A `stock.low` webhook event for each point newly at or below its level, written to the
    hub's outbox in the same transaction as the mark that it was sent; a point back above its
    level is cleared, to alert again next time. Returns the new alerts."""
    found = low(store, ledgers)
    now_low = {(item.node, item.sku) for item in found}
    before = store.alerted()
    fresh = [item for item in found if (item.node, item.sku) not in before]
    cleared = {key for key in before if key not in now_low and key[0] in ledgers}
    if not fresh and not cleared:
        return []
    with hub() as uow:
        for item, record in zip(fresh, low_stock_record(fresh), strict=True):
            key = f"{item.node}/{item.sku}#low@{at.isoformat()}"
            emit(uow, EventKind.STOCK_LOW, key, {**record, "at": at.isoformat()}, at)
        store.mark([(item.node, item.sku) for item in fresh], sorted(cleared))
        uow.commit()
    return fresh


def low_stock_record(found: Sequence[LowStock]) -> list[dict[str, Any]]:
    return [
        {
            "node": low.node,
            "sku": low.sku,
            "on_hand": low.on_hand,
            "point": low.point,
            "suggested": low.suggested,
        }
        for low in found
    ]
