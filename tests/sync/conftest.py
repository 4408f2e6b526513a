"""A hub and two nodes on memory or SQLite storage, linked by the in-process transport."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.order_memory import MemoryPromiseDatabase
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.postgres.rights_store import PostgresSyncDatabase
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.memory import MemorySyncDatabase
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.service import promise, rights
from microindex.service.promise_ports import HubUnitOfWorkFactory
from microindex.service.sync_ports import SyncUnitOfWorkFactory
from microindex.sync_sim.nodes import CENTRE, sim_nodes

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRETS = {"van": b"van-secret", "shop": b"shop-secret"}
NODES = sim_nodes(tuple(SECRETS))


@dataclass
class Pair:
    hub: HubUnitOfWorkFactory
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

    def order(
        self, key: str, quantity: int, sku: str = "MUG-1", lease_s: float = 3600
    ) -> promise.Placed:
        """An online order shipped to a customer, placed as the CLI and the API place it."""
        asked = OrderRequest((OrderLine(sku, quantity),), Method.SHIP, self.clock(), CENTRE)
        lease = timedelta(seconds=lease_s)
        return promise.place_order(
            self.hub, key, asked, NODES, promise.PromiseSettings(lease=lease, hold=lease)
        )

    def backup(self) -> object:
        if isinstance(self.hub, PostgresSyncDatabase):
            pytest.skip("restoring a PostgreSQL hub is the simulator's and pg_restore's job")
        if isinstance(self.hub, MemoryPromiseDatabase):
            return copy.deepcopy((self.hub.base, self.hub.sync, self.hub.orders))
        assert isinstance(self.hub, SqliteSyncDatabase)
        snapshot = sqlite3.connect(":memory:")
        self.hub.connection().backup(snapshot)
        return snapshot

    def restore(self, snapshot: object) -> None:
        if isinstance(self.hub, MemoryPromiseDatabase):
            self.hub.base, self.hub.sync, self.hub.orders = copy.deepcopy(snapshot)  # type: ignore[misc]
        else:
            assert isinstance(snapshot, sqlite3.Connection)
            assert isinstance(self.hub, SqliteSyncDatabase)
            snapshot.backup(self.hub.connection())

    def ledger(self, node: str, at_hub: bool = False) -> list[Movement]:
        database = self.hub if at_hub else self.nodes[node]
        with database() as uow:
            return uow.ledger.movements(node, 0, 10**9)


Opener = Callable[[str], SyncUnitOfWorkFactory]


def _opener(request: pytest.FixtureRequest, kind: str, folder: Path) -> Opener:
    """Open one database by name; the hub's also keeps orders (it promises them)."""
    if kind == "memory":
        return lambda name: MemoryPromiseDatabase() if name == "hub" else MemorySyncDatabase()
    if kind == "sqlite":

        def sqlite(name: str) -> SyncUnitOfWorkFactory:
            kind = SqlitePromiseDatabase if name == "hub" else SqliteSyncDatabase
            database = kind(folder / f"{name}.sqlite")
            database.migrate()
            return database

        return sqlite
    url = request.getfixturevalue("postgres_url")
    schemas = request.getfixturevalue("new_postgres_schema")

    def postgres(name: str) -> SyncUnitOfWorkFactory:
        kind = PostgresPromiseDatabase if name == "hub" else PostgresSyncDatabase
        database = kind(url, schemas())
        database.migrate()
        return database

    return postgres


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """The hub and the nodes on one kind of storage (a PostgreSQL hub has SQLite nodes)."""
    kind = str(request.param)
    hub = _opener(request, kind, tmp_path)("hub")
    assert isinstance(hub, MemoryPromiseDatabase | SqlitePromiseDatabase | PostgresPromiseDatabase)
    on_node = _opener(request, "sqlite" if kind == "postgres" else kind, tmp_path)
    nodes = {n: on_node(n) for n in SECRETS}  # nodes stay on SQLite beside a PostgreSQL hub
    rights.renew_epoch(hub, "epoch-1")
    yield Pair(hub, nodes)
    for database in (hub, *nodes.values()):
        if isinstance(database, SqliteSyncDatabase | PostgresSyncDatabase):
            database.close()
