"""Access tokens: issue one (its secret shown once), list, revoke, and authenticate a secret;
dashboard sessions (sign in, sign out) and one-time login links; rate limits the hub keeps.

Everything here lives in the hub's database, so every hub process sees the same sessions,
links and counts. Only the SHA-256 hash of a token's, a session's or a link's secret is
stored. A secret is 32 random bytes (`secrets.token_urlsafe`), so a fast hash is enough:
there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from microindex.domain.access import (
    AccessToken,
    Action,
    Grant,
    LoginLink,
    Role,
    TokenKind,
    Unauthenticated,
    UnknownToken,
    require,
)
from microindex.domain.errors import InvalidValue
from microindex.domain.limits import Limit
from microindex.service.nodes import get_node
from microindex.service.ports import UnitOfWorkFactory

SECRET_PREFIX = "mi_"
MAX_SECRET_LENGTH = 200
SESSION_VALID = timedelta(hours=12)
LOGIN_LINK_VALID = timedelta(minutes=15)


class TokenStore(Protocol):
    def add(self, token: AccessToken, secret_hash: str) -> None: ...
    def by_hash(self, secret_hash: str) -> AccessToken | None: ...
    def get(self, token_id: str) -> AccessToken | None: ...
    def all(self) -> list[AccessToken]: ...
    def revoke(self, token_id: str, at: datetime) -> None:
        """Revoke the token (if not yet) and every session it signed in."""
        ...


class LoginLinkStore(Protocol):
    def add(self, link: LoginLink, secret_hash: str) -> None: ...
    def take(self, secret_hash: str, at: datetime) -> LoginLink | None:
        """The link as it was found, marked used at `at` in the same transaction when it
        still could sign in (`LoginLink.refusal` is None); None when there is no such link."""
        ...


class RateLimits(Protocol):
    def take(self, scope: str, client: str, limit: Limit, at: datetime) -> bool:
        """Count one action by `client` in `scope` at `at`; False (and not counted) when
        `limit` is reached. Every hub process on the database counts together."""
        ...


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


def _new_session_id() -> str:
    return "ses_" + secrets.token_hex(6)


def _new_link_id() -> str:
    return "lnk_" + secrets.token_hex(6)


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
    if token.revoked_at is not None and token.kind is TokenKind.SESSION:
        raise Unauthenticated("session ended (logged out, or its token revoked)")
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


@dataclass(frozen=True, slots=True)
class IssuedLink:
    link: LoginLink
    code: str  # the last part of the link's URL, shown once, never stored


def issue_login_link(
    links: LoginLinkStore, at: datetime, label: str = "dashboard login link"
) -> IssuedLink:
    """An admin's link that signs one visit in to the dashboard, once, within 15 minutes."""
    link = LoginLink(_new_link_id(), Grant(Role.ADMIN), label, at, at + LOGIN_LINK_VALID)
    code = secrets.token_urlsafe(24)
    links.add(link, hash_secret(code))
    return IssuedLink(link, code)


def sign_in(store: TokenStore, secret: str | None, at: datetime) -> IssuedToken:
    """A new dashboard session for the holder of an admin token (or of a live session)."""
    token = authenticate(store, secret, at)
    require(token.grant, Action.VIEW_DASHBOARD)
    parent = token.parent if token.kind is TokenKind.SESSION else token.id
    return _session(store, token.grant, parent, at, token.expires_at)


def sign_in_with_link(
    links: LoginLinkStore, store: TokenStore, code: str, at: datetime
) -> IssuedToken:
    """A new dashboard session for a login link's visitor; the link is used up by it."""
    link = links.take(hash_secret(code), at) if 0 < len(code) <= MAX_SECRET_LENGTH else None
    if link is None:
        raise Unauthenticated("no such login link")
    refused = link.refusal(at)
    if refused is not None:
        raise Unauthenticated(refused)
    return _session(store, link.grant, link.id, at, None)


def sign_out(store: TokenStore, secret: str | None, at: datetime) -> None:
    """End the session whose secret this is, for every hub process. The token it was
    signed in with stays as it was: only its holder's revoke ends that."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return
    token = store.by_hash(hash_secret(secret))
    if token is not None and token.kind is TokenKind.SESSION:
        store.revoke(token.id, at)


def _session(
    store: TokenStore, grant: Grant, parent: str | None, at: datetime, ends: datetime | None
) -> IssuedToken:
    expires_at = at + SESSION_VALID if ends is None else min(at + SESSION_VALID, ends)
    session = AccessToken(
        _new_session_id(),
        grant,
        "dashboard session",
        at,
        expires_at,
        kind=TokenKind.SESSION,
        parent=parent,
    )
    secret = _new_secret()
    store.add(session, hash_secret(secret))
    return IssuedToken(session, secret)
