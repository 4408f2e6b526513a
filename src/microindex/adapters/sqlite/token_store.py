"""Access tokens, dashboard sessions and login links in the hub's SQLite file: each secret's
hash, never the secret.

The store is given a way to reach the current thread's connection (`SqliteDatabase.connection`),
since an API serves each request on a worker thread. Each write is its own BEGIN IMMEDIATE
transaction, or a savepoint inside the caller's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from microindex.adapters.sqlite.connection import writing
from microindex.domain.access import AccessToken, Grant, LoginLink, Role, TokenKind

_COLUMNS = "id, role, node, label, created_at, expires_at, revoked_at, kind, parent"
_LINK_COLUMNS = "id, role, node, label, created_at, expires_at, used_at"


class SqliteTokenStore:
    def __init__(self, connection: Callable[[], sqlite3.Connection]) -> None:
        self._connection = connection

    def add(self, token: AccessToken, secret_hash: str) -> None:
        with writing(self._connection(), "access_tokens") as conn:
            conn.execute(
                f"INSERT INTO access_tokens ({_COLUMNS}, secret_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token.id,
                    token.grant.role.value,
                    token.grant.node,
                    token.label,
                    token.created_at.isoformat(),
                    _iso(token.expires_at),
                    _iso(token.revoked_at),
                    token.kind.value,
                    token.parent,
                    secret_hash,
                ),
            )

    def by_hash(self, secret_hash: str) -> AccessToken | None:
        return self._one("secret_hash = ?", secret_hash)

    def get(self, token_id: str) -> AccessToken | None:
        return self._one("id = ?", token_id)

    def all(self) -> list[AccessToken]:
        rows = self._connection().execute(
            f"SELECT {_COLUMNS} FROM access_tokens ORDER BY created_at, id"
        )
        return [_token(row) for row in rows]

    def revoke(self, token_id: str, at: datetime) -> None:
        with writing(self._connection(), "access_tokens") as conn:
            conn.execute(
                "UPDATE access_tokens SET revoked_at = ?"
                " WHERE (id = ? OR parent = ?) AND revoked_at IS NULL",
                (at.isoformat(), token_id, token_id),
            )

    def _one(self, where: str, value: str) -> AccessToken | None:
        row = (
            self._connection()
            .execute(f"SELECT {_COLUMNS} FROM access_tokens WHERE {where}", (value,))
            .fetchone()
        )
        return None if row is None else _token(row)


class SqliteLoginLinks:
    """One-time login links: a link is taken (marked used) in one BEGIN IMMEDIATE
    transaction, so of two hub processes given the same link only one signs in."""

    def __init__(self, connection: Callable[[], sqlite3.Connection]) -> None:
        self._connection = connection

    def add(self, link: LoginLink, secret_hash: str) -> None:
        with writing(self._connection(), "access_tokens") as conn:
            conn.execute(
                f"INSERT INTO login_links ({_LINK_COLUMNS}, secret_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    link.id,
                    link.grant.role.value,
                    link.grant.node,
                    link.label,
                    link.created_at.isoformat(),
                    link.expires_at.isoformat(),
                    _iso(link.used_at),
                    secret_hash,
                ),
            )

    def take(self, secret_hash: str, at: datetime) -> LoginLink | None:
        with writing(self._connection(), "access_tokens") as conn:
            row = conn.execute(
                f"SELECT {_LINK_COLUMNS} FROM login_links WHERE secret_hash = ?", (secret_hash,)
            ).fetchone()
            if row is None:
                return None
            link = _link(row)
            if link.refusal(at) is None:
                conn.execute(
                    "UPDATE login_links SET used_at = ? WHERE id = ?", (at.isoformat(), link.id)
                )
            return link


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _token(row: tuple[Any, ...]) -> AccessToken:
    token_id, role, node, label, created_at, expires_at, revoked_at, kind, parent = row
    return AccessToken(
        id=token_id,
        grant=Grant(Role(role), node),
        label=label,
        created_at=datetime.fromisoformat(created_at),
        expires_at=_time(expires_at),
        revoked_at=_time(revoked_at),
        kind=TokenKind(kind),
        parent=parent,
    )


def _link(row: tuple[Any, ...]) -> LoginLink:
    link_id, role, node, label, created_at, expires_at, used_at = row
    return LoginLink(
        id=link_id,
        grant=Grant(Role(role), node),
        label=label,
        created_at=datetime.fromisoformat(created_at),
        expires_at=datetime.fromisoformat(expires_at),
        used_at=_time(used_at),
    )
