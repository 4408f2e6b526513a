"""HTTP transport: the same frames as the in-process transport, POSTed to the hub.

    POST {hub}/sync/v1/push   body: a push frame   ->  200 with a reply frame,
                                                       403 with the refusal reason as text

The client is injectable: an `httpx.Client` (one with `httpx.MockTransport` in tests), or
FastAPI's `TestClient` (an `httpx2.Client`); the transport needs only `post` and `close`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

import httpx

from microindex.adapters.sync.codec import decode_reply, encode_push
from microindex.adapters.sync.transport import WireStats
from microindex.domain.sync.messages import AgentReport, Push, PushRefused, Refusal, Reply
from microindex.service.sync_ports import HubUnreachable

PUSH_PATH = "/sync/v1/push"
FRAME_TYPE = "application/x-microindex-sync"


class _Answer(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...


class PostClient(Protocol):
    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> _Answer: ...
    def close(self) -> None: ...


class HttpTransport:
    def __init__(
        self,
        hub_url: str,
        node: str,
        secret: bytes,
        client: PostClient | None = None,
        timeout_s: float = 30.0,
        report: Callable[[], AgentReport] | None = None,
    ) -> None:
        """`report`: what an agent on its own machine says of itself with each push
        (`agent_report.reporter`), None to say nothing."""
        self._url = hub_url.rstrip("/") + PUSH_PATH
        self._node, self._secret = node, secret
        self._client: PostClient = client or httpx.Client(timeout=timeout_s)
        self.stats = WireStats()
        self._report = report

    def exchange(self, push: Push) -> Reply:
        if self._report is not None:
            push = replace(push, agent=self._report())
        frame = encode_push(push, self._secret)
        try:
            answer = self._client.post(
                self._url, content=frame, headers={"content-type": FRAME_TYPE}
            )
        except httpx.HTTPError as error:
            raise HubUnreachable(str(error)) from error
        if answer.status_code == 403:
            reason = _refusal(answer.text)  # the hub's text: the reason, then its detail
            raise PushRefused(self._node, reason, answer.text.removeprefix(reason.value).strip())
        if answer.status_code != 200:
            raise HubUnreachable(f"hub answered {answer.status_code}")
        self.stats.pushes += 1
        self.stats.movements += len(push.movements)
        self.stats.push_bytes += len(frame)
        self.stats.reply_bytes += len(answer.content)
        return decode_reply(answer.content, self._secret_of)

    def _secret_of(self, node: str) -> bytes | None:
        return self._secret if node == self._node else None

    def close(self) -> None:
        self._client.close()


def _refusal(text: str) -> Refusal:
    head = text.split(" ", 1)[0]
    return Refusal(head) if head in {r.value for r in Refusal} else Refusal.BAD_CREDENTIAL
