"""What the API routers share: the error responses every endpoint documents, and renderers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from microindex.domain.ledger import CountResult
from microindex.entrypoints.http.schemas import CountOut, ErrorBody, MovementOut
from microindex.service.records import movement_record

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "A body that cannot be read at all (e.g. not UTF-8 JSON)."),
        (401, "No token, or an unknown, expired or revoked one."),
        (403, "The token's role may not do this (for this node)."),
        (404, "No such node, product or token."),
        (409, "Refused by the ledger: not enough stock, a conflict."),
        (413, "Request body too large."),
        (422, "Invalid request: wrong type, unknown field, bad value."),
    )
}


def router(tag: str) -> APIRouter:
    return APIRouter(prefix="/api/v1", tags=[tag], responses=ERRORS)


def count_out(result: CountResult) -> CountOut:
    return CountOut(
        node=result.node,
        sku=result.sku,
        counted=result.counted,
        position=result.position,
        expected=result.expected,
        variance=result.variance,
        deficit=result.deficit,
        adjustment=(
            MovementOut(**movement_record(result.adjustment)) if result.adjustment else None
        ),
    )
