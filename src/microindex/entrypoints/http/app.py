"""The hub's web application: the JSON API (/api/v1), the dashboard (/), the staff page and
the shopper's pages at the Digital Link paths of QR codes (/01/..., /414/...)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from microindex.adapters.sync.http import PUSH_PATH
from microindex.bootstrap import Workspace
from microindex.entrypoints.access import access_stores
from microindex.entrypoints.http import channel_pages, errors, pages, scan_pages, staff
from microindex.entrypoints.http.api import (
    accounts,
    catalog,
    feeds,
    governance,
    holds,
    kits,
    ledger,
    lockers,
    nodes,
    packaging,
    popups,
    purchasing,
    returns,
    rounds,
    search,
    stock,
    transfers,
    voice,
    webhooks,
)
from microindex.entrypoints.http.api import orders as order_api
from microindex.entrypoints.http.api import tokens as token_api
from microindex.entrypoints.http.context import Hub
from microindex.entrypoints.http.limits import BodyLimit
from microindex.entrypoints.http.scope import RequestScope
from microindex.entrypoints.http.sync import sync_router
from microindex.entrypoints.http.timers import TimerThread
from microindex.service.access import TokenStore
from microindex.service.timers import TICK_S

BODY_LIMIT = 64 * 1024  # JSON requests are small
IMPORT_LIMIT = 16 * 1024 * 1024  # CSV files of a few thousand products fit easily
STATIC = Path(__file__).parent / "static"
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def body_limit(path: str) -> int:
    return IMPORT_LIMIT if path.endswith("/import") or path == PUSH_PATH else BODY_LIMIT


def _running_timers(workspace: Workspace, tick_s: float) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.timers = TimerThread(workspace, tick_s)
        app.state.timers.start()
        search.warm(app.state.hub, None)  # the hub's index builds while the app serves
        try:
            yield
        finally:
            app.state.timers.stop()

    return lifespan


def create_app(
    workspace: Workspace,
    tokens: TokenStore | None = None,
    timers: bool = False,
    tick_s: float = TICK_S,
) -> FastAPI:
    """The application over `workspace`; tokens, sessions, login links and rate limits live
    in its hub (tokens elsewhere when a store is given).
    With `timers` (as `serve` runs it), the hub's timer thread runs while the app does,
    looking for due runs every `tick_s`."""
    app = FastAPI(
        lifespan=_running_timers(workspace, tick_s) if timers else None,
        title="microindex hub",
        version="1",
        summary="Per-node stock ledgers, the catalog and the node registry of a small seller.",
        description=(
            "Every `/api/v1` request carries `Authorization: Bearer <token>`. Roles: admin "
            "(everything), staff (one node's stock, ledger, orders, lockers and transfers; "
            "catalog and nodes read), channel (catalog, nodes and stock read; orders and shelf "
            "holds placed, read and cancelled). Errors are "
            '`{"error": {"code", "message", "data"}}`.'
        ),
    )
    stores = access_stores(workspace)
    app.state.hub = Hub(workspace, tokens or stores.tokens, stores.links, stores.limits)
    app.state.hold_limit = scan_pages.HOLD_LIMIT  # shoppers' holds per client
    errors.install(app)
    app.add_middleware(BodyLimit, limit_for=body_limit)
    app.add_middleware(RequestScope, scope_for=workspace.request_scope)
    for router in (
        nodes.api,
        catalog.api,
        stock.api,
        ledger.api,
        search.api,
        token_api.api,
        order_api.api,
        lockers.api,
        transfers.api,
        rounds.api,
        popups.api,
        holds.api,
        voice.api,
        webhooks.api,
        packaging.api,
        returns.api,
        governance.api,
        feeds.api,
        kits.api,
        purchasing.api,
        accounts.api,
    ):
        app.include_router(router)
    app.include_router(sync_router(workspace.hub_endpoint()))
    app.include_router(staff.api)  # the staff page's own paths
    app.include_router(pages.router)
    app.include_router(channel_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
