"""In-memory fakes of capture's storage ports, for service tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from microindex.domain.capture.asset import Asset, ProofState
from microindex.domain.capture.template import CaptureTemplate
from microindex.service.ports import OutboxMessage


class MemoryBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> tuple[str, bool]:
        sha = hashlib.sha256(data).hexdigest()
        new = sha not in self.blobs
        self.blobs[sha] = data
        return sha, new

    def get(self, sha256: str) -> bytes:
        return self.blobs[sha256]

    def exists(self, sha256: str) -> bool:
        return sha256 in self.blobs

    def delete(self, sha256: str) -> None:
        self.blobs.pop(sha256, None)


class _State:
    def __init__(self) -> None:
        self.assets: dict[str, Asset] = {}
        self.templates: dict[str, CaptureTemplate] = {}
        self.outbox: list[OutboxMessage] = []


class MemoryCaptureDatabase:
    """Committed state lives here; each unit of work edits a copy until it commits."""

    def __init__(self) -> None:
        self.state = _State()

    def __call__(self) -> MemoryCaptureUnitOfWork:
        return MemoryCaptureUnitOfWork(self)


class _Assets:
    def __init__(self, items: dict[str, Asset]) -> None:
        self.items = items

    def add(self, asset: Asset) -> None:
        if asset.id in self.items:
            raise KeyError(f"asset {asset.id} already recorded")
        self.items[asset.id] = asset

    def save(self, asset: Asset) -> None:
        self.items[asset.id] = asset

    def get(self, asset_id: str) -> Asset | None:
        return self.items.get(asset_id)

    def find(
        self, sku: str | None = None, state: ProofState | None = None, node: str | None = None
    ) -> list[Asset]:
        return sorted(
            (
                a
                for a in self.items.values()
                if (sku is None or a.sku == sku)
                and (state is None or a.state is state)
                and (node is None or a.node == node)
            ),
            key=lambda a: (a.ingested_at, a.id),
        )


class _Templates:
    def __init__(self, items: dict[str, CaptureTemplate]) -> None:
        self.items = items

    def get(self, node: str) -> CaptureTemplate | None:
        return self.items.get(node)

    def put(self, template: CaptureTemplate) -> None:
        self.items[template.node] = template


class _Outbox:
    def __init__(self, messages: list[OutboxMessage]) -> None:
        self.messages = messages

    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None:
        self.messages.append(OutboxMessage(len(self.messages) + 1, topic, key, payload, at))

    def add_many(
        self, topic: str, messages: Iterable[tuple[str, dict[str, Any]]], at: datetime
    ) -> None:
        for key, payload in messages:
            self.add(topic, key, payload, at)

    def after(self, last_id: int, limit: int = 1000) -> list[OutboxMessage]:
        return [m for m in self.messages if m.id > last_id][:limit]

    def of_topic(
        self, topic: str, last_id: int, limit: int = 1000
    ) -> tuple[list[OutboxMessage], int]:
        found = [m for m in self.messages if m.id > last_id and m.topic == topic][:limit]
        if len(found) == limit:
            return found, found[-1].id
        return found, max([last_id, *(m.id for m in self.messages)])


class MemoryCaptureUnitOfWork:
    def __init__(self, database: MemoryCaptureDatabase) -> None:
        self._database = database
        state = database.state
        self.assets = _Assets(dict(state.assets))
        self.templates = _Templates(dict(state.templates))
        self.outbox = _Outbox(list(state.outbox))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        state = self._database.state
        state.assets = dict(self.assets.items)
        state.templates = dict(self.templates.items)
        state.outbox = list(self.outbox.messages)
