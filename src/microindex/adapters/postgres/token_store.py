"""Access tokens, dashboard sessions and login links in the hub's PostgreSQL database: each
secret's hash, never the secret.

Given a way to reach the current thread's connection (`PostgresDatabase.connection`); each
call is its own transaction, or a savepoint inside the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from microindex.adapters.postgres.connection import Connection
from microindex.domain.access import AccessToken, Grant, LoginLink, Role, TokenKind

_COLUMNS = "id, role, node, label, created_at, expires_at, revoked_at, kind, parent"
_LINK_COLUMNS = "id, role, node, label, created_at, expires_at, used_at"


class PostgresTokenStore:
    def __init__(self, connection: Callable[[], Connection]) -> None:
        self._connection = connection

    def add(self, token: AccessToken, secret_hash: str) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                f"INSERT INTO access_tokens ({_COLUMNS}, secret_hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    token.id,
                    token.grant.role.value,
                    token.grant.node,
                    token.label,
                    token.created_at,
                    token.expires_at,
                    token.revoked_at,
                    token.kind.value,
                    token.parent,
                    secret_hash,
                ),
            )

    def by_hash(self, secret_hash: str) -> AccessToken | None:
        return self._one("secret_hash = %s", secret_hash)

    def get(self, token_id: str) -> AccessToken | None:
        return self._one("id = %s", token_id)

    def all(self) -> list[AccessToken]:
        conn = self._connection()
        with conn.transaction():
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM access_tokens ORDER BY created_at, id"
            ).fetchall()
        return [_token(row) for row in rows]

    def revoke(self, token_id: str, at: datetime) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "UPDATE access_tokens SET revoked_at = %s"
                " WHERE (id = %s OR parent = %s) AND revoked_at IS NULL",
                (at, token_id, token_id),
            )

    def _one(self, where: str, value: str) -> AccessToken | None:
        conn = self._connection()
        with conn.transaction():
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM access_tokens WHERE {where}", (value,)
            ).fetchone()
        return None if row is None else _token(row)


class PostgresLoginLinks:
    """One-time login links: a link is taken (its row locked, then marked used) in one
    transaction, so of two hub processes given the same link only one signs in."""

    def __init__(self, connection: Callable[[], Connection]) -> None:
        self._connection = connection

    def add(self, link: LoginLink, secret_hash: str) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                f"INSERT INTO login_links ({_LINK_COLUMNS}, secret_hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    link.id,
                    link.grant.role.value,
                    link.grant.node,
                    link.label,
                    link.created_at,
                    link.expires_at,
                    link.used_at,
                    secret_hash,
                ),
            )

    def take(self, secret_hash: str, at: datetime) -> LoginLink | None:
        conn = self._connection()
        with conn.transaction():
            row = conn.execute(
                f"SELECT {_LINK_COLUMNS} FROM login_links WHERE secret_hash = %s FOR UPDATE",
                (secret_hash,),
            ).fetchone()
            if row is None:
                return None
            link_id, role, node, label, created_at, expires_at, used_at = row
            link = LoginLink(
                link_id, Grant(Role(role), node), label, created_at, expires_at, used_at
            )
            if link.refusal(at) is None:
                conn.execute("UPDATE login_links SET used_at = %s WHERE id = %s", (at, link.id))
            return link


def _token(row: tuple[Any, ...]) -> AccessToken:
    token_id, role, node, label, created_at, expires_at, revoked_at, kind, parent = row
    grant = Grant(Role(role), node)
    return AccessToken(
        token_id, grant, label, created_at, expires_at, revoked_at, TokenKind(kind), parent
    )
