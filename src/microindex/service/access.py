"""Access tokens: issue one (its secret shown once), list, revoke, and authenticate a secret.

Only a token's SHA-256 hash is stored. A secret is 32 random bytes (`secrets.token_urlsafe`),
so a fast hash is enough: there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from microindex.domain.access import AccessToken, Grant, Role, Unauthenticated, UnknownToken
from microindex.domain.errors import InvalidValue
from microindex.service.nodes import get_node
from microindex.service.ports import UnitOfWorkFactory

SECRET_PREFIX = "mi_"
MAX_SECRET_LENGTH = 200


class TokenStore(Protocol):
    def add(self, token: AccessToken, secret_hash: str) -> None: ...
    def by_hash(self, secret_hash: str) -> AccessToken | None: ...
    def get(self, token_id: str) -> AccessToken | None: ...
    def all(self) -> list[AccessToken]: ...
    def revoke(self, token_id: str, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: AccessToken
    secret: str  # shown to the user once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _new_id() -> str:
    return "tok_" + secrets.token_hex(6)


def issue(
    store: TokenStore,
    hub: UnitOfWorkFactory,
    grant: Grant,
    at: datetime,
    label: str = "",
    expires_at: datetime | None = None,
    new_secret: Callable[[], str] = _new_secret,
    new_id: Callable[[], str] = _new_id,
) -> IssuedToken:
    """A new token for `grant`; a staff token's node must be registered at the hub."""
    if len(label) > 200:
        raise InvalidValue("label", label[:40] + "…", "a label has at most 200 characters")
    if grant.role is Role.STAFF and grant.node is not None:
        get_node(hub, grant.node)
    if expires_at is not None and expires_at <= at:
        raise InvalidValue("expires_at", expires_at.isoformat(), "must be after now")
    token = AccessToken(new_id(), grant, label, at, expires_at)
    secret = new_secret()
    store.add(token, hash_secret(secret))
    return IssuedToken(token, secret)


def authenticate(store: TokenStore, secret: str | None, at: datetime) -> AccessToken:
    """The active token whose secret this is, or `Unauthenticated`."""
    if not secret:
        raise Unauthenticated("no token given")
    if len(secret) > MAX_SECRET_LENGTH:
        raise Unauthenticated("unknown token")
    token = store.by_hash(hash_secret(secret))
    if token is None:
        raise Unauthenticated("unknown token")
    if token.revoked_at is not None:
        raise Unauthenticated("token revoked")
    if not token.active(at):
        raise Unauthenticated("token expired")
    return token


def revoke(store: TokenStore, token_id: str, at: datetime) -> AccessToken:
    """Revoke a token at once; revoking one already revoked keeps the first time."""
    token = store.get(token_id)
    if token is None:
        raise UnknownToken(token_id)
    if token.revoked_at is None:
        store.revoke(token_id, at)
        token = store.get(token_id) or token
    return token


def list_tokens(store: TokenStore) -> list[AccessToken]:
    return store.all()
