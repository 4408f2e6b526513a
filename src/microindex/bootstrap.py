"""The one place that builds things: settings in, wired-up adapters out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.codes import NodeCode
from microindex.service.ports import UnitOfWorkFactory
from microindex.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Workspace:
    """The hub's storage and each node's SQLite file, opened on first use."""

    settings: Settings
    hub: UnitOfWorkFactory
    clock: Callable[[], datetime] = utc_now
    _nodes: dict[str, SqliteDatabase] = field(default_factory=dict)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def node(self, code: str) -> UnitOfWorkFactory:
        """The node's own database (created and migrated on first use)."""
        NodeCode(code)
        database = self._nodes.get(code)
        if database is None:
            database = SqliteDatabase(self.settings.nodes_dir / f"{code}.sqlite")
            database.migrate()
            self._nodes[code] = database
        return database

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
        from microindex.adapters.postgres.unit_of_work import PostgresDatabase

        pg = PostgresDatabase(settings.hub_url)
        pg.migrate()
        return Workspace(settings, pg, clock, _closers=[pg.close])
    hub = SqliteDatabase(settings.hub_path)
    hub.migrate()
    return Workspace(settings, hub, clock, _closers=[hub.close])
