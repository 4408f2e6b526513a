"""Stock at nodes: show, and the movements a node records (receive, sell, write off, count,
transfer, a stock file). Every write is for one node: staff tokens only for their own."""

from __future__ import annotations

import io
import uuid
from typing import Annotated

from fastapi import Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from microindex.adapters.csvio import parse_stock, write_stock
from microindex.domain.access import Action, require
from microindex.domain.movement import Movement
from microindex.domain.sync.account import RequestKind, RunsElsewhere
from microindex.entrypoints.http.api.catalog import CSV, CSV_BODY
from microindex.entrypoints.http.api.common import count_out, router
from microindex.entrypoints.http.api.orders import KEY_PATTERN
from microindex.entrypoints.http.api.transfers import NodeTransferOut, transfer_out
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.schemas import (
    NODE_PATTERN,
    SKU_PATTERN,
    CountIn,
    CountOut,
    MovementIn,
    MovementOut,
    QueuedOut,
    RowErrorOut,
    SaleIn,
    SaleKey,
    StockImportOut,
    StockLineOut,
    StockTransferIn,
    override_of,
)
from microindex.service import popups, remote_nodes, rights, transfers
from microindex.service import stock as stock_service
from microindex.service.catalog import products_by_sku
from microindex.service.known import products_named, require_skus
from microindex.service.records import movement_record

api = router("stock")
NodePath = Annotated[str, Path(pattern=NODE_PATTERN, description="Node code.")]
KeyHeader = Annotated[
    str | None,
    Header(
        pattern=KEY_PATTERN,
        description="For a node whose agent keeps its ledger elsewhere: a retry with the same"
        " key queues nothing more, and the node records it once.",
    ),
]
QUEUED: dict[int | str, dict[str, object]] = {
    202: {
        "model": QueuedOut,
        "description": "The node's agent keeps its ledger elsewhere: queued for its next sync.",
    }
}


def _out(movement: Movement) -> MovementOut:
    return MovementOut(**movement_record(movement))


def _elsewhere(hub: Hub, node: str) -> bool:
    """The node's agent keeps its ledger on its own machine: the hub never writes it."""
    return remote_nodes.runs_elsewhere(hub.workspace.hub, hub.node(node), node)


def _here(hub: Hub, node: str, act: str) -> None:
    if _elsewhere(hub, node):
        raise RunsElsewhere(node, act)


def _queued(queued: remote_nodes.Queued) -> JSONResponse:
    asked = queued.request
    body = QueuedOut(
        node=queued.node,
        kind=asked.kind.value,
        sku=asked.sku,
        quantity=asked.quantity,
        position=asked.position if asked.kind is RequestKind.COUNT else None,
        reference=asked.reference,
        request=asked.seq,
        key=asked.key,
        message=queued.message,
    )
    return JSONResponse(body.model_dump(), status_code=202)


def _ask(
    hub: Hub,
    node: str,
    kind: RequestKind,
    key: str | None,
    body: MovementIn | CountIn,
    actor: str,
) -> JSONResponse:
    """Queue the stock act for the node's next sync (under the Idempotency-Key, if sent)."""
    quantity, position = (
        (body.counted, body.position) if isinstance(body, CountIn) else (body.quantity, None)
    )
    ident = key or uuid.uuid4().hex
    asked = (body.sku, quantity, ident, body.reference, actor, position, hub.now())
    return _queued(remote_nodes.ask(hub.workspace.hub, node, kind, *asked))


@api.get(
    "/stock",
    response_model=list[StockLineOut],
    summary="On hand by SKU and node (SKU, then node order); X-Total-Count gives all lines",
)
def show_stock(
    hub: HubDep,
    token: TokenDep,
    response: Response,
    node: Annotated[str | None, Query(pattern=NODE_PATTERN, description="Only this node.")] = None,
    sku: Annotated[str | None, Query(pattern=SKU_PATTERN, description="Only this SKU.")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int | None, Query(ge=1, le=100_000, description="Default: all.")] = None,
) -> list[StockLineOut]:
    require(token.grant, Action.READ_STOCK, node)
    databases = hub.ledgers() if node is None else {node: hub.ledger(node)}
    lines = stock_service.stock_lines(databases, sku)
    if sku is not None and not lines:  # no line of it: a mistyped SKU is refused, not blank
        require_skus(hub.hub, [sku])
    response.headers["X-Total-Count"] = str(len(lines))
    lines = lines[offset : None if limit is None else offset + limit]
    skus = sorted({line.sku for line in lines})
    titles = products_by_sku(hub.hub, skus)
    online = rights.held_online(hub.workspace.hub, skus)
    return [
        StockLineOut(
            sku=line.sku,
            title=titles[line.sku].title if line.sku in titles else "",
            node=line.node,
            on_hand=line.on_hand,
            online=max(0, online.get(line.sku, {}).get(line.node, 0)),
        )
        for line in lines
    ]


@api.post(
    "/nodes/{node}/receive",
    response_model=MovementOut,
    responses=QUEUED,
    summary="Goods arrive at a node (202: queued for a node whose agent runs elsewhere)",
)
def receive(
    node: NodePath,
    body: MovementIn,
    hub: HubDep,
    token: TokenDep,
    idempotency_key: KeyHeader = None,
) -> MovementOut | JSONResponse:
    require(token.grant, Action.WRITE_STOCK, node)
    popups.refuse_closed(
        hub.workspace.rounds(), node, hub.now(), hub.workspace.settings.zone, popups.RECEIVE
    )
    if _elsewhere(hub, node):
        return _ask(hub, node, RequestKind.RECEIVE, idempotency_key, body, token.actor)
    db = hub.node_for_writing(node)
    return _out(
        stock_service.receive(
            db, node, body.sku, body.quantity, hub.now(), body.reference, token.actor
        )
    )


