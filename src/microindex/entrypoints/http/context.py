"""What every request shares: the workspace, the access stores, the clock, node databases."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request

from microindex.bootstrap import Workspace
from microindex.domain.access import AccessToken
from microindex.service.access import LoginLinkStore, RateLimits, TokenStore
from microindex.service.catalog import pull_catalog
from microindex.service.nodes import get_node, list_nodes
from microindex.service.promise_ports import HubUnitOfWorkFactory
from microindex.service.remote_nodes import ledger_of, refuse_elsewhere
from microindex.service.sync_ports import SyncUnitOfWorkFactory


@dataclass
class Hub:
    workspace: Workspace
    tokens: TokenStore  # tokens and dashboard sessions, in the hub's database
    links: LoginLinkStore  # one-time login links, in the hub's database
    limits: RateLimits  # rate limits, counted in the hub's database
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> datetime:
        return self.workspace.clock()

    @property
    def hub(self) -> HubUnitOfWorkFactory:
        return self.workspace.hub

    @property
    def currency(self) -> str:
        return self.workspace.settings.currency

    def node(self, code: str) -> SyncUnitOfWorkFactory:
        """A registered node's own database (opened once, whichever thread asks first)."""
        get_node(self.hub, code)
        with self._guard:
            return self.workspace.node(code)

    def node_for_writing(self, code: str) -> SyncUnitOfWorkFactory:
        """The node's database with its catalog copy brought up to the hub's, as the CLI does."""
        database = self.node(code)
        pull_catalog(self.hub, database)
        return database

    def node_here(self, code: str, act: str) -> SyncUnitOfWorkFactory:
        """`node_for_writing`, refused for a node whose agent keeps its ledger elsewhere (the
        hub never writes it: `remote_nodes.refuse_elsewhere`, naming `act`)."""
        refuse_elsewhere(self.workspace.hub, self.node(code), code, act)
        return self.node_for_writing(code)

    def nodes(self) -> dict[str, SyncUnitOfWorkFactory]:
        registered = [n.code.value for n in list_nodes(self.hub)]
        with self._guard:
            return {code: self.workspace.node(code) for code in registered}

    def ledger(self, code: str) -> SyncUnitOfWorkFactory:
        """Where the hub reads a registered node's ledger: its database here, or the hub's
        mirror of it when its agent keeps it elsewhere (`service.remote_nodes`)."""
        return ledger_of(self.workspace.hub, self.node(code), code)

    def ledgers(self) -> dict[str, SyncUnitOfWorkFactory]:
        """`ledger` of every registered node."""
        return {code: ledger_of(self.workspace.hub, db, code) for code, db in self.nodes().items()}


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def hub_dependency(request: Request) -> Hub:
    """`hub_of` as a dependency: async, so FastAPI runs it on the event loop instead of sending
    it to a worker thread and back (a hand-off costs more CPU than the lookup itself)."""
    return hub_of(request)


def token_of(request: Request) -> AccessToken:
    """The token `auth.authenticated` found for this request."""
    token: AccessToken = request.state.token
    return token
