"""Purchase orders (admins draft, add lines, send and close them; staff receive against one
for their own node) and reorder points with what is low now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, status
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
from microindex.domain.purchasing import MAX_LINES, MAX_SUPPLIER, PoState
from microindex.domain.reorder import MAX_LEVEL
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import (
    NODE_PATTERN,
    MovementOut,
    NodeText,
    Quantity,
    ReceiptKey,
    Request,
    SkuText,
)
from microindex.service import purchasing
from microindex.service.records import movement_record

api = router("purchasing")
PO_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
PoPath = Annotated[str, Path(pattern=PO_PATTERN, description="The purchase order's id.")]


class PurchaseOrderIn(Request):
    id: Annotated[str, Field(strict=True, pattern=PO_PATTERN, examples=["PO-1001"])]
    supplier: Annotated[str, Field(strict=True, min_length=1, max_length=MAX_SUPPLIER)]
    node: NodeText
    note: Annotated[str, Field(strict=True, max_length=500)] = ""


class PoLineIn(Request):
    sku: SkuText
    quantity: Quantity
    unit_cost: Annotated[
        str, Field(strict=True, max_length=32, examples=["4.20"], description="Before VAT.")
    ]
    currency: Annotated[str | None, Field(max_length=3, description="Default: the shop's.")] = None


class ReceiptLineIn(Request):
    sku: SkuText
    quantity: Quantity


class ReceiptIn(Request):
    lines: Annotated[list[ReceiptLineIn], Field(min_length=1, max_length=MAX_LINES)]


class PoLineOut(BaseModel):
    sku: str
    ordered: int
    received: int
    coming: int = Field(
        0,
        description="In receipts on their way to the ledger of a node whose agent runs "
        "elsewhere: booked as received when its agent's push shows them recorded.",
    )
    outstanding: int
    unit_cost: str
    currency: str


class ReceiptLineOut(BaseModel):
    sku: str
    quantity: int


class ReceiptOut(BaseModel):
    number: int
    at: str
    lines: list[ReceiptLineOut]
    actor: str


class PurchaseOrderOut(BaseModel):
    id: str
    supplier: str
    node: str
    state: PoState
    created_at: str
    sent_at: str | None
    closed_at: str | None
    note: str
    lines: list[PoLineOut]
    receipts: list[ReceiptOut]
    pending: list[ReceiptOut] = Field(
        [], description="Receipts on their way to the node's agent, not yet recorded there."
    )


class ReceivedOut(BaseModel):
    order: PurchaseOrderOut
    receipt: int
    movements: list[MovementOut]
    queued: list[str] = Field(
        [],
        description="At a node whose agent runs elsewhere: the keys of the receive "
        "requests its next sync reply carries (`movements` is then empty).",
    )


class ReorderPointIn(Request):
    point: Annotated[int, Field(strict=True, ge=0, le=MAX_LEVEL)]
    target: Annotated[int, Field(strict=True, ge=0, le=MAX_LEVEL)] = 0


class ReorderPointOut(BaseModel):
    node: str
    sku: str
    point: int
    target: int


class LowStockOut(BaseModel):
    node: str
    sku: str
    on_hand: int
    point: int
    suggested: int = Field(description="How many to order to reach the target.")


def _out(order: Any) -> PurchaseOrderOut:
    return PurchaseOrderOut(**purchasing.purchase_order_record(order))


@api.post(
    "/purchase-orders",
    response_model=PurchaseOrderOut,
    status_code=status.HTTP_201_CREATED,
    summary="Draft a purchase order for goods to arrive at a node",
)
def draft(body: PurchaseOrderIn, hub: HubDep, token: TokenDep) -> PurchaseOrderOut:
    require(token.grant, Action.MANAGE_PURCHASING)
    store = hub.workspace.storage.purchase_orders()
    return _out(
        purchasing.draft(store, hub.hub, body.id, body.supplier, body.node, hub.now(), body.note)
    )


@api.get("/purchase-orders", response_model=list[PurchaseOrderOut], summary="Newest first")
def list_orders(
    hub: HubDep, token: TokenDep, state: Annotated[PoState | None, Query()] = None
) -> list[PurchaseOrderOut]:
    require(token.grant, Action.MANAGE_PURCHASING)
    return [_out(order) for order in hub.workspace.storage.purchase_orders().orders(state)]


@api.get("/purchase-orders/{ident}", response_model=PurchaseOrderOut, summary="One order")
def show(ident: PoPath, hub: HubDep, token: TokenDep) -> PurchaseOrderOut:
    require(token.grant, Action.MANAGE_PURCHASING)
    return _out(purchasing.get(hub.workspace.storage.purchase_orders(), ident))


@api.post(
    "/purchase-orders/{ident}/lines",
    response_model=PurchaseOrderOut,
    summary="Add a line to a draft (the same SKU again adds up)",
)
def add_line(ident: PoPath, body: PoLineIn, hub: HubDep, token: TokenDep) -> PurchaseOrderOut:
    require(token.grant, Action.MANAGE_PURCHASING)
    storage = hub.workspace.storage
    currency = body.currency or hub.currency
    made = purchasing.add_line(
        storage.purchase_orders(), hub.hub, ident, body.sku, body.quantity, body.unit_cost,
        currency, storage.kits(),
    )  # fmt: skip
    return _out(made)


@api.post("/purchase-orders/{ident}/send", response_model=PurchaseOrderOut, summary="Send it")
def send(ident: PoPath, hub: HubDep, token: TokenDep) -> PurchaseOrderOut:
    require(token.grant, Action.MANAGE_PURCHASING)
    return _out(purchasing.send(hub.workspace.storage.purchase_orders(), ident, hub.now()))


@api.post(
    "/purchase-orders/{ident}/receipts",
    response_model=ReceivedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Goods that came against a sent order, into its node's ledger (no more than"
    " outstanding: 409 over_receipt); at a node whose agent runs elsewhere, queued for its"
    " next sync and booked when its push confirms them",
)
def receive(
    ident: PoPath,
    body: ReceiptIn,
    hub: HubDep,
    token: TokenDep,
    idempotency_key: ReceiptKey = None,
) -> ReceivedOut:
    store = hub.workspace.storage.purchase_orders()
    order = purchasing.get(store, ident)
    require(token.grant, Action.WRITE_STOCK, order.node)
    arrived: dict[str, int] = {}
    for line in body.lines:
        arrived[line.sku] = arrived.get(line.sku, 0) + line.quantity
    db = hub.node_for_writing(order.node)
    done = purchasing.receive(
        store, db, ident, arrived, hub.now(), token.actor, hub=hub.workspace.hub,
        key=idempotency_key or "",
    )  # fmt: skip
    return ReceivedOut(
        order=_out(done.order),
        receipt=done.receipt.number,
        movements=[MovementOut(**movement_record(m)) for m in done.movements],
        queued=[r.key for r in done.queued],
    )


@api.post(
    "/purchase-orders/{ident}/close",
    response_model=PurchaseOrderOut,
    summary="Close it: no more will come (what came stays)",
)
def close(ident: PoPath, hub: HubDep, token: TokenDep) -> PurchaseOrderOut:
    require(token.grant, Action.MANAGE_PURCHASING)
    return _out(purchasing.close(hub.workspace.storage.purchase_orders(), ident, hub.now()))


@api.put(
    "/nodes/{node}/reorder-points/{sku:path}",
    response_model=ReorderPointOut,
    summary="Set a reorder point: at or below it the SKU is low at the node",
)
def set_point(
    node: Annotated[str, Path(pattern=NODE_PATTERN)],
    sku: Annotated[str, Path(max_length=64)],
    body: ReorderPointIn,
    hub: HubDep,
    token: TokenDep,
) -> ReorderPointOut:
    require(token.grant, Action.MANAGE_PURCHASING)
    storage = hub.workspace.storage
    made = purchasing.set_point(
        storage.reorder_points(), hub.hub, storage.kits(), node, sku, body.point, body.target
    )
    return ReorderPointOut(node=made.node, sku=made.sku, point=made.point, target=made.target)


@api.get(
    "/reorder-points/low",
    response_model=list[LowStockOut],
    summary="What is at or below its reorder point now, with how many to order",
)
def low(
    hub: HubDep,
    token: TokenDep,
    node: Annotated[str | None, Query(pattern=NODE_PATTERN, description="Only this node.")] = None,
) -> list[LowStockOut]:
    require(token.grant, Action.READ_STOCK, node)
    ledgers = hub.ledgers() if node is None else {node: hub.ledger(node)}
    found = purchasing.low(hub.workspace.storage.reorder_points(), ledgers, node)
    return [LowStockOut(**item) for item in purchasing.low_stock_record(found)]


@api.delete(
    "/nodes/{node}/reorder-points/{sku:path}",
    response_model=ReorderPointOut,
    summary="Remove a reorder point",
)
def remove_point(
    node: Annotated[str, Path(pattern=NODE_PATTERN)],
    sku: Annotated[str, Path(max_length=64)],
    hub: HubDep,
    token: TokenDep,
) -> ReorderPointOut:
    require(token.grant, Action.MANAGE_PURCHASING)
    ws = hub.workspace
    gone = purchasing.remove_point(ws.storage.reorder_points(), ws.hub, node, sku)
    return ReorderPointOut(node=gone.node, sku=gone.sku, point=gone.point, target=gone.target)