@api.post(
    "/nodes/{node}/sell",
    response_model=MovementOut,
    summary="A walk-in sale at a node (409 promised_online beyond its rights, unless overridden;"
    " a retry under the same Idempotency-Key records nothing more)",
)
def sell(
    node: NodePath,
    body: SaleIn,
    hub: HubDep,
    token: TokenDep,
    idempotency_key: SaleKey = None,
) -> MovementOut:
    require(token.grant, Action.WRITE_STOCK, node)
    _here(hub, node, "sell")
    popups.refuse_closed(
        hub.workspace.rounds(), node, hub.now(), hub.workspace.settings.zone, popups.SELL
    )
    db = hub.node_for_writing(node)
    ask = hub.workspace.ask_hub(node)
    override = override_of(body, token.actor)
    asked = (body.sku, body.quantity, hub.now(), body.reference, ask, token.actor, override)
    with products_named(hub.hub):  # a typo is no product, not a shortfall: as the CLI says it
        made = rights.sell_walk_in(db, node, *asked, idempotency_key)
    return _out(made)


@api.post(
    "/nodes/{node}/write-off",
    response_model=MovementOut,
    responses=QUEUED,
    summary="Broken or lost goods (202: queued for a node whose agent runs elsewhere)",
)
def write_off(
    node: NodePath,
    body: MovementIn,
    hub: HubDep,
    token: TokenDep,
    idempotency_key: KeyHeader = None,
) -> MovementOut | JSONResponse:
    require(token.grant, Action.WRITE_STOCK, node)
    if _elsewhere(hub, node):
        return _ask(hub, node, RequestKind.WRITE_OFF, idempotency_key, body, token.actor)
    db = hub.node_for_writing(node)
    return _out(
        stock_service.write_off(
            db, node, body.sku, body.quantity, hub.now(), body.reference, token.actor
        )
    )


@api.post(
    "/nodes/{node}/count",
    response_model=CountOut,
    responses=QUEUED,
    summary="Record a stock count (202: queued for a node whose agent runs elsewhere)",
)
def count(
    node: NodePath,
    body: CountIn,
    hub: HubDep,
    token: TokenDep,
    idempotency_key: KeyHeader = None,
) -> CountOut | JSONResponse:
    require(token.grant, Action.WRITE_STOCK, node)
    if _elsewhere(hub, node):
        return _ask(hub, node, RequestKind.COUNT, idempotency_key, body, token.actor)
    db = hub.node_for_writing(node)
    result = stock_service.count(
        db, node, body.sku, body.counted, hub.now(), body.position, body.reference, token.actor
    )
    return count_out(result)


@api.post(
    "/nodes/{node}/transfers",
    response_model=NodeTransferOut,
    summary="Send stock from this node to another at once: a transfer order requested, shipped"
    " (only what this node may release; 409 not_enough_rights) and received",
)
def transfer(
    node: NodePath, body: StockTransferIn, hub: HubDep, token: TokenDep
) -> NodeTransferOut:
    require(token.grant, Action.WRITE_STOCK, node)
    for end in (node, body.to):
        _here(hub, end, "send or receive stock")
    popups.refuse_closed(
        hub.workspace.rounds(), body.to, hub.now(), hub.workspace.settings.zone, popups.TAKE_IN
    )
    # a typo is no product, not a shortfall; a kit moves as its parts: as the CLI says
    stock_service.require_stockable(hub.hub, [body.sku], "transfer")
    done = transfers.move_now(
        hub.workspace.node_ops(),
        hub.node_for_writing(node),
        hub.node_for_writing(body.to),
        f"t-{uuid.uuid4().hex[:10]}",
        node,
        body.to,
        {body.sku: body.quantity},
        hub.now(),
        token.actor,
        body.reference,
        hub.workspace.ask_hub(node),
    )
    return transfer_out(done)


@api.post(
    "/nodes/{node}/stock/import",
    response_model=StockImportOut,
    summary="Make on-hand equal to a CSV body of sku,quantity (all rows, or none)",
    openapi_extra=CSV_BODY,
)
async def import_stock(
    node: NodePath, request: Request, hub: HubDep, token: TokenDep, skip_bad_rows: bool = False
) -> StockImportOut:
    require(token.grant, Action.WRITE_STOCK, node)
    body = await request.body()
    return await run_in_threadpool(_import, hub, node, body, skip_bad_rows, token.actor)


def _import(hub: Hub, node: str, body: bytes, skip_bad_rows: bool, actor: str) -> StockImportOut:
    _here(hub, node, "import a stock file")
    db = hub.node_for_writing(node)
    parsed = parse_stock(io.BytesIO(body))
    made = stock_service.import_stock(
        db, node, parsed, hub.now(), "import:api", skip_bad_rows, actor
    )
    return StockImportOut(
        movements=[_out(m) for m in made],
        skipped=[RowErrorOut.model_validate(e, from_attributes=True) for e in parsed.errors],
    )


@api.get(
    "/nodes/{node}/stock/export",
    summary="A node's on-hand as CSV (sku,quantity)",
    response_class=Response,
    responses={200: {"content": {CSV: {"schema": {"type": "string"}}}}},
)
def export_stock(node: NodePath, hub: HubDep, token: TokenDep) -> Response:
    require(token.grant, Action.READ_STOCK, node)
    lines = stock_service.stock_lines({node: hub.ledger(node)})
    stream = io.BytesIO()
    write_stock((stock_service.StockRow(line.sku, line.on_hand) for line in lines), stream)
    return Response(stream.getvalue(), media_type=f"{CSV}; charset=utf-8")
