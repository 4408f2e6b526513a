"""The one place that builds things: settings in, wired-up adapters out."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sqlite.rounds_store import SqliteRoundsDatabase
from microindex.adapters.sqlite.timer_store import SqliteTimerClaims
from microindex.adapters.sync.secrets import KeptSecrets, SecretFiles
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.domain.codes import NodeCode
from microindex.domain.errors import InvalidValue
from microindex.service import repromise
from microindex.service.candidate_states import StoredStates
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.nodes import list_nodes
from microindex.service.promise_ports import CandidateStates, PromiseUnitOfWorkFactory
from microindex.service.rights import AskHub
from microindex.service.rounds_ports import RoundsFactory
from microindex.service.sync import sync_node
from microindex.service.sync_ports import SyncUnitOfWorkFactory
from microindex.service.timers import Timer, TimerClaims
from microindex.settings import Settings

SECRETS_DIR = "keys/sync"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Workspace:
    """The hub's storage and each node's SQLite file, opened on first use.

    The hub's units of work carry the catalog, the ledger mirror, the sync accounts and the
    orders; a node's carry its ledger, its stock rights and its catalog copy.
    """

    settings: Settings
    hub: PromiseUnitOfWorkFactory
    clock: Callable[[], datetime] = utc_now
    _nodes: dict[str, SqliteSyncDatabase] = field(default_factory=dict)
    _closers: list[Callable[[], None]] = field(default_factory=list)
    _states: CandidateStates | None = None

    def node(self, code: str) -> SyncUnitOfWorkFactory:
        """The node's own database (created and migrated on first use)."""
        NodeCode(code)
        database = self._nodes.get(code)
        if database is None:
            database = SqliteSyncDatabase(self.settings.nodes_dir / f"{code}.sqlite")
            database.migrate()
            self._nodes[code] = database
        return database

    def node_ops(self) -> NodeOpsFactory:
        """The lockers, transfers and shelf slots beside the hub, on its database."""
        if isinstance(self.hub, SqlitePromiseDatabase):
            return SqliteNodeOps(self.hub)
        from microindex.adapters.postgres.node_ops_store import PostgresNodeOps
        from microindex.adapters.postgres.order_store import PostgresPromiseDatabase

        if isinstance(self.hub, PostgresPromiseDatabase):
            return PostgresNodeOps(self.hub)
        raise InvalidValue(
            "hub", type(self.hub).__name__, "lockers need a SQLite or PostgreSQL hub"
        )

    def rounds(self) -> RoundsFactory:
        """The vans' rounds, service areas and pop-ups beside the hub, on its database."""
        if isinstance(self.hub, SqlitePromiseDatabase):
            return SqliteRoundsDatabase(self.hub)
        from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
        from microindex.adapters.postgres.rounds_store import PostgresRoundsDatabase

        if isinstance(self.hub, PostgresPromiseDatabase):
            return PostgresRoundsDatabase(self.hub)
        raise InvalidValue(
            "hub", type(self.hub).__name__, "rounds and pop-ups need a SQLite or PostgreSQL hub"
        )

    def candidate_states(self) -> CandidateStates:
        """What every edge's place_order reads about a node beyond the registry (a van's
        position, a locker's free compartments, a pop-up's last day), built once."""
        if self._states is None:
            self._states = StoredStates(self.hub, self.rounds(), self.node_ops())
        return self._states

    def timer_claims(self) -> TimerClaims:
        """Where the hub's processes claim each due timer run: the hub's own database."""
        if isinstance(self.hub, SqlitePromiseDatabase):
            return SqliteTimerClaims(self.hub)
        from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
        from microindex.adapters.postgres.timer_store import PostgresTimerClaims

        if isinstance(self.hub, PostgresPromiseDatabase):
            return PostgresTimerClaims(self.hub)
        raise InvalidValue("hub", type(self.hub).__name__, "timers need a SQLite or PostgreSQL hub")

    def timers(self) -> list[Timer]:
        """The hub's timers: checkout leases, reservation expiry, the locker sweep, and the
        governance cadence (its runs kept in the hub's database, SQLite or PostgreSQL)."""
        return hub_timers(self)

    @property
    def secrets(self) -> SecretFiles | KeptSecrets:
        """Each node's sync secret: the hub checks every push against it. Files beside an
        embedded hub; kept in the database of a PostgreSQL hub (every process reads them)."""
        if isinstance(self.hub, SqlitePromiseDatabase):
            return SecretFiles(self.settings.workspace / SECRETS_DIR)
        from microindex.adapters.postgres.secret_store import PostgresKeys
        from microindex.adapters.postgres.unit_of_work import PostgresDatabase

        if isinstance(self.hub, PostgresDatabase):
            earlier = SecretFiles(self.settings.workspace / SECRETS_DIR)
            return KeptSecrets(PostgresKeys(self.hub), earlier)
        raise InvalidValue(
            "hub", type(self.hub).__name__, "secrets need a SQLite or PostgreSQL hub"
        )

    def hub_endpoint(self) -> HubEndpoint:
        """The hub's side of sync, as the HTTP API and in-process links serve it."""
        return HubEndpoint(
            self.hub, _SecretView(self.secrets), self.clock, after=self.answer_uncovered
        )

    def answer_uncovered(self, node: str, now: datetime) -> list[str]:
        """After a node's push: re-promise elsewhere, or mark at risk, the orders whose goods
        set aside there are gone."""
        return repromise.answer_uncovered(
            self.hub, node, now, list_nodes(self.hub), states=self.candidate_states()
        )

    def ask_hub(self, code: str) -> AskHub:
        """For a walk-in sale or a shipment beyond a node's local rights: sync now, asking
        for all it needs (every SKU in one sync)."""

        def ask(lines: Mapping[str, int]) -> None:
            want = sorted(lines.items())
            sync_node(self.node(code), code, self.link(code), self.clock(), want=want)

        return ask

    def link(self, code: str, endpoint: HubEndpoint | None = None) -> InProcessTransport:
        """An in-process sync link from a node to this workspace's hub."""
        return InProcessTransport(code, self.secrets.ensure(code), endpoint or self.hub_endpoint())

    def close(self) -> None:
        for database in self._nodes.values():
            database.close()
        self._nodes.clear()
        for closer in self._closers:
            closer()


