"""A node's ledger, read: its head, and its movements after a position (for polling).

The movements response carries an ETag made of the node, the page asked for and the ledger's
head: the ledger is append-only, so while the head stays the same so does the page. A poller
sends it back as If-None-Match and gets 304 Not Modified, with no body, until something moves.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header, Path, Query, Response

from microindex.domain.access import Action, require
from microindex.entrypoints.http.api.common import router
from microindex.entrypoints.http.auth import HubDep, TokenDep
from microindex.entrypoints.http.schemas import NODE_PATTERN, HeadOut, MovementOut, MovementPageOut
from microindex.service import stock as stock_service
from microindex.service.records import movement_record

api = router("ledger")
NodePath = Annotated[str, Path(pattern=NODE_PATTERN, description="Node code.")]


@api.get("/nodes/{node}/head", response_model=HeadOut, summary="The ledger's head position")
def head(node: NodePath, hub: HubDep, token: TokenDep) -> HeadOut:
    require(token.grant, Action.READ_LEDGER, node)
    return HeadOut(node=node, head=stock_service.ledger_head(hub.ledger(node), node))


@api.get(
    "/nodes/{node}/movements",
    response_model=MovementPageOut,
    summary="Movements after a position, oldest first (poll with If-None-Match)",
    responses={304: {"description": "Nothing new since the ETag sent in If-None-Match."}},
)
def movements(
    node: NodePath,
    hub: HubDep,
    token: TokenDep,
    response: Response,
    after: Annotated[int, Query(ge=0, le=2**53, description="Last position seen.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> MovementPageOut | Response:
    require(token.grant, Action.READ_LEDGER, node)
    database = hub.ledger(node)
    with database() as uow:
        top = uow.ledger.load(node, []).head
        found = uow.ledger.movements(node, after, limit)
    etag = _etag(node, after, limit, top)
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return MovementPageOut(
        node=node,
        head=top,
        items=[MovementOut(**movement_record(m)) for m in found],
        next_after=found[-1].seq if found else after,
    )


def _etag(node: str, after: int, limit: int, head: int) -> str:
    digest = hashlib.blake2b(f"{node}\x1f{after}\x1f{limit}\x1f{head}".encode(), digest_size=8)
    return f'"{digest.hexdigest()}"'
