"""In-process transport: the node's frames go straight to a hub endpoint in the same process.

Used by tests, the simulator and the benchmark; it counts the bytes each way. An HTTP transport
would carry the same frames.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from microindex.adapters.sync.codec import (
    decode_push,
    decode_reply,
    encode_push,
    encode_reply,
    version_of,
)
from microindex.domain.sync.messages import Push, Reply
from microindex.service.collector import cyclic_gc_paused
from microindex.service.sync import SyncSettings, receive_push
from microindex.service.sync_ports import SyncUnitOfWorkFactory


class HubEndpoint:
    """The hub's side of the wire: verify the frame, apply the push, answer (bytes to bytes)."""

    def __init__(
        self,
        hub_db: SyncUnitOfWorkFactory,
        secrets: Mapping[str, bytes],
        clock: Callable[[], datetime],
        settings: SyncSettings | None = None,
        after: Callable[[str, datetime], object] | None = None,
    ) -> None:
        """`after(node, now)` runs once a node's push is applied (the hub answering the
        promises it uncovered: `service.repromise`), before the reply leaves."""
        self._hub, self._secrets, self._clock = hub_db, secrets, clock
        self._settings = settings or SyncSettings()
        self._after = after

    def handle(self, frame: bytes) -> bytes:
        """The reply is written in the push's format (an agent of format 7 reads only 7)."""
        with cyclic_gc_paused():  # a push's rows are thousands of tuples, none in a cycle
            node, now, reply = self._receive(frame)
        if self._after is not None:
            self._after(node, now)
        return encode_reply(reply, self._secrets[node], version_of(frame))

    def _receive(self, frame: bytes) -> tuple[str, datetime, Reply]:
        """Decode and apply the push: its rows are freed as this returns, before the collector
        is back on (else its first collection would scan them all once more)."""
        push = decode_push(frame, self._secrets.get)
        now = self._clock()
        return push.node, now, receive_push(self._hub, push, now, self._settings)

    __call__ = handle


@dataclass
class WireStats:
    pushes: int = 0
    movements: int = 0
    push_bytes: int = 0
    reply_bytes: int = 0

    @property
    def bytes_per_movement(self) -> float:
        return self.push_bytes / self.movements if self.movements else 0.0


class InProcessTransport:
    """A node's link to the hub: encode and sign, hand over, verify and decode the answer."""

    def __init__(self, node: str, secret: bytes, endpoint: Callable[[bytes], bytes]) -> None:
        self._node, self._secret, self._endpoint = node, secret, endpoint
        self.stats = WireStats()

    def exchange(self, push: Push) -> Reply:
        frame = encode_push(push, self._secret)
        self.stats.pushes += 1
        self.stats.movements += len(push.movements)
        self.stats.push_bytes += len(frame)
        answer = self._endpoint(frame)
        self.stats.reply_bytes += len(answer)
        return decode_reply(answer, self._secret_of)

    def _secret_of(self, node: str) -> bytes | None:
        return self._secret if node == self._node else None
