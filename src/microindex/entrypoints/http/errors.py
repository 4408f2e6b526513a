"""The API's one table from domain errors to HTTP statuses, and the one error body.

Every error leaves as `{"error": {"code": ..., "message": ..., "data": {...}}}`: the domain
error's own code, its text, and the data it carries. A subclass not in the table takes the
status of its nearest listed base class.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from microindex.domain.access import AccessDenied, Unauthenticated, UnknownToken
from microindex.domain.errors import (
    CountPositionAhead,
    DomainError,
    DuplicateNode,
    InvalidValue,
    MovementConflict,
    NoWorkspace,
    OutOfStock,
    SequenceGap,
    UnknownNode,
    UnknownSku,
    WrongNode,
)
from microindex.domain.kits import HeldOfItsOwn, KitHoldsNoStock, UnknownKit
from microindex.domain.locker import (
    NoCompartmentFits,
    PickupRefused,
    TooManyWrongCodes,
    WrongPickupCode,
)
from microindex.domain.packaging import MissingPackingData, NoPackageFits, UnknownPackage
from microindex.domain.promise.holds import NodeClosed, NoPickupHere, NotReservable
from microindex.domain.promise.lifecycle import StepRefused
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.purchasing import (
    OverReceipt,
    PurchaseOrderExists,
    PurchaseOrderRefused,
    ReceiptKeyReused,
    UnknownPurchaseOrder,
)
from microindex.domain.returns import (
    NoReturnPoint,
    NoSuchSale,
    ReturnExceedsSale,
    ReturnRefused,
    UnknownReturn,
)
from microindex.domain.round import NoStopLeft, OutsideServiceArea
from microindex.domain.sale import SaleKeyReused
from microindex.domain.sync.account import NotEnoughRights, RunsElsewhere
from microindex.domain.sync.messages import PushRefused
from microindex.domain.sync.node import LedgerBehindHub
from microindex.domain.transfer import NotSetAside, OrderStillOpen, TransferRefused
from microindex.service.catalog import ImportRejected
from microindex.service.closeout import NothingCounted
from microindex.service.governance import UnknownJob
from microindex.service.indexing import IndexWarming
from microindex.service.popups import PopUpClosed, PopUpOver, UnknownPopUp
from microindex.service.promise import KeyReused, UnknownOrder
from microindex.service.purchasing import (
    PurchaseOrderChanged,
    ReceivedButNotBooked,
    UnknownReorderPoint,
)
from microindex.service.resolver import UnknownGtin
from microindex.service.shelf_holds import UnknownShelf
from microindex.service.transfers import TransferExists, UnknownTransfer
from microindex.service.webhooks import UnknownSubscription

STATUS: dict[type[DomainError], int] = {
    DomainError: 400,
    InvalidValue: 422,
    IndexWarming: 503,  # a first build runs in the background: ask again in a few seconds
    ImportRejected: 422,
    NothingCounted: 422,
    Unauthenticated: 401,
    AccessDenied: 403,
    UnknownSku: 404,
    UnknownGtin: 404,
    UnknownNode: 404,
    NoWorkspace: 503,  # the hub runs on a workspace: only a command line meets this
    UnknownToken: 404,
    DuplicateNode: 409,
    OutOfStock: 409,
    MovementConflict: 409,
    SequenceGap: 409,
    WrongNode: 409,
    CountPositionAhead: 409,
    UnknownOrder: 404,
    CannotPromise: 409,
    KeyReused: 409,
    SaleKeyReused: 409,
    StepRefused: 409,
    NotEnoughRights: 409,
    RunsElsewhere: 409,
    PushRefused: 409,  # the hub's own sync with a node refused (its state, not the request)
    LedgerBehindHub: 409,  # a node agent restored from an older backup: its sync refused
    WrongPickupCode: 403,
    TooManyWrongCodes: 429,
    PickupRefused: 409,
    NoCompartmentFits: 409,
    UnknownTransfer: 404,
    UnknownSubscription: 404,
    TransferExists: 409,
    TransferRefused: 409,
    NotSetAside: 409,
    OrderStillOpen: 409,
    UnknownPopUp: 404,
    PopUpOver: 409,
    PopUpClosed: 409,
    NoStopLeft: 409,
    OutsideServiceArea: 409,
    UnknownShelf: 404,
    NodeClosed: 409,
    NoPickupHere: 409,
    NotReservable: 409,
    UnknownPackage: 404,
    NoPackageFits: 409,
    MissingPackingData: 409,
    ReturnRefused: 409,
    UnknownReturn: 404,
    ReturnExceedsSale: 409,
    NoSuchSale: 404,
    NoReturnPoint: 409,
    UnknownJob: 404,
    UnknownKit: 404,
    KitHoldsNoStock: 422,  # never stock of its own: its parts are what move
    HeldOfItsOwn: 409,
    UnknownPurchaseOrder: 404,
    UnknownReorderPoint: 404,
    PurchaseOrderExists: 409,
    PurchaseOrderRefused: 409,
    PurchaseOrderChanged: 409,
    ReceivedButNotBooked: 409,
    OverReceipt: 409,
    ReceiptKeyReused: 409,
}

_HTTP_CODES = {
    400: "malformed_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}
MAX_LISTED = 100  # longer lists in error data are cut to their first MAX_LISTED items


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "data": jsonable(data or {})}}


def jsonable(value: Any) -> Any:
    """Error data as JSON: dataclasses as objects, enums by value, times in ISO 8601."""
    if isinstance(value, Enum):
        return jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in list(value)[:MAX_LISTED]]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = status_of(error)
    challenge = (
        'Bearer, Basic realm="feeds"' if request.url.path.startswith("/feeds/") else "Bearer"
    )
    headers = {"WWW-Authenticate": challenge} if status == 401 else None
    return JSONResponse(error_body(error.code, str(error), error.data()), status, headers)


def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"where": ".".join(str(part) for part in e.get("loc", ())), "problem": e.get("msg", "")}
        for e in error.errors()
    ]
    first = problems[0] if problems else {"where": "request", "problem": "invalid"}
    message = f"{first['where']}: {first['problem']}"
    return JSONResponse(
        error_body("invalid_request", message, {"problems": problems[:MAX_LISTED]}), 422
    )


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = _HTTP_CODES.get(error.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(error.detail)), error.status_code, getattr(error, "headers", None)
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
