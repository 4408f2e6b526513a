"""Transfers between nodes: request, pack, ship, receive (a difference is a discrepancy),
cancel, list.

Staff act for their own end: either end may request, the sender packs, ships (a
transfer-out at the sender, from its stock rights) or cancels one not yet shipped, the
receiver records what arrived (a transfer-in). Staff read the transfers to or from their
node; channels and admins read all.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Path, Query, status
from pydantic import BaseModel, Field

from microindex.domain.access import AccessDenied, AccessToken, Action, may, require
from microindex.domain.transfer import IDENT_PATTERN, Transfer, TransferState
from microindex.entrypoints.http.api.common import lines_of, lines_out, router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import (
    NODE_PATTERN,
    CountedLineIn,
    LineIn,
    LineOut,
    NodeText,
    Request,
)
from microindex.service import popups, transfers
from microindex.service.known import require_nodes
from microindex.service.stock import require_stockable

api = router("transfers")

TRANSFER_PATTERN = IDENT_PATTERN
TransferId = Annotated[str, Path(pattern=TRANSFER_PATTERN, description="Transfer id.")]
Lines = Annotated[list[LineIn], Field(min_length=1, max_length=100)]


class TransferRequestIn(Request):
    sender: NodeText
    receiver: NodeText
    lines: Lines
    id: Annotated[
        str | None,
        Field(strict=True, pattern=TRANSFER_PATTERN, description="Default: a new `t-...` id."),
    ] = None


class ShipIn(Request):
    lines: Lines | None = Field(default=None, description="What was sent, if not all requested.")


class ReceiveIn(Request):
    arrived: Annotated[
        list[CountedLineIn] | None,
        Field(
            max_length=100,
            description="What arrived. Omitted: all that shipped; `[]`: nothing (lost).",
        ),
    ] = None


class ShortfallOut(BaseModel):
    sku: str
    shipped: int
    arrived: int
    missing: int = Field(description="> 0 lost in transit, < 0 more arrived than shipped.")


class TransferEventOut(BaseModel):
    state: str
    at: datetime
    actor: str


class NodeTransferOut(BaseModel):
    id: str
    sender: str
    receiver: str
    state: TransferState
    order: str | None = Field(description="The order whose pickup it serves, if any.")
    requested: list[LineOut]
    shipped: list[LineOut]
    arrived: list[LineOut]
    shortfalls: list[ShortfallOut]
    events: list[TransferEventOut]


def transfer_out(transfer: Transfer) -> NodeTransferOut:
    return NodeTransferOut(
        id=transfer.ident,
        sender=transfer.sender,
        receiver=transfer.receiver,
        state=transfer.state,
        order=transfer.order,
        requested=lines_out(transfer.requested),
        shipped=lines_out(transfer.shipped),
        arrived=lines_out(transfer.arrived),
        shortfalls=[
            ShortfallOut(sku=s.sku, shipped=s.shipped, arrived=s.arrived, missing=s.missing)
            for s in transfer.shortfalls()
        ],
        events=[
            TransferEventOut(state=e.state.value, at=e.at, actor=e.actor) for e in transfer.events
        ],
    )


def _require_an_end(token: AccessToken, action: Action, sender: str, receiver: str) -> None:
    """Staff may act when their node is either end of the transfer."""
    if not any(may(token.grant, action, node) for node in (sender, receiver)):
        raise AccessDenied(token.grant.role.value, action.value, token.grant.node)


@api.post(
    "/transfers",
    response_model=NodeTransferOut,
    status_code=status.HTTP_201_CREATED,
    summary="Ask a node to send stock to another",
)
def request_transfer(body: TransferRequestIn, hub: HubDep, token: TokenDep) -> NodeTransferOut:
    _require_an_end(token, Action.WRITE_STOCK, body.sender, body.receiver)
    lines = lines_of(body.lines)
    require_nodes(hub.hub, body.sender, body.receiver)  # as every edge refuses them
    require_stockable(hub.hub, lines, "transfer")  # as the CLI refuses them
    popups.refuse_closed(
        hub.workspace.rounds(),
        body.receiver,
        hub.now(),
        hub.workspace.settings.zone,
        popups.TAKE_IN,
    )
    ident = body.id or f"t-{uuid.uuid4().hex[:10]}"
    made = transfers.request(
        hub.workspace.node_ops(), ident, body.sender, body.receiver, lines, hub.now()
    )
    return transfer_out(made)


@api.get("/transfers", response_model=list[NodeTransferOut], summary="Transfers, oldest first")
def list_transfers(
    hub: HubDep,
    token: TokenDep,
    node: Annotated[
        str | None, Query(pattern=NODE_PATTERN, description="Only transfers to or from here.")
    ] = None,
    state: Annotated[TransferState | None, Query(description="Only in this state.")] = None,
) -> list[NodeTransferOut]:
    require(token.grant, Action.READ_STOCK, node)
    if node is not None:  # a mistyped node is refused, not answered with no transfers
        require_nodes(hub.hub, node)
    found = transfers.listed(hub.workspace.node_ops(), state)
    return [transfer_out(t) for t in found if node is None or node in (t.sender, t.receiver)]


@api.get("/transfers/{transfer:path}", response_model=NodeTransferOut, summary="One transfer")
def show_transfer(transfer: TransferId, hub: HubDep, token: TokenDep) -> NodeTransferOut:
    found = transfers.get(hub.workspace.node_ops(), transfer)
    _require_an_end(token, Action.READ_STOCK, found.sender, found.receiver)
    return transfer_out(found)


@api.post(
    "/transfers/{transfer:path}/pack",
    response_model=NodeTransferOut,
    summary="The sender has packed it",
)
def pack_transfer(transfer: TransferId, hub: HubDep, token: TokenDep) -> NodeTransferOut:
    ops = hub.workspace.node_ops()
    require(token.grant, Action.WRITE_STOCK, transfers.get(ops, transfer).sender)
    return transfer_out(transfers.pack(ops, transfer, hub.now(), token.actor))


@api.post(
    "/transfers/{transfer:path}/ship",
    response_model=NodeTransferOut,
    summary="The sender ships: a transfer-out at the sender; the goods are in transit",
)
def ship_transfer(
    transfer: TransferId, hub: HubDep, token: TokenDep, body: ShipIn | None = None
) -> NodeTransferOut:
    ops = hub.workspace.node_ops()
    sender = transfers.get(ops, transfer).sender
    require(token.grant, Action.WRITE_STOCK, sender)
    sent = lines_of(body.lines) if body is not None and body.lines else None
    shipped = transfers.ship(
        ops,
        hub.node_for_writing(sender),  # elsewhere: queued for its next sync
        transfer,
        hub.now(),
        token.actor,
        sent,
        hub.workspace.ask_hub(sender),
        hub=hub.workspace.hub,
    )
    return transfer_out(shipped)


@api.post(
    "/transfers/{transfer:path}/cancel",
    response_model=NodeTransferOut,
    summary="The sender calls off a transfer not yet shipped; an order's only once it ended",
)
def cancel_transfer(transfer: TransferId, hub: HubDep, token: TokenDep) -> NodeTransferOut:
    ops = hub.workspace.node_ops()
    require(token.grant, Action.WRITE_STOCK, transfers.get(ops, transfer).sender)
    cancelled = transfers.cancel(ops, transfer, hub.now(), token.actor, hub.workspace.hub)
    return transfer_out(cancelled)


@api.post(
    "/transfers/{transfer:path}/receive",
    response_model=NodeTransferOut,
    summary="The receiver records what arrived (a transfer-in); a difference is a discrepancy",
)
def receive_transfer(
    transfer: TransferId, hub: HubDep, token: TokenDep, body: ReceiveIn | None = None
) -> NodeTransferOut:
    ops = hub.workspace.node_ops()
    found = transfers.get(ops, transfer)
    require(token.grant, Action.WRITE_STOCK, found.receiver)
    arrived = found.shipped if body is None or body.arrived is None else lines_of(body.arrived)
    receiver = hub.node_for_writing(found.receiver)  # elsewhere: queued for its next sync
    done = transfers.receive(
        ops, receiver, transfer, arrived, hub.now(), token.actor, hub.workspace.hub
    )
    return transfer_out(done)
