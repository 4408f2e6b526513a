"""In-memory token store: the fake service tests use, held to the SQLite store's contract."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from microindex.domain.access import AccessToken


class MemoryTokenStore:
    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._hashes: dict[str, str] = {}

    def add(self, token: AccessToken, secret_hash: str) -> None:
        if token.id in self._tokens or secret_hash in self._hashes:
            raise ValueError(f"token {token.id} or its secret is already stored")
        self._tokens[token.id] = token
        self._hashes[secret_hash] = token.id

    def by_hash(self, secret_hash: str) -> AccessToken | None:
        token_id = self._hashes.get(secret_hash)
        return None if token_id is None else self._tokens[token_id]

    def get(self, token_id: str) -> AccessToken | None:
        return self._tokens.get(token_id)

    def all(self) -> list[AccessToken]:
        return sorted(self._tokens.values(), key=lambda t: (t.created_at, t.id))

    def revoke(self, token_id: str, at: datetime) -> None:
        token = self._tokens.get(token_id)
        if token is not None and token.revoked_at is None:
            self._tokens[token_id] = dataclasses.replace(token, revoked_at=at)