def bootstrap(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Workspace:
    """Open (and migrate) the hub; nodes open lazily."""
    settings.workspace.mkdir(parents=True, exist_ok=True)
    if settings.hub_url:
        from microindex.adapters.postgres.order_store import PostgresPromiseDatabase

        pg = PostgresPromiseDatabase(settings.hub_url)
        pg.migrate()
        _first_epoch(pg)
        return Workspace(settings, pg, clock, _closers=[pg.close])
    hub = SqlitePromiseDatabase(settings.hub_path)
    hub.migrate()
    _first_epoch(hub)
    return Workspace(settings, hub, clock, _closers=[hub.close])


LEASES_EVERY_S = 60
EXPIRY_EVERY_S = 60
SWEEP_EVERY_S = 300


def hub_timers(ws: Workspace) -> list[Timer]:
    """The timer table: what runs at the hub without a person, and how often."""
    from microindex.domain.cadence import Cron, Every
    from microindex.service import lockers, promise, reservations
    from microindex.service.governance import JOBS

    def leases(now: datetime) -> str:
        return f"{len(promise.release_lapsed(ws.hub, now))} lapsed checkout leases released"

    def expiry(now: datetime) -> str:
        return f"{len(reservations.expire(ws.hub, now))} orders and reservations past their hold"

    def sweep(now: datetime) -> str:
        return f"{len(lockers.sweep(ws.hub, ws.node_ops(), now))} locker parcels past deadline"

    return [
        Timer("release-lapsed-leases", Every(LEASES_EVERY_S), leases),
        Timer("expire-reservations", Every(EXPIRY_EVERY_S), expiry),
        Timer("locker-sweep", Every(SWEEP_EVERY_S), sweep),
        *(Timer(job.name, Cron(job.trigger), _governance(ws, job.name)) for job in JOBS.values()),
    ]


def _governance(ws: Workspace, name: str) -> Callable[[datetime], str]:
    def run(now: datetime) -> str:
        from microindex.adapters.governance_wiring import wire_governance
        from microindex.service import governance
        from microindex.service.catalog import pull_catalog
        from microindex.service.nodes import list_nodes

        nodes = {n.code.value: ws.node(n.code.value) for n in list_nodes(ws.hub)}
        for database in nodes.values():
            pull_catalog(ws.hub, database)
        folder = ws.settings.workspace
        context = wire_governance(
            ws.hub, nodes, ws.clock, folder / "reports", shop=folder.resolve().name,
            link_stem=ws.settings.link_stem,
        )  # fmt: skip
        done = governance.run_job(context, name, actor="timer")
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
