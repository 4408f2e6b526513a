"""Every store beside a PostgreSQL hub's units of work, all in its database (nothing beside
it), so any hub process serves any request. Chosen once, in bootstrap."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from microindex.adapters.channels.catalog import UnitOfWorkProducts
from microindex.adapters.channels.figures import HubMirror
from microindex.adapters.media.move_in import move_in
from microindex.adapters.media.signing_identity import SigningIdentity, ensure_kept_identity
from microindex.adapters.media.wiring import MEDIA_DIR
from microindex.adapters.postgres.asset_store import PostgresCaptureDatabase
from microindex.adapters.postgres.blob_store import PostgresBlobStore
from microindex.adapters.postgres.channel_store import PostgresChannelStore
from microindex.adapters.postgres.figure_mirror import PostgresMirror
from microindex.adapters.postgres.governance_store import PostgresGovernanceDatabase
from microindex.adapters.postgres.node_ops_store import PostgresNodeOps
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.postgres.packaging_store import PostgresPackagingStore
from microindex.adapters.postgres.pool import connection_scope
from microindex.adapters.postgres.purchasing_store import (
    PostgresKits,
    PostgresPurchaseOrders,
    PostgresReorderPoints,
    PostgresVat,
)
from microindex.adapters.postgres.rate_limit_store import PostgresRateLimits
from microindex.adapters.postgres.rounds_store import PostgresRoundsDatabase
from microindex.adapters.postgres.secret_store import PostgresKeys
from microindex.adapters.postgres.timer_store import PostgresTimerClaims
from microindex.adapters.postgres.token_store import PostgresLoginLinks, PostgresTokenStore
from microindex.adapters.postgres.webhook_store import PostgresWebhooks
from microindex.adapters.sqlite.storage import SECRETS_DIR
from microindex.adapters.sync.secrets import KeptSecrets, SecretFiles
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


@dataclass(frozen=True)
class PostgresHubStorage:
    """The stores of a hub kept in PostgreSQL. `folder` is only read to move in what earlier
    versions kept beside the hub (media, keys, sync secrets), once."""

    hub: PostgresPromiseDatabase
    folder: Path

    @property
    def hub_file(self) -> Path | None:
        return None

    def hub_mirror(self) -> HubMirror:
        """The nodes' ledgers as sync left them in the database, for channels' figures."""
        return PostgresMirror(self.hub.connection)

    def request_scope(self) -> AbstractContextManager[None]:
        """The request's work runs on one connection of the pool, given back as it ends."""
        return connection_scope()

    def node_ops(self) -> NodeOpsFactory:
        return PostgresNodeOps(self.hub)

    def rounds(self) -> RoundsFactory:
        return PostgresRoundsDatabase(self.hub)

    def timer_claims(self) -> TimerClaims:
        return PostgresTimerClaims(self.hub)

    def secrets(self) -> KeptSecrets:
        return KeptSecrets(PostgresKeys(self.hub), SecretFiles(self.folder / SECRETS_DIR))

    def tokens(self) -> TokenStore:
        return PostgresTokenStore(self.hub.connection)

    def login_links(self) -> LoginLinkStore:
        return PostgresLoginLinks(self.hub.connection)

    def rate_limits(self) -> RateLimits:
        return PostgresRateLimits(self.hub.connection)

    def governance(self) -> PostgresGovernanceDatabase:
        return PostgresGovernanceDatabase(self.hub)

    def packaging(self) -> PostgresPackagingStore:
        return PostgresPackagingStore(self.hub.connection())

    def webhooks(self) -> WebhookStore:
        return PostgresWebhooks(self.hub.connection)

    def kits(self) -> KitStore:
        return PostgresKits(self.hub.connection)

    def purchase_orders(self) -> PurchaseOrderStore:
        return PostgresPurchaseOrders(self.hub.connection)

    def reorder_points(self) -> ReorderStore:
        return PostgresReorderPoints(self.hub.connection)

    def vat(self) -> VatStore:
        return PostgresVat(self.hub.connection)

    def channel_store(self) -> ChannelStore:
        return PostgresChannelStore(self.hub.url, self.hub.schema)

    def products(self) -> ProductReader:
        return UnitOfWorkProducts(self.hub)

    def capture(
        self, durable: bool = True
    ) -> tuple[CaptureUnitOfWorkFactory, BlobStore, SigningIdentity]:
        identity = ensure_kept_identity(PostgresKeys(self.hub), earlier=self.folder)
        records, blobs = PostgresCaptureDatabase(self.hub), PostgresBlobStore(self.hub)
        move_in(self.folder / MEDIA_DIR, records, blobs)  # kept beside it by earlier versions
        return records, blobs, identity
