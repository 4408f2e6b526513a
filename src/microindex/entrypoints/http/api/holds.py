"""Shelf-QR reservations: a shopper scans a shelf (or a product at a named node) and the item
is held for pickup there, briefly. A hold is a pickup order with a short lease.

The web shop's scan page reserves with its channel token (as it places orders); staff of the
node hand the item over (collect); an expired hold is released by `expire`, which a channel or
an admin runs (every order whose lease ran out unconfirmed goes back). An admin names shelves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Header, Path, Response, status
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
from microindex.domain.errors import InvalidValue
from microindex.domain.gs1.keys import Gln
from microindex.domain.promise.lifecycle import Order, Step
from microindex.domain.promise.order import Method
from microindex.entrypoints.http.api.common import lines_out, router
from microindex.entrypoints.http.api.orders import KEY_PATTERN, OrderId
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import LineOut, NodeText, Quantity, Request, SkuText
from microindex.service import fulfilment, promise, shelf_holds
from microindex.service.known import require_nodes, require_skus
from microindex.service.nodes import list_nodes
from microindex.service.promise_ports import OrderRecord

api = router("reservations")

BIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,19}$"
GlnPath = Annotated[str, Path(pattern=r"^[0-9]{13}$", description="The site's GLN.")]
BinPath = Annotated[str, Path(pattern=BIN_PATTERN, description="Shelf or bin (AI 254).")]


class ShelfIn(Request):
    node: NodeText
    sku: SkuText


class ShelfOut(BaseModel):
    gln: str
    bin: str
    node: str
    sku: str


class HoldIn(Request):
    scan: Annotated[
        str,
        Field(
            strict=True,
            min_length=1,
            max_length=500,
            description="What was scanned: a shelf's or a product's Digital Link.",
            examples=["https://shop.example/414/9520123456788/254/A1"],
        ),
    ]
    quantity: Annotated[Quantity, Field(le=100)] = 1
    node: NodeText | None = Field(default=None, description="Where a product QR was scanned.")
    minutes: Annotated[
        int,
        Field(
            strict=True,
            ge=shelf_holds.HOLDS[0] // timedelta(minutes=1),
            le=shelf_holds.HOLDS[1] // timedelta(minutes=1),
            description="How long the hold lasts.",
        ),
    ] = int(shelf_holds.HOLD / timedelta(minutes=1))


class HoldOut(BaseModel):
    id: str
    node: str
    lines: list[LineOut]
    step: str
    held_until: datetime = Field(description="Released then unless collected or confirmed.")


class ExpiredOut(BaseModel):
    released: list[str] = Field(description="Orders and holds whose lease ran out.")


def _hold(record: OrderRecord) -> HoldOut:
    order = record.order
    part = next(iter(order.parts.values()))
    return HoldOut(
        id=order.ident,
        node=_pickup_node(order),
        lines=lines_out(dict(part.lines)),
        step=order.step.value,
        held_until=record.lease_until,
    )


def _pickup_node(order: Order) -> str:
    """Where a hold is collected: its part's node, or where the part's goods travel to."""
    part = next(iter(order.parts.values()))
    return part.transfer_to or part.node


@api.put(
    "/shelves/{gln}/{bin}",
    response_model=ShelfOut,
    summary="Say which node and SKU a shelf label names",
)
def put_shelf(gln: GlnPath, bin: BinPath, body: ShelfIn, hub: HubDep, token: TokenDep) -> ShelfOut:
    require(token.grant, Action.MANAGE_NODES)
    require_nodes(hub.hub, body.node)
    require_skus(hub.hub, [body.sku])
    shelf_holds.add_shelf(hub.workspace.node_ops(), Gln(gln).digits, bin, body.node, body.sku)
    return ShelfOut(gln=gln, bin=bin, node=body.node, sku=body.sku)


@api.post(
    "/reservations",
    response_model=HoldOut,
    status_code=status.HTTP_201_CREATED,
    summary="Hold a scanned item for pickup at its node, briefly",
    responses={200: {"model": HoldOut, "description": "A replayed key: the first hold."}},
)
def reserve(
    body: HoldIn,
    hub: HubDep,
    token: TokenDep,
    response: Response,
    idempotency_key: Annotated[
        str, Header(pattern=KEY_PATTERN, description="One per hold; a retry sends the same one.")
    ],
) -> HoldOut:
    require(token.grant, Action.PLACE_ORDER)
    ws = hub.workspace
    placed = shelf_holds.hold_from_scan(
        ws.hub,
        ws.node_ops(),
        idempotency_key,
        body.scan,
        list_nodes(ws.hub),
        hub.now(),
        body.quantity,
        body.node,
        timedelta(minutes=body.minutes),
        ws.candidate_states(),
    )
    if not placed.created:
        response.status_code = status.HTTP_200_OK
    return _hold(placed.record)


@api.post(
    "/reservations/{order}/collect",
    response_model=HoldOut,
    summary="The shopper collected the held item: handed over at its node",
)
def collect(order: OrderId, hub: HubDep, token: TokenDep) -> HoldOut:
    database = hub.workspace.hub
    held = promise.get_order(database, order).order
    if held.method is not Method.PICKUP or len(held.parts) != 1:
        raise InvalidValue("order", order, "not a hold: advance its parts at /orders/{id}/steps")
    node = _pickup_node(held)
    require(token.grant, Action.ADVANCE_ORDER, node)
    fulfilment.advance(
        database,
        order,
        node,
        Step.HANDED_OVER,
        hub.now(),
        token.actor,
        node_db=hub.node_for_writing,
        link=hub.workspace.link,
    )
    return _hold(promise.get_order(database, order))


@api.post(
    "/reservations/expire",
    response_model=ExpiredOut,
    summary="Release every hold (and checkout lease) whose time ran out; its stock goes back",
)
def expire(hub: HubDep, token: TokenDep) -> ExpiredOut:
    require(token.grant, Action.CANCEL_ORDER)
    return ExpiredOut(released=promise.release_lapsed(hub.workspace.hub, hub.now()))
