"""Governance stores on the hub's database (SQLite or PostgreSQL) and the nodes' SQLite files, and
the packages-used view across them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from microindex.adapters.channels.wiring import feed_settings
from microindex.adapters.order_kpis import ChannelListingAccuracy, OrderHandovers
from microindex.adapters.postgres.governance_store import PostgresGovernanceDatabase
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.postgres.packaging_store import PostgresPackagingStore
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.reports.files import ReportFolder
from microindex.adapters.sqlite.channel_store import SqliteChannelStore
from microindex.adapters.sqlite.governance_store import SqliteGovernanceDatabase
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.packaging_store import SqlitePackagingStore
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.errors import DomainError
from microindex.domain.packaging import PackageUsed
from microindex.domain.reconciliation import Tolerance
from microindex.service.governance import GovernanceContext
from microindex.service.kpis import KpiSources, LedgerMirrorStatus
from microindex.service.nodes import list_nodes
from microindex.service.ports import UnitOfWorkFactory


@dataclass(eq=False)
class GovernanceNeedsStorage(DomainError):
    """Returns, counts and job runs are kept in a SQLite file or a PostgreSQL database only."""

    database: str
    code = "governance_needs_storage"

    def __str__(self) -> str:
        return f"governance data lives in SQLite files or PostgreSQL; {self.database} is neither"


GovernanceDatabase = SqliteGovernanceDatabase | PostgresGovernanceDatabase
PackagingStore = SqlitePackagingStore | PostgresPackagingStore


def governance_database(database: UnitOfWorkFactory) -> GovernanceDatabase:
    """The governance stores on `database`'s own storage: the one place that picks them (and
    `packaging_store` beside it), by the kind of database the hub or the node is."""
    match database:
        case SqliteGovernanceDatabase() | PostgresGovernanceDatabase():
            return database
        case SqliteDatabase():
            return SqliteGovernanceDatabase(database)
        case PostgresDatabase():
            return PostgresGovernanceDatabase(database)
    raise GovernanceNeedsStorage(type(database).__name__)


def packaging_store(database: UnitOfWorkFactory) -> PackagingStore:
    """The package templates and packages used on `database`'s own storage."""
    stored = governance_database(database).database
    if isinstance(stored, SqliteDatabase):
        return SqlitePackagingStore(stored.connection())
    return PostgresPackagingStore(stored.connection())


class PackagesUsedEverywhere:
    """`packages_used` read from every database given (the hub's and each node's)."""

    def __init__(self, databases: Mapping[str, UnitOfWorkFactory]) -> None:
        self._databases = list(databases.values())

    def used(self, node: str | None = None) -> list[PackageUsed]:
        stores = [packaging_store(db) for db in self._databases]
        found = {u.order_ref: u for store in stores for u in store.used(node)}
        return sorted(found.values(), key=lambda u: (u.at, u.order_ref))


PromiseDatabases = (SqlitePromiseDatabase, PostgresPromiseDatabase)
DEFAULT_LINK_STEM = "https://id.gs1.org"  # Settings.link_stem's default


def _listings(
    hub: UnitOfWorkFactory, nodes: Mapping[str, UnitOfWorkFactory], link_stem: str
) -> ChannelListingAccuracy | None:
    """Listing accuracy when the hub is a SQLite file (the channels' record lives in it)."""
    if not isinstance(hub, SqliteDatabase):
        return None
    store = SqliteChannelStore(hub.path)
    settings = feed_settings(hub.path.parent, link_stem)
    return ChannelListingAccuracy(store, hub, nodes, lambda: list_nodes(hub), settings)


def wire_governance(
    hub: UnitOfWorkFactory,
    nodes: Mapping[str, UnitOfWorkFactory],
    clock: Callable[[], datetime],
    reports: Path | None = None,
    tolerance: Tolerance | None = None,
    shop: str = "microindex",
    link_stem: str = DEFAULT_LINK_STEM,
) -> GovernanceContext:
    """The governance jobs' context over the hub's database and the nodes' SQLite files.

    Sync status is read from the ledgers (node head against the hub's copy); time to
    fulfilment from the hub's orders (a hub that promises); listing accuracy from the
    channels' recorded payloads in the hub's SQLite file (not yet on PostgreSQL). Job runs
    are recorded in the hub's database.
    """
    node_dbs = {code: governance_database(db) for code, db in nodes.items()}
    sources = KpiSources(
        hub=hub,
        nodes=node_dbs,
        packaging=PackagesUsedEverywhere({"hub": hub, **nodes}),
        sync=LedgerMirrorStatus(hub, nodes),
        fulfilment=OrderHandovers(hub) if isinstance(hub, PromiseDatabases) else None,
        listings=_listings(hub, nodes, link_stem),
    )
    return GovernanceContext(
        sources,
        governance_database(hub),
        clock,
        tolerance or Tolerance(),
        sink=ReportFolder(reports, shop) if reports else None,
    )
