"""The token store of a workspace's hub, for the CLI and the API.

It belongs in `bootstrap` (a `Workspace.tokens`); until then the entrypoints build it here from
the hub database they were given.
"""

from __future__ import annotations

from microindex.adapters.sqlite.token_store import SqliteTokenStore
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.bootstrap import Workspace
from microindex.service.access import TokenStore


def token_store(workspace: Workspace) -> TokenStore:
    hub = workspace.hub
    if isinstance(hub, SqliteDatabase):
        return SqliteTokenStore(hub.connection)
    from microindex.adapters.postgres.token_store import PostgresTokenStore
    from microindex.adapters.postgres.unit_of_work import PostgresDatabase

    if isinstance(hub, PostgresDatabase):
        return PostgresTokenStore(hub.connection)
    raise TypeError(f"no token store for a hub of type {type(hub).__name__}")
