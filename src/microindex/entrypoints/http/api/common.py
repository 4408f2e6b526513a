"""What the API routers share: the error responses every endpoint documents, and renderers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter

from microindex.domain.ledger import CountResult
from microindex.entrypoints.http.schemas import (
    CountedLineIn,
    CountOut,
    ErrorBody,
    LineIn,
    LineOut,
    MovementOut,
)
from microindex.service.records import movement_record

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "A body that cannot be read at all (e.g. not UTF-8 JSON)."),
        (401, "No token, or an unknown, expired or revoked one."),
        (403, "The token's role may not do this (for this node); a pickup code that fits none."),
        (404, "No such node, product, token, order, transfer, pop-up or shelf slot."),
        (409, "Refused: not enough stock or rights, a conflict, a step out of order."),
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


def lines_of(lines: Sequence[LineIn | CountedLineIn]) -> dict[str, int]:
    """A request's lines as SKU -> units, a SKU given twice summed (as the CLI's `--line`)."""
    found: dict[str, int] = {}
    for line in lines:
        found[line.sku] = found.get(line.sku, 0) + line.quantity
    return found


def lines_out(lines: Mapping[str, int]) -> list[LineOut]:
    return [LineOut(sku=sku, quantity=quantity) for sku, quantity in sorted(lines.items())]
