"""The access stores of a workspace's hub (tokens and sessions, login links, rate limits), for
the CLI and the API, from the hub's storage (chosen in bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

from microindex.bootstrap import Workspace
from microindex.service.access import LoginLinkStore, RateLimits, TokenStore


@dataclass(frozen=True, slots=True)
class AccessStores:
    tokens: TokenStore
    links: LoginLinkStore
    limits: RateLimits


def access_stores(workspace: Workspace) -> AccessStores:
    stored = workspace.storage
    return AccessStores(stored.tokens(), stored.login_links(), stored.rate_limits())


def token_store(workspace: Workspace) -> TokenStore:
    return workspace.storage.tokens()
