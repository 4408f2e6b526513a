"""Online orders: place (idempotent by the `Idempotency-Key` header), read, list, advance one
node's part, cancel. A channel (the web shop, a marketplace) places, reads and cancels; staff
read and advance the orders with a part at their node or goods travelling to it; an admin does
everything."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Header, Path, Query, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from microindex.domain.access import AccessDenied, AccessToken, Action, may, require
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import Order, Part, Step
from microindex.domain.promise.order import KEY_PATTERN as KEY_PATTERN
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import RULE_HELP, RULES
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import NODE_PATTERN, NodeText, Quantity, Request, SkuText
from microindex.service import packaging, promise
from microindex.service.known import require_nodes, require_skus
from microindex.service.nodes import list_nodes
from microindex.service.promise_ports import OrderRecord

api = router("orders")

OrderId = Annotated[str, Path(pattern=KEY_PATTERN, description="Order id (its idempotency key).")]
RuleName = Annotated[str, Field(strict=True, pattern=f"^({'|'.join(RULES)})$")]
AdvanceStep = Literal["confirmed", "picked", "packed", "handed_over", "delivered"]


class OrderLineIn(Request):
    sku: SkuText
    quantity: Quantity


class CustomerIn(Request):
    lat: Annotated[float, Field(strict=True, ge=-90, le=90)]
    lon: Annotated[float, Field(strict=True, ge=-180, le=180)]


class OrderIn(Request):
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=100)]
    method: Method
    customer: CustomerIn | None = Field(
        default=None, description="Where the customer is: needed unless collecting at a node."
    )
    pickup_node: NodeText | None = None
    deadline: AwareDatetime | None = Field(default=None, description="With the customer by.")
    rules: Annotated[
        list[RuleName] | None,
        Field(
            min_length=1,
            max_length=len(RULES),
            description="Routing rules, in order, each preferring: "
            + "; ".join(f"`{name}`: {why}" for name, why in RULE_HELP.items())
            + ". A pickup at a node that lacks the goods is filled by moving them there only"
            " when no plan without a transfer exists; `fewest_transfers` then comes first"
            " unless the chain names it.",
        ),
    ] = None


class StepIn(Request):
    node: NodeText
    step: AdvanceStep
    package: Annotated[str, Field(strict=True, pattern=KEY_PATTERN)] | None = Field(
        default=None,
        description="At `packed`: the package scanned (a template code); left out, the node's"
        " templates choose. The package is recorded with the order (POST /orders/{order}/pack).",
    )


class OrderLineOut(BaseModel):
    sku: str
    quantity: int


class PartOut(BaseModel):
    node: str
    lines: list[OrderLineOut]
    step: str
    ready_by: datetime | None
    arrives_by: datetime | None
    transfer_to: str | None = Field(
        default=None, description="The pickup node this part's goods travel to, if they do."
    )
    arrived_at: datetime | None = Field(
        default=None, description="When they reached it: ready for pickup there."
    )
    at_risk: str = Field(
        default="",
        description="Why its goods may not come (gone at the node, no other node has them).",
    )


class OrderOut(BaseModel):
    id: str
    method: str
    placed_at: datetime
    promised_by: datetime
    step: str
    at_risk: bool = Field(description="A part's goods are gone and no node could take it over.")
    parts: list[PartOut]


class EventOut(BaseModel):
    node: str
    step: str
    at: datetime
    actor: str
    note: str = Field(description="Why, for a step the hub took on its own (a re-promise).")


class PromisedOrderOut(OrderOut):
    why: list[str] = Field(description="Why the order went where it went.")
    history: list[EventOut] = Field(
        default_factory=list, description="Every step, in order (GET /orders/{order})."
    )


def _part(part: Part) -> PartOut:
    return PartOut(
        node=part.node,
        lines=[OrderLineOut(sku=s, quantity=q) for s, q in part.lines],
        step=part.step.value,
        ready_by=part.ready_by,
        arrives_by=part.arrives_by,
        transfer_to=part.transfer_to,
        arrived_at=part.arrived_at,
        at_risk=part.at_risk,
    )


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        id=order.ident,
        method=order.method.value,
        placed_at=order.placed_at,
        promised_by=order.promised_by,
        step=order.step.value,
        at_risk=bool(order.at_risk),
        parts=[_part(p) for p in order.parts.values()],
    )


def _promised(record: OrderRecord) -> PromisedOrderOut:
    return PromisedOrderOut(**order_out(record.order).model_dump(), why=list(record.why))


def _request(body: OrderIn, at: datetime) -> OrderRequest:
    customer = body.customer
    return OrderRequest(
        lines=tuple(OrderLine(line.sku, line.quantity) for line in body.lines),
        method=body.method,
        placed_at=at,
        customer=None if customer is None else Location(customer.lat, customer.lon),
        pickup_node=body.pickup_node,
        deadline=body.deadline,
    )


def _may_read(token: AccessToken, order: Order) -> None:
    """Staff read an order only when one of its parts is at their node, or its goods travel
    there (the pickup node's staff hand it over)."""
    if not any(may(token.grant, Action.READ_ORDERS, node) for node in (*order.nodes, None)):
        raise AccessDenied(token.grant.role.value, Action.READ_ORDERS.value, token.grant.node)


@api.post(
    "/orders",
    response_model=PromisedOrderOut,
    status_code=status.HTTP_201_CREATED,
    summary="Promise an order to the best node(s) and reserve their stock rights",
    responses={200: {"model": PromisedOrderOut, "description": "A replayed key: first answer."}},
)
def place_order(
    body: OrderIn,
    hub: HubDep,
    token: TokenDep,
    response: Response,
    idempotency_key: Annotated[
        str,
        Header(pattern=KEY_PATTERN, description="One per order; a retry sends the same one."),
    ],
) -> PromisedOrderOut:
    require(token.grant, Action.PLACE_ORDER)
    settings = promise.PromiseSettings()
    if body.rules:
        settings = promise.PromiseSettings(chain=tuple(body.rules))
    workspace, request = hub.workspace, _request(body, hub.now())
    require_skus(workspace.hub, [line.sku for line in request.lines])  # a typo, not a shortfall
    require_nodes(workspace.hub, *filter(None, [request.pickup_node]))
    placed = promise.place_order(
        workspace.hub,
        idempotency_key,
        request,
        list_nodes(workspace.hub),
        settings,
        workspace.candidate_states(),
        workspace.storage.kits().kits(),
    )
    if not placed.created:
        response.status_code = status.HTTP_200_OK
    return _promised(placed.record)


@api.get("/orders", response_model=list[OrderOut], summary="Orders, oldest id first")
def list_orders(
    hub: HubDep,
    token: TokenDep,
    node: Annotated[
        str | None,
        Query(pattern=NODE_PATTERN, description="Only orders with a part here or sent here."),
    ] = None,
    open: Annotated[bool, Query(description="Only orders not yet finished.")] = True,
) -> list[OrderOut]:
    require(token.grant, Action.READ_ORDERS, node)
    if node is not None:  # a mistyped node is refused, not answered with no orders
        require_nodes(hub.hub, node)
    return [order_out(o) for o in promise.list_orders(hub.workspace.hub, node, open)]


@api.get("/orders/{order}", response_model=PromisedOrderOut, summary="One order and its plan")
def show_order(order: OrderId, hub: HubDep, token: TokenDep) -> PromisedOrderOut:
    record = promise.get_order(hub.workspace.hub, order)
    _may_read(token, record.order)
    history = [
        EventOut(node=e.node, step=e.step.value, at=e.at, actor=e.actor, note=e.note)
        for e in promise.order_history(hub.workspace.hub, order)
    ]
    return _promised(record).model_copy(update={"history": history})


@api.post(
    "/orders/{order}/steps",
    response_model=PromisedOrderOut,
    summary="Record one node's next step (confirmed, picked, packed, handed over, delivered)",
)
def advance_order(order: OrderId, body: StepIn, hub: HubDep, token: TokenDep) -> PromisedOrderOut:
    require(token.grant, Action.ADVANCE_ORDER, body.node)
    ws = hub.workspace
    packaging.advance(
        ws.hub,
        ws.storage.packaging(),
        order,
        body.node,
        Step(body.step),
        hub.now(),
        token.actor,
        node_db=hub.node_for_writing,
        link=ws.link,
        package=body.package,
    )
    return _promised(promise.get_order(ws.hub, order))


@api.post(
    "/orders/{order}/cancel",
    response_model=PromisedOrderOut,
    summary="Cancel what is not yet handed over; its stock rights go back",
)
def cancel_order(order: OrderId, hub: HubDep, token: TokenDep) -> PromisedOrderOut:
    require(token.grant, Action.CANCEL_ORDER)
    database = hub.workspace.hub
    promise.cancel(database, order, hub.now(), token.actor)
    return _promised(promise.get_order(database, order))
