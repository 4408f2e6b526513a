"""The access stores of a workspace's hub (tokens and sessions, login links, rate limits), for
the CLI and the API.

They belong in `bootstrap` (a `Workspace.access`); until then the entrypoints build them here
from the hub database they were given.
"""

from __future__ import annotations

from dataclasses import dataclass

from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rate_limit_store import SqliteRateLimits
from microindex.adapters.sqlite.token_store import SqliteLoginLinks, SqliteTokenStore
from microindex.bootstrap import Workspace
from microindex.service.access import LoginLinkStore, RateLimits, TokenStore


@dataclass(frozen=True, slots=True)
class AccessStores:
    tokens: TokenStore
    links: LoginLinkStore
    limits: RateLimits


def access_stores(workspace: Workspace) -> AccessStores:
    hub = workspace.hub
    if isinstance(hub, SqlitePromiseDatabase):
        sqlite = hub.connection
        return AccessStores(
            SqliteTokenStore(sqlite), SqliteLoginLinks(sqlite), SqliteRateLimits(sqlite)
        )
    from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
    from microindex.adapters.postgres.rate_limit_store import PostgresRateLimits
    from microindex.adapters.postgres.token_store import PostgresLoginLinks, PostgresTokenStore

    if isinstance(hub, PostgresPromiseDatabase):
        pg = hub.connection
        return AccessStores(PostgresTokenStore(pg), PostgresLoginLinks(pg), PostgresRateLimits(pg))
    raise TypeError(f"no access stores for a hub of type {type(hub).__name__}")


def token_store(workspace: Workspace) -> TokenStore:
    return access_stores(workspace).tokens
