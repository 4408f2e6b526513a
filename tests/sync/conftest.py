"""A hub and two nodes on memory or SQLite storage, linked by the in-process transport."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.memory import MemorySyncDatabase
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.domain.movement import Movement, MovementKind
from microindex.service import rights
from microindex.service.sync_ports import SyncUnitOfWorkFactory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRETS = {"van": b"van-secret", "shop": b"shop-secret"}


@dataclass
class Pair:
    hub: SyncUnitOfWorkFactory
    nodes: dict[str, SyncUnitOfWorkFactory]
    now: list[datetime] = field(default_factory=lambda: [T0])

    def clock(self) -> datetime:
        return self.now[0]

    def later(self, minutes: float) -> datetime:
        self.now[0] += timedelta(minutes=minutes)
        return self.now[0]

    def endpoint(self) -> HubEndpoint:
        return HubEndpoint(self.hub, SECRETS, self.clock)

    def link(self, node: str) -> InProcessTransport:
        return InProcessTransport(node, SECRETS[node], self.endpoint())

    def receive(self, node: str, sku: str, quantity: int) -> Movement:
        with self.nodes[node]() as uow:
            ledger = uow.ledger.load(node, [sku])
            movement = ledger.record(sku, MovementKind.RECEIVE, quantity, self.clock())
            uow.ledger.save(ledger)
            uow.commit()
        return movement

    def backup(self) -> object:
        if isinstance(self.hub, MemorySyncDatabase):
            return copy.deepcopy((self.hub.base, self.hub.sync))
        assert isinstance(self.hub, SqliteSyncDatabase)
        snapshot = sqlite3.connect(":memory:")
        self.hub.connection().backup(snapshot)
        return snapshot

    def restore(self, snapshot: object) -> None:
        if isinstance(self.hub, MemorySyncDatabase):
            self.hub.base, self.hub.sync = copy.deepcopy(snapshot)  # type: ignore[misc]
        else:
            assert isinstance(snapshot, sqlite3.Connection)
            assert isinstance(self.hub, SqliteSyncDatabase)
            snapshot.backup(self.hub.connection())

    def ledger(self, node: str, at_hub: bool = False) -> list[Movement]:
        database = self.hub if at_hub else self.nodes[node]
        with database() as uow:
            return uow.ledger.movements(node, 0, 10**9)


def _open(kind: str, folder: Path, name: str) -> SyncUnitOfWorkFactory:
    if kind == "memory":
        return MemorySyncDatabase()
    database = SqliteSyncDatabase(folder / f"{name}.sqlite")
    database.migrate()
    return database


@pytest.fixture(params=["memory", "sqlite"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    kind = str(request.param)
    hub = _open(kind, tmp_path, "hub")
    nodes = {n: _open(kind, tmp_path, n) for n in SECRETS}
    rights.renew_epoch(hub, "epoch-1")
    yield Pair(hub, nodes)
    for database in (hub, *nodes.values()):
        if isinstance(database, SqliteSyncDatabase):
            database.close()
