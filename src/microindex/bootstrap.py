"""The one place that builds things: settings in, wired-up adapters out."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.codes import NodeCode
from microindex.service.nodes import list_nodes
from microindex.settings import Settings

if TYPE_CHECKING:  # what a command that needs only the catalog or the ledgers never loads
    from microindex.adapters.channels.figures import HubMirror
    from microindex.adapters.governance_wiring import GovernanceDatabase
    from microindex.adapters.media.signing_identity import SigningIdentity
    from microindex.adapters.sync.secrets import KeptSecrets, SecretFiles
    from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
    from microindex.domain.reconciliation import Tolerance
    from microindex.domain.sync.messages import AgentReport
    from microindex.service.access import LoginLinkStore, RateLimits, TokenStore
    from microindex.service.capture_ports import BlobStore, CaptureUnitOfWorkFactory
    from microindex.service.channel_ports import ChannelStore, ProductReader
    from microindex.service.governance import GovernanceContext
    from microindex.service.kits import KitStore
    from microindex.service.node_ops_ports import NodeOpsFactory
    from microindex.service.packaging import PackagingStore
    from microindex.service.ports import UnitOfWorkFactory
    from microindex.service.promise_ports import (
        CandidateStates,
        HubUnitOfWorkFactory,
        PromiseUnitOfWork,
        PromiseUnitOfWorkFactory,
    )
    from microindex.service.purchasing import PurchaseOrderStore, ReorderStore
    from microindex.service.rights import AskHub
    from microindex.service.rounds_ports import RoundsFactory
    from microindex.service.sync_ports import SyncUnitOfWork, SyncUnitOfWorkFactory
    from microindex.service.timers import Timer, TimerClaims
    from microindex.service.vat import VatStore
    from microindex.service.webhook_ports import WebhookStore


class HubStorage(Protocol):
    """Every store beside the hub's own units of work, on the hub's storage: an embedded hub's
    SQLite file and folder (`SqliteHubStorage`) or a PostgreSQL database (`PostgresHubStorage`).
    `bootstrap` picks one; nothing else asks which kind of hub it has."""

    @property
    def hub_file(self) -> Path | None: ...

    def hub_mirror(self) -> HubMirror: ...

    def request_scope(self) -> AbstractContextManager[None]:
        """Around one HTTP request: what the request's work holds of the hub's storage (a
        PostgreSQL connection of the process's pool) is given back when it ends."""
        ...

    def node_ops(self) -> NodeOpsFactory: ...

    def rounds(self) -> RoundsFactory: ...

    def timer_claims(self) -> TimerClaims: ...

    def secrets(self) -> SecretFiles | KeptSecrets: ...

    def tokens(self) -> TokenStore: ...

    def login_links(self) -> LoginLinkStore: ...

    def rate_limits(self) -> RateLimits: ...

    def governance(self) -> GovernanceDatabase: ...

    def packaging(self) -> PackagingStore: ...

    def kits(self) -> KitStore: ...

    def purchase_orders(self) -> PurchaseOrderStore: ...

    def reorder_points(self) -> ReorderStore: ...

    def vat(self) -> VatStore: ...

    def channel_store(self) -> ChannelStore: ...

    def webhooks(self) -> WebhookStore: ...

    def products(self) -> ProductReader: ...

    def capture(
        self, durable: bool = True
    ) -> tuple[CaptureUnitOfWorkFactory, BlobStore, SigningIdentity]: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Workspace:
    """The hub's storage and each node's SQLite file, opened on first use.

    The hub's units of work carry the catalog, the ledger mirror, the sync accounts and the
    orders; a node's carry its ledger, its stock rights and its catalog copy.
    """

    settings: Settings
    hub: HubUnitOfWorkFactory
    storage: HubStorage  # every store beside the hub's units of work, chosen by bootstrap
    clock: Callable[[], datetime] = utc_now
    _nodes: dict[str, SqliteSyncDatabase] = field(default_factory=dict)
    _closers: list[Callable[[], None]] = field(default_factory=list)
    _settlers: list[Callable[[], None]] = field(default_factory=list)
    _states: CandidateStates | None = None
    _opening: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def request_scope(self) -> AbstractContextManager[None]:
        """Around one HTTP request (`HubStorage.request_scope`)."""
        return self.storage.request_scope()

    def node(self, code: str) -> SyncUnitOfWorkFactory:
        """The node's own database (created and migrated on first use)."""
        NodeCode(code)
        database = self._nodes.get(code)
        if database is None:
            with self._opening:  # once, however many threads ask first (a push, a timer)
                database = self._nodes.get(code)
                if database is None:
                    database = SqliteSyncDatabase(self.settings.nodes_dir / f"{code}.sqlite")
                    database.migrate()
                    self._nodes[code] = database
        return database

    def node_ops(self) -> NodeOpsFactory:
        """The lockers, transfers and shelf slots beside the hub, on its database."""
        return self.storage.node_ops()

    def rounds(self) -> RoundsFactory:
        """The vans' rounds, service areas and pop-ups beside the hub, on its database."""
        return self.storage.rounds()

    def candidate_states(self) -> CandidateStates:
        """What every edge's place_order reads about a node beyond the registry (a van's
        position, a locker's free compartments, a pop-up's last day), built once."""
        if self._states is None:
            from microindex.service.candidate_states import StoredStates

            self._states = StoredStates(self.hub, self.rounds(), self.node_ops())
        return self._states

    def timer_claims(self) -> TimerClaims:
        """Where the hub's processes claim each due timer run: the hub's own database."""
        return self.storage.timer_claims()

    def timers(self) -> list[Timer]:
        """The hub's timers: checkout leases, reservation expiry, the locker sweep, and the
        governance cadence (its runs kept in the hub's database, SQLite or PostgreSQL)."""
        return hub_timers(self)

    @property
    def secrets(self) -> SecretFiles | KeptSecrets:
        """Each node's sync secret: the hub checks every push against it. Files beside an
        embedded hub; kept in the database of a PostgreSQL hub (every process reads them)."""
        return self.storage.secrets()

    def governance(
        self,
        nodes: Mapping[str, UnitOfWorkFactory] | None = None,
        tolerance: Tolerance | None = None,
        reports: bool = True,
    ) -> GovernanceContext:
        """The governance jobs' context: the hub's stores, every registered node's file (or
        `nodes`), the shop's channel settings, reports into `<workspace>/reports`."""
        from microindex.adapters.governance_wiring import wire_governance

        if nodes is None:
            nodes = {n.code.value: self.node(n.code.value) for n in list_nodes(self.hub)}
        folder = self.settings.workspace
        context = wire_governance(
            self.hub, self.storage, nodes, self.clock, self.settings.feed,
            folder / "reports" if reports else None, tolerance, shop=folder.resolve().name,
        )  # fmt: skip
        limits = replace(context.limits, min_free_disk_mb=self.settings.audit.min_free_disk_mb)
        return replace(context, syncs=WorkspaceSyncs(self), limits=limits)

    def hub_endpoint(self) -> HubEndpoint:
        """The hub's side of sync, as the HTTP API and in-process links serve it."""
        from microindex.adapters.sync.transport import HubEndpoint
        from microindex.service.sync import SyncSettings

        settings = SyncSettings(floors=self.accepted_targets, at_risk=self.waiting_at_risk)
        return HubEndpoint(
            self.hub, _SecretView(self.secrets), self.clock, settings, after=self.after_push
        )

    def after_push(self, node: str, now: datetime) -> None:
        """Once a node's push is applied: answer the orders it uncovered, and book the
        purchase-order receipts its agent has now recorded."""
        from microindex.service.purchasing import book_confirmed

        self.answer_uncovered(node, now)
        book_confirmed(self.storage.purchase_orders(), self.hub, node)

    def waiting_at_risk(
        self, uow: SyncUnitOfWork, node: str, skus: Collection[str]
    ) -> Mapping[str, int]:
        """Units of `skus` that orders at risk at `node` wait for there, read in the push's
        unit of work: the hub's, which holds its orders too (`repromise.waiting`)."""
        from microindex.service import repromise

        return repromise.waiting(cast("PromiseUnitOfWork", uow), node, skus)

    def accepted_targets(self, node: str, skus: Collection[str]) -> dict[str, int]:
        """The stock targets accepted at `node` (governance triage, in the node's own file)
        of `skus`: the rights split keeps at least that many units local there."""
        from microindex.adapters.governance_wiring import governance_database
        from microindex.service import triage

        wanted = set(skus)
        found = triage.targets(governance_database(self.node(node)), node)
        return {t.sku: t.target for t in found if t.sku in wanted and t.target > 0}

    def answer_uncovered(self, node: str, now: datetime) -> list[str]:
        """After a node's push: re-promise elsewhere, or mark at risk, the orders whose goods
        set aside there are gone; then try again the parts at risk elsewhere."""
        from microindex.service import repromise

        return repromise.answer_push(
            self.hub, node, now, list_nodes(self.hub), states=self.candidate_states()
        )

    def ask_hub(self, code: str) -> AskHub:
        """For a walk-in sale or a shipment beyond a node's local rights: sync now, asking
        for all it needs (every SKU in one sync)."""

        def ask(lines: Mapping[str, int]) -> None:
            from microindex.service.sync import sync_node

            want = sorted(lines.items())
            sync_node(self.node(code), code, self.link(code), self.clock(), want=want)

        return ask

    def link(self, code: str, endpoint: HubEndpoint | None = None) -> InProcessTransport:
        """An in-process sync link from a node to this workspace's hub."""
        from microindex.adapters.sync.transport import InProcessTransport

        return InProcessTransport(code, self.secrets.ensure(code), endpoint or self.hub_endpoint())

    def before_close(self, settle: Callable[[], None]) -> None:
        """Have `close` call `settle` first (once however often asked): background work on
        this workspace's databases (a search index's catch-up) finishes before they close."""
        if settle not in self._settlers:
            self._settlers.append(settle)

    def close(self) -> None:
        for settle in self._settlers:
            settle()
        for database in self._nodes.values():
            database.close()
        self._nodes.clear()
        for closer in self._closers:
            closer()


class WorkspaceSyncs:
    """`governance.NodeSyncs` over a workspace: the hub's schedule of each node's syncs, and
    an in-process sync of a node whose ledger the workspace holds."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def _codes(self) -> list[str]:
        return [n.code.value for n in list_nodes(self._ws.hub)]

    def overdue(self, at: datetime) -> list[str]:
        from microindex.service.sync_schedule import next_syncs

        due = next_syncs(self._ws.hub, self._codes(), at)
        return sorted(code for code, when in due.items() if when.overdue)

    def last_synced(self, node: str) -> datetime | None:
        from microindex.service.sync_schedule import next_syncs

        return next_syncs(self._ws.hub, [node], self._ws.clock())[node].last

    def agent(self, node: str) -> AgentReport | None:
        ws = self._ws
        with ws.hub() as uow:
            reported = uow.accounts.agent_reports().get(node)
        if reported is not None:
            return reported[0]
        from microindex.service.remote_nodes import runs_elsewhere

        return None if runs_elsewhere(ws.hub, ws.node(node), node) else self.hub_agent()

    def hub_agent(self) -> AgentReport:
        from microindex.adapters.sync.agent_report import measured

        return measured(self._ws.settings.workspace)

    def sync(self, node: str) -> bool:
        from microindex.service.remote_nodes import runs_elsewhere
        from microindex.service.sync import sync_node

        ws = self._ws
        if runs_elsewhere(ws.hub, ws.node(node), node):
            return False
        sync_node(ws.node(node), node, ws.link(node), ws.clock())
        return True


def bootstrap(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Workspace:
    """Open (and migrate) the hub; nodes open lazily. The one place that chooses between an
    embedded hub (a SQLite file, and files beside it) and a PostgreSQL one, for every store."""
    settings.workspace.mkdir(parents=True, exist_ok=True)
    if settings.hub_url:
        from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
        from microindex.adapters.postgres.storage import PostgresHubStorage

        pg = PostgresPromiseDatabase(settings.hub_url, connections=settings.hub_connections)
        pg.migrate()
        _first_epoch(pg)
        kept = PostgresHubStorage(pg, settings.workspace)
        return Workspace(settings, pg, kept, clock, _closers=[pg.close])
    from microindex.adapters.sqlite.storage import SqliteHubStorage

    hub = SqlitePromiseDatabase(settings.hub_path)
    hub.migrate()
    _first_epoch(hub)
    beside = SqliteHubStorage(hub, settings.workspace)
    return Workspace(settings, hub, beside, clock, _closers=[hub.close])


LEASES_EVERY_S = 60
EXPIRY_EVERY_S = 60
SWEEP_EVERY_S = 300
AT_RISK_EVERY_S = 300  # parts at risk tried again, for stock the hub learned without a push
LOW_STOCK_EVERY_S = 300
ACCURACY_AT = {"hour": 0, "minute": 10}  # UTC: the day accuracy is kept by has just closed
SALE_KEYS_AT = {"hour": 3, "minute": 30}  # UTC: sale keys past their month forgotten
WEBHOOKS_EVERY_S = 5  # at most as often as the timer thread ticks


def hub_timers(ws: Workspace) -> list[Timer]:
    """The timer table: what runs at the hub without a person, and how often."""
    from microindex.domain.cadence import Cron, Every
    from microindex.service import lockers, promise, reservations
    from microindex.service.governance import JOBS
    from microindex.service.timers import Timer

    def leases(now: datetime) -> str:
        return f"{len(promise.release_lapsed(ws.hub, now))} lapsed checkout leases released"

    def expiry(now: datetime) -> str:
        return f"{len(reservations.expire(ws.hub, now))} orders and reservations past their hold"

    def sweep(now: datetime) -> str:
        return f"{len(lockers.sweep(ws.hub, ws.node_ops(), now))} locker parcels past deadline"

    def webhooks(now: datetime) -> str:
        import random

        import httpx

        from microindex.adapters.channels.webhook import poster
        from microindex.service import webhooks as hooks

        policy = ws.settings.webhooks.policy
        with httpx.Client(follow_redirects=False) as client:
            return hooks.run(
                ws.hub, ws.storage.webhooks(), poster(client, policy, random.random), now
            )

    def at_risk(now: datetime) -> str:
        from microindex.service import repromise

        nodes = list_nodes(ws.hub)
        changed = repromise.retry_at_risk(ws.hub, now, nodes, states=ws.candidate_states())
        return f"{len(changed)} orders at risk promised again"

    def low_stock(now: datetime) -> str:
        from microindex.service import purchasing
        from microindex.service.remote_nodes import ledger_of

        codes = [n.code.value for n in list_nodes(ws.hub)]
        ledgers = {code: ledger_of(ws.hub, ws.node(code), code) for code in codes}
        fresh = purchasing.alert_low(ws.storage.reorder_points(), ws.hub, ledgers, now)
        return f"{len(fresh)} new low-stock alerts"

    def listing_accuracy(now: datetime) -> str:
        nodes = {n.code.value: ws.node(n.code.value) for n in list_nodes(ws.hub)}
        listings = ws.governance(nodes, reports=False).sources.listings
        kept = listings.keep(now) if listings is not None else 0
        return f"{kept} closed days of listing accuracy measured and kept"

    def sale_keys(now: datetime) -> str:
        from microindex.service.rights import prune_sale_keys

        databases = [ws.hub, *(ws.node(n.code.value) for n in list_nodes(ws.hub))]
        pruned = sum(prune_sale_keys(database, now) for database in databases)
        return f"{pruned} sale keys past their 30 days forgotten"

    return [
        Timer("release-lapsed-leases", Every(LEASES_EVERY_S), leases),
        Timer("low-stock", Every(LOW_STOCK_EVERY_S), low_stock),
        Timer("webhooks", Every(WEBHOOKS_EVERY_S), webhooks),
        Timer("expire-reservations", Every(EXPIRY_EVERY_S), expiry),
        Timer("locker-sweep", Every(SWEEP_EVERY_S), sweep),
        Timer("keep-listing-accuracy", Cron(ACCURACY_AT), listing_accuracy),
        Timer("prune-sale-keys", Cron(SALE_KEYS_AT), sale_keys),
        Timer("retry-at-risk", Every(AT_RISK_EVERY_S), at_risk),
        *(Timer(job.name, Cron(job.trigger), _governance(ws, job.name)) for job in JOBS.values()),
    ]


def _governance(ws: Workspace, name: str) -> Callable[[datetime], str]:
    def run(now: datetime) -> str:
        from microindex.service import governance
        from microindex.service.catalog import pull_catalog

        nodes = {n.code.value: ws.node(n.code.value) for n in list_nodes(ws.hub)}
        for database in nodes.values():
            pull_catalog(ws.hub, database)
        done = governance.run_job(ws.governance(nodes), name, actor="timer")
        return f"{done.outcome}: {done.summary}"

    return run


def _first_epoch(hub: PromiseUnitOfWorkFactory) -> None:
    """A new hub starts its first epoch (a restored one is given a new epoch by hand)."""
    with hub() as uow:
        if not uow.accounts.epoch():
            uow.accounts.set_epoch(uuid.uuid4().hex)
            uow.commit()


class _SecretView(Mapping[str, bytes]):
    """The secret files as the mapping the hub endpoint reads (`get`), never listed."""

    def __init__(self, files: SecretFiles | KeptSecrets) -> None:
        self._files = files

    def __getitem__(self, node: str) -> bytes:
        found = self._files.get(node)
        if found is None:
            raise KeyError(node)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0
