"""Each HTTP request's hold on the hub's storage, given back when its response is sent: on a
PostgreSQL hub, the one connection of the process's pool its work ran on (every worker thread
the request's work runs in sees the scope through its context), so connections go back to the
pool per request, not when uvicorn's worker threads end."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from starlette.types import ASGIApp, Receive, Scope, Send


class RequestScope:
    def __init__(self, app: ASGIApp, scope_for: Callable[[], AbstractContextManager[None]]):
        self.app = app
        self.scope_for = scope_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with self.scope_for():
            await self.app(scope, receive, send)
