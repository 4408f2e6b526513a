"""Returns: opened against a sale or an order (by staff of the selling node, a channel or an
admin), checked in by scan and decided at the return point (its staff), and the return-rate
alerts (an admin's). The same service functions the CLI calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Path, Query, status
from pydantic import BaseModel, Field

from microindex.domain.access import Action, require
from microindex.domain.node import Location
from microindex.domain.returns import (
    Condition,
    Decision,
    Disposition,
    Origin,
    OriginKind,
    Reason,
    Return,
)
from microindex.entrypoints.http.api.common import lines_of, router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.schemas import (
    LineIn,
    NodeText,
    Quantity,
    Reference,
    Request,
    SkuText,
)
from microindex.service import returns as returns_service
from microindex.service.known import require_nodes

api = router("returns")

ReturnId = Annotated[
    str, Path(pattern=r"^R-[a-z0-9][a-z0-9\-]{0,31}-[0-9]{5,}$", description="Return id.")
]


class NearIn(Request):
    lat: Annotated[float, Field(strict=True, ge=-90, le=90)]
    lon: Annotated[float, Field(strict=True, ge=-180, le=180)]


class ReturnIn(Request):
    sold_at: NodeText = Field(description="The node that sold it (or fulfilled the order).")
    reference: Annotated[str, Field(strict=True, max_length=200)] = Field(
        default="",
        description="The sale's reference (e.g. till:van) or the order id; not with `sale`.",
    )
    sale: Annotated[int, Field(strict=True, ge=1, le=2**62)] | None = Field(
        default=None,
        description="A sale made without a reference, by its place in the selling node's"
        " ledger: the `seq` its /sell answered (`stock sell` prints it as node#seq).",
    )
    kind: OriginKind = Field(default=OriginKind.SALE, description="`sale` or `order`.")
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=100)]
    reason: Reason
    near: NearIn | None = Field(default=None, description="The customer: nearest return point.")
    note: Reference = ""


class CheckInIn(Request):
    scan: Annotated[str, Field(strict=True, min_length=1, max_length=500)] = Field(
        description="What the scanner read: a GTIN or the SKU."
    )
    quantity: Quantity = 1


class DispositionIn(Request):
    sku: SkuText
    condition: Condition
    disposition: Disposition | None = Field(default=None, description="Override the rule.")
    quantity: Quantity | None = Field(default=None, description="Default: every unit in.")


class ReturnLineOut(BaseModel):
    sku: str
    quantity: int
    received: int


class DecisionOut(BaseModel):
    sku: str
    quantity: int
    disposition: str
    condition: str
    movement: int | None = Field(description="The restock's place in the point's ledger.")
    at: datetime
    actor: str


class ReturnOut(BaseModel):
    id: str
    state: str
    kind: str
    reference: str
    sale: int | None = Field(description="The sale's place in the seller's ledger, if named so.")
    sold_at: str
    return_point: str
    reason: str
    opened_at: datetime
    lines: list[ReturnLineOut]
    decisions: list[DecisionOut]
    note: str


class AlertOut(BaseModel):
    dimension: str = Field(description="`sku` or `package`.")
    key: str
    sold: int
    returned: int
    rate: float
    threshold: float
    evidence: list[str] = Field(description="The returns that raised it.")


def _decision(d: Decision) -> DecisionOut:
    return DecisionOut(
        sku=d.sku,
        quantity=d.quantity,
        disposition=d.disposition.value,
        condition=d.condition.value,
        movement=d.movement,
        at=d.at,
        actor=d.actor,
    )


def return_out(ret: Return) -> ReturnOut:
    return ReturnOut(
        id=ret.id,
        state=ret.state.value,
        kind=ret.origin.kind.value,
        reference=ret.origin.reference,
        sale=ret.origin.sale,
        sold_at=ret.origin.node,
        return_point=ret.return_point,
        reason=ret.reason.value,
        opened_at=ret.opened_at,
        lines=[
            ReturnLineOut(sku=x.sku, quantity=x.quantity, received=x.received) for x in ret.lines
        ],
        decisions=[_decision(d) for d in ret.decisions],
        note=ret.note,
    )


def _nodes(hub: Hub) -> returns_service.Nodes:
    return hub.workspace.governance(hub.nodes(), reports=False).sources.nodes


def _at_point(hub: Hub, token: TokenDep, return_id: str) -> Return:
    """The return, once the caller may handle returns at its return point."""
    point, ret = returns_service.find_return(_nodes(hub), return_id)
    require(token.grant, Action.HANDLE_RETURNS, point)
    return ret


@api.post(
    "/returns",
    response_model=ReturnOut,
    status_code=status.HTTP_201_CREATED,
    summary="Open a return against a sale or an order; it goes to the nearest return point",
)
def open_return(body: ReturnIn, hub: HubDep, token: TokenDep) -> ReturnOut:
    require(token.grant, Action.OPEN_RETURN, body.sold_at)
    near = None if body.near is None else Location(body.near.lat, body.near.lon)
    ret = returns_service.open_return(
        hub.hub,
        _nodes(hub),
        Origin(body.kind, body.reference, body.sold_at, body.sale),
        sorted(lines_of(body.lines).items()),
        body.reason,
        hub.now(),
        near,
        body.note,
    )
    return return_out(ret)


@api.get("/returns", response_model=list[ReturnOut], summary="Returns, oldest first")
def list_returns(
    hub: HubDep,
    token: TokenDep,
    node: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9\-]{0,31}$", description="At this point.")
    ] = None,
) -> list[ReturnOut]:
    require(token.grant, Action.HANDLE_RETURNS, node)
    if node is not None:
        require_nodes(hub.hub, node)
    found = returns_service.all_returns(_nodes(hub))
    return [return_out(r) for r in found if node is None or r.return_point == node]


@api.get("/returns/alerts", response_model=list[AlertOut], summary="Return rates over a threshold")
def return_alerts(
    hub: HubDep,
    token: TokenDep,
    weeks: Annotated[int, Query(ge=1, le=104)] = 8,
    threshold: Annotated[float, Query(ge=0, le=1)] = 0.1,
) -> list[AlertOut]:
    require(token.grant, Action.GOVERN)
    sources = hub.workspace.governance(hub.nodes(), reports=False).sources
    end = hub.now()
    found = returns_service.alerts(
        sources.nodes, sources.packaging, end - timedelta(weeks=weeks), end, threshold
    )
    return [
        AlertOut(
            dimension=a.dimension,
            key=a.key,
            sold=a.sold,
            returned=a.returned,
            rate=a.rate,
            threshold=a.threshold,
            evidence=list(a.evidence),
        )
        for a in found
    ]


@api.get("/returns/{return_id}", response_model=ReturnOut, summary="One return")
def show_return(return_id: ReturnId, hub: HubDep, token: TokenDep) -> ReturnOut:
    return return_out(_at_point(hub, token, return_id))


@api.post(
    "/returns/{return_id}/check-in",
    response_model=ReturnOut,
    summary="Goods arrive at the return point, scanned",
)
def check_in(return_id: ReturnId, body: CheckInIn, hub: HubDep, token: TokenDep) -> ReturnOut:
    _at_point(hub, token, return_id)
    nodes = _nodes(hub)
    returns_service.check_in(hub.hub, nodes, return_id, body.scan, body.quantity)
    return return_out(returns_service.find_return(nodes, return_id)[1])


@api.post(
    "/returns/{return_id}/disposition",
    response_model=ReturnOut,
    summary="Restock, refurbish or write off checked-in units (by rule unless overridden)",
)
def disposition(
    return_id: ReturnId, body: DispositionIn, hub: HubDep, token: TokenDep
) -> ReturnOut:
    _at_point(hub, token, return_id)
    nodes = _nodes(hub)
    returns_service.disposition(
        nodes, return_id, body.sku, body.condition, hub.now(), body.quantity,
        body.disposition, token.actor,
    )  # fmt: skip
    return return_out(returns_service.find_return(nodes, return_id)[1])
