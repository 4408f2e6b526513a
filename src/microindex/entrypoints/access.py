"""The token store of a workspace's hub, for the CLI and the API.

It belongs in `bootstrap` (a `Workspace.tokens`); until then the entrypoints build it here from
the hub database they were given.
"""

from __future__ import annotations

from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.token_store import SqliteTokenStore
from microindex.bootstrap import Workspace
from microindex.service.access import TokenStore


def token_store(workspace: Workspace) -> TokenStore:
    hub = workspace.hub
    if isinstance(hub, SqlitePromiseDatabase):
        return SqliteTokenStore(hub.connection)
    from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
    from microindex.adapters.postgres.token_store import PostgresTokenStore

    if isinstance(hub, PostgresPromiseDatabase):
        return PostgresTokenStore(hub.connection)
    raise TypeError(f"no token store for a hub of type {type(hub).__name__}")
