"""What every command shares: the workspace it works on, output helpers, and error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from microindex.domain.errors import DomainError, InvalidValue, NoWorkspace
from microindex.domain.sync.node import PromisedOnline
from microindex.entrypoints.cli.output import ShownConsole
from microindex.entrypoints.cli.output import console as console
from microindex.service.catalog import pull_catalog
from microindex.service.nodes import get_node, list_nodes
from microindex.service.remote_nodes import ledger_of, refuse_elsewhere, runs_elsewhere
from microindex.settings import SETTINGS_FILE, Settings

if TYPE_CHECKING:
    from microindex.bootstrap import Workspace
    from microindex.service.ports import UnitOfWorkFactory
    from microindex.service.sync_ports import SyncUnitOfWorkFactory

errors = ShownConsole(stderr=True)


@dataclass
class CliState:
    """What one command line shares. `clock` is the wall clock unless a caller (a test, a
    replay) passes another: every command reads the time from its workspace's clock."""

    workspace_path: Path | None = None
    clock: Callable[[], datetime] | None = None
    _workspace: Workspace | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        return Settings.load(self.workspace_path)

    def workspace(self) -> Workspace:
        """The workspace `init` or `demo` made; refused (nothing created) where there is none."""
        if self._workspace is None:
            from microindex.bootstrap import bootstrap, utc_now  # the adapters, when needed

            settings = self.settings()
            if not is_workspace(settings):
                raise NoWorkspace(str(settings.workspace))
            self._workspace = bootstrap(settings, self.clock or utc_now)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None


def is_workspace(settings: Settings) -> bool:
    """`init` and `demo` write the settings file first; a hub.sqlite alone is an older
    workspace, and a PostgreSQL hub named by MICROINDEX_HUB_URL is one wherever it is named."""
    made = (settings.workspace / SETTINGS_FILE).is_file() or settings.hub_path.is_file()
    return made or bool(settings.hub_url)


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def workspace(ctx: typer.Context) -> Workspace:
    with domain_errors():
        return state(ctx).workspace()


HINTS: dict[type[DomainError], str] = {
    PromisedOnline: "\n(to sell anyway: --override REASON, recorded as an overdraft)",
}


@contextmanager
def domain_errors() -> Iterator[None]:
    """The CLI's one place that turns domain errors into a message and exit code 1."""
    try:
        yield
    except DomainError as error:
        hint = next((h for kind, h in HINTS.items() if isinstance(error, kind)), "")
        errors.print(
            f"[bold red]error:[/] {escape(str(error))}{escape(hint)}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


def duration(name: str, value: float, unit: str, bounds: tuple[timedelta, timedelta]) -> timedelta:
    """`value` `unit`s (minutes, hours) as a time span, refused outside the bounds the API
    keeps (and when not a number: NaN is within no bounds)."""
    per = timedelta(**{unit: 1})
    shortest, longest = (bound / per for bound in bounds)
    if not shortest <= value <= longest:
        raise InvalidValue(name, str(value), f"from {shortest:,g} to {longest:,g} {unit}")
    return value * per


def parse_day(field: str, text: str) -> date:
    """A day typed YYYY-MM-DD, refused in one line otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, text, "write YYYY-MM-DD") from None


def clock_time(field: str, text: str) -> time:
    """A time of day typed HH:MM, refused in one line otherwise (25:00, a word)."""
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, text, "write HH:MM") from None


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=_json_value, ensure_ascii=False))


def _json_value(value: Any) -> str:
    """A value JSON has no type for: a time or a date in ISO 8601 (`T`, and the offset a time
    carries), anything else (a Decimal, an enum) as its text."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def node_database(ctx: typer.Context, code: str) -> SyncUnitOfWorkFactory:
    """A registered node's own database, with its catalog copy brought up to the hub's."""
    ws = workspace(ctx)
    get_node(ws.hub, code)
    database = ws.node(code)
    pull_catalog(ws.hub, database)
    return database


def node_here(ctx: typer.Context, code: str, act: str) -> SyncUnitOfWorkFactory:
    """`node_database`, refused for a node whose agent keeps its ledger elsewhere (the hub
    never writes it: `remote_nodes.refuse_elsewhere`, naming `act`)."""
    ws = workspace(ctx)
    get_node(ws.hub, code)
    refuse_elsewhere(ws.hub, ws.node(code), code, act)
    return node_database(ctx, code)


def all_node_databases(ctx: typer.Context) -> dict[str, UnitOfWorkFactory]:
    ws = workspace(ctx)
    return {n.code.value: ws.node(n.code.value) for n in list_nodes(ws.hub)}


def node_ledger(ctx: typer.Context, code: str) -> SyncUnitOfWorkFactory:
    """Where the hub reads a registered node's ledger: its database here, or the hub's mirror
    of it when its agent keeps it elsewhere (`service.remote_nodes`)."""
    ws = workspace(ctx)
    get_node(ws.hub, code)
    return ledger_of(ws.hub, ws.node(code), code)


def all_node_ledgers(ctx: typer.Context) -> dict[str, SyncUnitOfWorkFactory]:
    ws = workspace(ctx)
    codes = [n.code.value for n in list_nodes(ws.hub)]
    return {code: ledger_of(ws.hub, ws.node(code), code) for code in codes}


def elsewhere(ctx: typer.Context, code: str) -> bool:
    """The registered node's agent keeps its ledger on its own machine: never written here."""
    ws = workspace(ctx)
    get_node(ws.hub, code)
    return runs_elsewhere(ws.hub, ws.node(code), code)
