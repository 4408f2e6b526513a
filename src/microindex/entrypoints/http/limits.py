"""Limits at the edge: a cap on request bodies, and a per-client rate for public forms.

A declared Content-Length over the cap is refused at once; a body without one (chunked) is
read up to the cap and refused as soon as it passes it. Either way the answer is 413 with the
API's error body, and nothing has been parsed or written.

`RateLimit` counts what each client did within a sliding window, in this process's memory:
several hub workers each keep their own count (a client may get a few more, never unlimited).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microindex.entrypoints.http.errors import error_body


class BodyLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > limit:
                await _refuse(send, limit)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        await self.app(scope, _replay(messages, receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        error_body("body_too_large", f"request body over the {limit}-byte limit", {"limit": limit})
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """At most `times` actions per client within any `per`; the longest-idle clients are
    forgotten first once `clients` are tracked."""

    def __init__(self, times: int, per: timedelta, clients: int = 10_000) -> None:
        self.times, self.per, self.clients = times, per, clients
        self._seen: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._guard = threading.Lock()

    def take(self, client: str, now: datetime) -> bool:
        """Count one action by `client` at `now`; False (and not counted) when over the limit."""
        with self._guard:
            seen = self._seen.pop(client, None) or deque()
            while seen and seen[0] <= now - self.per:
                seen.popleft()
            allowed = len(seen) < self.times
            if allowed:
                seen.append(now)
            self._seen[client] = seen
            while len(self._seen) > self.clients:
                self._seen.popitem(last=False)
            return allowed
