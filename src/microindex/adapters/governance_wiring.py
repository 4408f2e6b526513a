"""Governance stores on the hub's database (SQLite or PostgreSQL) and the nodes' SQLite files, and
the packages-used view across them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from microindex.adapters.order_kpis import ChannelListingAccuracy, OrderHandovers
from microindex.adapters.postgres.governance_store import PostgresGovernanceDatabase
from microindex.adapters.reports.files import ReportFolder
from microindex.adapters.sqlite.governance_store import SqliteGovernanceDatabase
from microindex.adapters.sqlite.packaging_store import SqlitePackagingStore
from microindex.adapters.sqlite.past_sales_store import SqliteArchivedSkus, SqlitePastSales
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.channels.items import FeedSettings
from microindex.domain.errors import DomainError, UnknownNode
from microindex.domain.node import time_zone
from microindex.domain.packaging import PackageUsed
from microindex.domain.reconciliation import Tolerance
from microindex.domain.triage import PastSale
from microindex.service.channel_ports import ChannelStore
from microindex.service.governance import GovernanceContext
from microindex.service.kpis import KpiSources, LedgerMirrorStatus
from microindex.service.nodes import list_nodes
from microindex.service.packaging import PackagingStore
from microindex.service.ports import UnitOfWorkFactory
from microindex.service.promise_ports import PromiseUnitOfWorkFactory


@dataclass(eq=False)
class GovernanceNeedsStorage(DomainError):
    """Returns, counts and job runs are kept in a SQLite file or a PostgreSQL database only."""

    database: str
    code = "governance_needs_storage"

    def __str__(self) -> str:
        return f"governance data lives in SQLite files or PostgreSQL; {self.database} is neither"


GovernanceDatabase = SqliteGovernanceDatabase | PostgresGovernanceDatabase


class HubGovernanceStores(Protocol):
    """What governance keeps beside the hub, on the hub's own storage (chosen in bootstrap:
    `adapters/sqlite/storage.py`, `adapters/postgres/storage.py`)."""

    def governance(self) -> GovernanceDatabase: ...

    def packaging(self) -> PackagingStore: ...

    def channel_store(self) -> ChannelStore: ...


def governance_database(database: UnitOfWorkFactory) -> SqliteGovernanceDatabase:
    """The governance stores in a node's own SQLite file (returns, counts, packages used)."""
    if isinstance(database, SqliteGovernanceDatabase):
        return database
    if not isinstance(database, SqliteDatabase):  # a node's ledger is a SQLite file
        raise GovernanceNeedsStorage(type(database).__name__)
    return SqliteGovernanceDatabase(database)


def packaging_store(database: UnitOfWorkFactory) -> SqlitePackagingStore:
    """The package templates and packages used in a node's own SQLite file."""
    return SqlitePackagingStore(governance_database(database).database.connection())


class PackagesUsedEverywhere:
    """`packages_used` read from every store given (the hub's and each node's)."""

    def __init__(self, stores: Sequence[PackagingStore]) -> None:
        self._stores = list(stores)

    def used(self, node: str | None = None) -> list[PackageUsed]:
        found = {u.order_ref: u for store in self._stores for u in store.used(node)}
        return sorted(found.values(), key=lambda u: (u.at, u.order_ref))


class PastSalesInNodeFiles:
    """Each node's imported past sales, in that node's own SQLite file."""

    def __init__(self, nodes: Mapping[str, SqliteGovernanceDatabase]) -> None:
        self._nodes = nodes

    def replace(self, node: str, sales: Sequence[PastSale]) -> None:
        self._store(node).replace(node, sales)

    def sales(self, node: str) -> list[PastSale]:
        return self._store(node).sales(node)

    def _store(self, node: str) -> SqlitePastSales:
        if node not in self._nodes:
            raise UnknownNode(node)
        return SqlitePastSales(self._nodes[node].database.connection())


class ArchivedInNodeFiles:
    """SKUs archived from each node's range, in that node's own SQLite file."""

    def __init__(self, nodes: Mapping[str, SqliteGovernanceDatabase]) -> None:
        self._nodes = nodes

    def archive(self, node: str, skus: Sequence[str], at: datetime, actor: str) -> None:
        self._store(node).archive(node, skus, at, actor)

    def archived(self, node: str) -> set[str]:
        return self._store(node).archived(node)

    def _store(self, node: str) -> SqliteArchivedSkus:
        if node not in self._nodes:
            raise UnknownNode(node)
        return SqliteArchivedSkus(self._nodes[node].database.connection())


def wire_governance(
    hub: PromiseUnitOfWorkFactory,
    stores: HubGovernanceStores,
    nodes: Mapping[str, UnitOfWorkFactory],
    clock: Callable[[], datetime],
    feed: FeedSettings,
    reports: Path | None = None,
    tolerance: Tolerance | None = None,
    shop: str = "microindex",
) -> GovernanceContext:
    """The governance jobs' context over the hub's database and the nodes' SQLite files.

    Sync status is read from the ledgers (node head against the hub's copy); time to
    fulfilment from the hub's orders; listing accuracy from the channels' recorded payloads,
    kept by the hub (`feed`: the shop's channel settings). Job runs are recorded in the hub's
    database.
    """
    node_dbs = {code: governance_database(db) for code, db in nodes.items()}
    packaging = [stores.packaging(), *(packaging_store(db) for db in node_dbs.values())]
    listings = ChannelListingAccuracy(
        stores.channel_store, hub, nodes, lambda: list_nodes(hub), feed
    )
    sources = KpiSources(
        hub=hub,
        nodes=node_dbs,
        packaging=PackagesUsedEverywhere(packaging),
        sync=LedgerMirrorStatus(hub, nodes),
        fulfilment=OrderHandovers(hub),
        listings=listings,
        past_sales=PastSalesInNodeFiles(node_dbs),
        archived=ArchivedInNodeFiles(node_dbs),
        zone=time_zone(feed.time_zone),
    )
    return GovernanceContext(
        sources,
        stores.governance(),
        clock,
        tolerance or Tolerance(),
        sink=ReportFolder(reports, shop) if reports else None,
    )
