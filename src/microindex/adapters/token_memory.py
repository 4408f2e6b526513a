"""In-memory access stores (tokens, login links, rate limits): the fakes service tests use,
held to the stored adapters' contract."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from microindex.domain.access import AccessToken, LoginLink
from microindex.domain.limits import Limit


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
        for token in list(self._tokens.values()):
            if token_id in (token.id, token.parent) and token.revoked_at is None:
                self._tokens[token.id] = dataclasses.replace(token, revoked_at=at)


class MemoryLoginLinks:
    def __init__(self) -> None:
        self._links: dict[str, LoginLink] = {}

    def add(self, link: LoginLink, secret_hash: str) -> None:
        self._links[secret_hash] = link

    def take(self, secret_hash: str, at: datetime) -> LoginLink | None:
        link = self._links.get(secret_hash)
        if link is not None and link.refusal(at) is None:
            self._links[secret_hash] = dataclasses.replace(link, used_at=at)
        return link


class MemoryRateLimits:
    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], tuple[datetime, ...]] = {}

    def take(self, scope: str, client: str, limit: Limit, at: datetime) -> bool:
        admitted = limit.admit(self._hits.get((scope, client), ()), at)
        if admitted is not None:
            self._hits[scope, client] = admitted
        return admitted is not None
