"""Every store beside an embedded hub's units of work: in its SQLite file, or in files beside it
(photo blobs, the capture keys, node sync secrets). Chosen once, in bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from microindex.adapters.channels.catalog import SqliteProducts
from microindex.adapters.media.signing_identity import SigningIdentity
from microindex.adapters.media.wiring import CaptureBesideFile
from microindex.adapters.sqlite.channel_store import SqliteChannelStore
from microindex.adapters.sqlite.governance_store import SqliteGovernanceDatabase
from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.packaging_store import SqlitePackagingStore
from microindex.adapters.sqlite.purchasing_store import (
    SqliteKits,
    SqlitePurchaseOrders,
    SqliteReorderPoints,
    SqliteVat,
)
from microindex.adapters.sqlite.rate_limit_store import SqliteRateLimits
from microindex.adapters.sqlite.rounds_store import SqliteRoundsDatabase
from microindex.adapters.sqlite.timer_store import SqliteTimerClaims
from microindex.adapters.sqlite.token_store import SqliteLoginLinks, SqliteTokenStore
from microindex.adapters.sqlite.webhook_store import SqliteWebhooks
from microindex.adapters.sync.secrets import SecretFiles
from microindex.service.access import LoginLinkStore, RateLimits, TokenStore
from microindex.service.capture_ports import BlobStore, CaptureUnitOfWorkFactory
from microindex.service.channel_ports import ChannelStore, ProductReader
from microindex.service.kits import KitStore
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.purchasing import PurchaseOrderStore, ReorderStore
from microindex.service.rounds_ports import RoundsFactory
from microindex.service.timers import TimerClaims
from microindex.service.vat import VatStore
from microindex.service.webhook_ports import WebhookStore

SECRETS_DIR = "keys/sync"


@dataclass(frozen=True)
class SqliteHubStorage:
    """The stores of a hub kept in `hub` (a SQLite file) and the workspace folder around it."""

    hub: SqlitePromiseDatabase
    folder: Path

    @property
    def hub_file(self) -> Path | None:
        """The hub's SQLite file, which readers of figures open on their own."""
        return self.hub.path

    def node_ops(self) -> NodeOpsFactory:
        return SqliteNodeOps(self.hub)

    def rounds(self) -> RoundsFactory:
        return SqliteRoundsDatabase(self.hub)

    def timer_claims(self) -> TimerClaims:
        return SqliteTimerClaims(self.hub)

    def secrets(self) -> SecretFiles:
        return SecretFiles(self.folder / SECRETS_DIR)

    def tokens(self) -> TokenStore:
        return SqliteTokenStore(self.hub.connection)

    def login_links(self) -> LoginLinkStore:
        return SqliteLoginLinks(self.hub.connection)

    def rate_limits(self) -> RateLimits:
        return SqliteRateLimits(self.hub.connection)

    def governance(self) -> SqliteGovernanceDatabase:
        return SqliteGovernanceDatabase(self.hub)

    def packaging(self) -> SqlitePackagingStore:
        return SqlitePackagingStore(self.hub.connection())

    def webhooks(self) -> WebhookStore:
        return SqliteWebhooks(self.hub.connection)

    def kits(self) -> KitStore:
        return SqliteKits(self.hub.connection)

    def purchase_orders(self) -> PurchaseOrderStore:
        return SqlitePurchaseOrders(self.hub.connection)

    def reorder_points(self) -> ReorderStore:
        return SqliteReorderPoints(self.hub.connection)

    def vat(self) -> VatStore:
        return SqliteVat(self.hub.connection)

    def channel_store(self) -> ChannelStore:
        return SqliteChannelStore(self.hub.path)

    def products(self) -> ProductReader:
        return SqliteProducts(self.hub.path)

    def capture(
        self, durable: bool = True
    ) -> tuple[CaptureUnitOfWorkFactory, BlobStore, SigningIdentity]:
        """Records in the hub's file, blobs under `<workspace>/media`, keys under `keys/`."""
        return CaptureBesideFile(self.hub, self.folder).capture(durable)
