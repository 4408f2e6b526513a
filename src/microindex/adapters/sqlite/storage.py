"""Every store beside an embedded hub's units of work: in its SQLite file, or in files beside it
(photo blobs, the capture keys, node sync secrets). Chosen once, in bootstrap."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # each store's module is loaded when the store is first asked for
    from microindex.adapters.channels.figures import HubMirror
    from microindex.adapters.media.signing_identity import SigningIdentity
    from microindex.adapters.sqlite.governance_store import SqliteGovernanceDatabase
    from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
    from microindex.adapters.sqlite.packaging_store import SqlitePackagingStore
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

    def hub_mirror(self) -> HubMirror:
        """The nodes' ledgers as sync left them in the hub's file, for channels' figures."""
        from microindex.adapters.channels.figures import SqliteMirror

        return SqliteMirror(self.hub.path)

    def request_scope(self) -> AbstractContextManager[None]:
        """Nothing to give back: each thread keeps its SQLite connection."""
        return nullcontext()

    def node_ops(self) -> NodeOpsFactory:
        from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps

        return SqliteNodeOps(self.hub)

    def rounds(self) -> RoundsFactory:
        from microindex.adapters.sqlite.rounds_store import SqliteRoundsDatabase

        return SqliteRoundsDatabase(self.hub)

    def timer_claims(self) -> TimerClaims:
        from microindex.adapters.sqlite.timer_store import SqliteTimerClaims

        return SqliteTimerClaims(self.hub)

    def secrets(self) -> SecretFiles:
        from microindex.adapters.sync.secrets import SecretFiles

        return SecretFiles(self.folder / SECRETS_DIR)

    def tokens(self) -> TokenStore:
        from microindex.adapters.sqlite.token_store import SqliteTokenStore

        return SqliteTokenStore(self.hub.connection)

    def login_links(self) -> LoginLinkStore:
        from microindex.adapters.sqlite.token_store import SqliteLoginLinks

        return SqliteLoginLinks(self.hub.connection)

    def rate_limits(self) -> RateLimits:
        from microindex.adapters.sqlite.rate_limit_store import SqliteRateLimits

        return SqliteRateLimits(self.hub.connection)

    def governance(self) -> SqliteGovernanceDatabase:
        from microindex.adapters.sqlite.governance_store import SqliteGovernanceDatabase

        return SqliteGovernanceDatabase(self.hub)

    def packaging(self) -> SqlitePackagingStore:
        from microindex.adapters.sqlite.packaging_store import SqlitePackagingStore

        return SqlitePackagingStore(self.hub.connection())

    def webhooks(self) -> WebhookStore:
        from microindex.adapters.sqlite.webhook_store import SqliteWebhooks

        return SqliteWebhooks(self.hub.connection)

    def kits(self) -> KitStore:
        from microindex.adapters.sqlite.purchasing_store import SqliteKits

        return SqliteKits(self.hub.connection)

    def purchase_orders(self) -> PurchaseOrderStore:
        from microindex.adapters.sqlite.purchasing_store import SqlitePurchaseOrders

        return SqlitePurchaseOrders(self.hub.connection)

    def reorder_points(self) -> ReorderStore:
        from microindex.adapters.sqlite.purchasing_store import SqliteReorderPoints

        return SqliteReorderPoints(self.hub.connection)

    def vat(self) -> VatStore:
        from microindex.adapters.sqlite.purchasing_store import SqliteVat

        return SqliteVat(self.hub.connection)

    def channel_store(self) -> ChannelStore:
        from microindex.adapters.sqlite.channel_store import SqliteChannelStore

        return SqliteChannelStore(self.hub.path)

    def products(self) -> ProductReader:
        from microindex.adapters.channels.catalog import SqliteProducts

        return SqliteProducts(self.hub.path)

    def capture(
        self, durable: bool = True
    ) -> tuple[CaptureUnitOfWorkFactory, BlobStore, SigningIdentity]:
        """Records in the hub's file, blobs under `<workspace>/media`, keys under `keys/`."""
        from microindex.adapters.media.wiring import CaptureBesideFile

        return CaptureBesideFile(self.hub, self.folder).capture(durable)
