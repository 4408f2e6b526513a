"""A hub that promises (SQLite or PostgreSQL) and the demo's three nodes on SQLite, synced
in-process, so the hub holds real stock rights."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.demo.scenario import NODES
from microindex.domain.movement import MovementKind
from microindex.service import repromise, rights, sync

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SECRETS = {node.code.value: f"{node.code.value}-secret".encode() for node in NODES}


@dataclass
class Shop:
    hub: SqlitePromiseDatabase | PostgresPromiseDatabase
    nodes: dict[str, SqliteSyncDatabase]
    now: list[datetime] = field(default_factory=lambda: [TUESDAY_10])

    def clock(self) -> datetime:
        return self.now[0]

    def later(self, minutes: float) -> datetime:
        self.now[0] += timedelta(minutes=minutes)
        return self.now[0]

    def stock(self, node: str, sku: str, quantity: int) -> None:
        """Goods arrive at the node, which then syncs: with no demand yet, the rights pool
        at the hub."""
        with self.nodes[node]() as uow:
            ledger = uow.ledger.load(node, [sku])
            ledger.record(sku, MovementKind.RECEIVE, quantity, self.clock())
            uow.ledger.save(ledger)
            uow.commit()
        self.sync(node)

    def sync(self, node: str) -> None:
        """As the workspace's hub answers a push: then re-promises what it uncovered."""
        endpoint = HubEndpoint(self.hub, SECRETS, self.clock, after=self.answer_uncovered)
        link = InProcessTransport(node, SECRETS[node], endpoint)
        sync.sync_node(self.nodes[node], node, link, self.clock())

    def answer_uncovered(self, node: str, now: datetime) -> list[str]:
        return repromise.answer_push(self.hub, node, now, NODES)

    def asking(self, node: str) -> rights.AskHub:
        """`node` asks the hub for the rights it needs now, as the CLI and the API do."""

        def ask(lines: Mapping[str, int]) -> None:
            endpoint = HubEndpoint(self.hub, SECRETS, self.clock)
            link = InProcessTransport(node, SECRETS[node], endpoint)
            sync.sync_node(self.nodes[node], node, link, self.clock(), want=sorted(lines.items()))

        return ask

    def held(self, sku: str) -> dict[str, int]:
        with self.hub() as uow:
            return uow.accounts.held(sku)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    hub: SqlitePromiseDatabase | PostgresPromiseDatabase
    if request.param == "sqlite":
        hub = SqlitePromiseDatabase(tmp_path / "hub.sqlite")
    else:
        url = request.getfixturevalue("postgres_url")
        hub = PostgresPromiseDatabase(url, request.getfixturevalue("postgres_schema"))
    made = open_shop(hub, tmp_path)
    yield made
    close_shop(made)


def open_shop(hub: SqlitePromiseDatabase | PostgresPromiseDatabase, folder: Path) -> Shop:
    """The demo's nodes, each on its own SQLite file in `folder`, around a migrated `hub`."""
    hub.migrate()
    rights.renew_epoch(hub, "epoch-1")
    nodes = {}
    for node in NODES:
        database = SqliteSyncDatabase(folder / f"{node.code.value}.sqlite")
        database.migrate()
        nodes[node.code.value] = database
    return Shop(hub, nodes)


def sqlite_shop(folder: Path) -> Shop:
    """A whole shop on SQLite files in `folder` (for property tests, one per example)."""
    return open_shop(SqlitePromiseDatabase(folder / "hub.sqlite"), folder)


def close_shop(shop: Shop) -> None:
    shop.hub.close()
    for database in shop.nodes.values():
        database.close()
