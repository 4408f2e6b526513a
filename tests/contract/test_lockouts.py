"""Rate limits, login links and sessions kept in the hub's database: the same contract on
memory, SQLite and PostgreSQL, and with two handles on one database (two hub processes) the
limit and the one-time link hold across both."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.postgres.rate_limit_store import PostgresRateLimits
from microindex.adapters.postgres.token_store import PostgresLoginLinks, PostgresTokenStore
from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from microindex.adapters.sqlite.rate_limit_store import SqliteRateLimits
from microindex.adapters.sqlite.token_store import SqliteLoginLinks, SqliteTokenStore
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.adapters.token_memory import MemoryLoginLinks, MemoryRateLimits, MemoryTokenStore
from microindex.domain.access import Grant, LoginLink, Role, TokenKind, Unauthenticated
from microindex.domain.limits import Limit
from microindex.service import access
from microindex.service.access import LoginLinkStore, RateLimits, TokenStore
from microindex.service.ports import UnitOfWorkFactory

from .conftest import POSTGRES, Databases, StoredDatabase

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
THREE_AN_HOUR = Limit(3, timedelta(hours=1))
ADMIN = Grant(Role.ADMIN)


@dataclass
class Stores:
    tokens: TokenStore
    links: LoginLinkStore
    limits: RateLimits


def _stores(database: StoredDatabase) -> Stores:
    if isinstance(database, SqliteDatabase):
        lite = database.connection
        return Stores(SqliteTokenStore(lite), SqliteLoginLinks(lite), SqliteRateLimits(lite))
    pg = database.connection
    return Stores(PostgresTokenStore(pg), PostgresLoginLinks(pg), PostgresRateLimits(pg))


def _another_process(databases: Databases, first: StoredDatabase) -> StoredDatabase:
    """A second handle on the same database, as a second hub process opens it."""
    second: StoredDatabase
    if isinstance(first, SqliteDatabase):
        second = SqliteDatabase(first.path)
    else:
        second = PostgresDatabase(first.url, first.schema)
    databases._opened.append(second)
    return second


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores(MemoryTokenStore(), MemoryLoginLinks(), MemoryRateLimits())
        return
    databases = Databases(request.param, tmp_path, request, from_empty=False)
    yield _stores(databases.open())
    databases.close()


def _link(links: LoginLinkStore, code: str, at: datetime = NOW) -> LoginLink:
    link = LoginLink(f"lnk_{code}", ADMIN, "test", at, at + access.LOGIN_LINK_VALID)
    links.add(link, access.hash_secret(code))
    return link


def test_a_client_takes_its_limit_within_the_window_and_again_once_it_slides(
    stores: Stores,
) -> None:
    limits = stores.limits
    minutes = [NOW + timedelta(minutes=m) for m in (0, 10, 20, 30)]
    assert [limits.take("hold", "10.0.0.1", THREE_AN_HOUR, at) for at in minutes] == [
        True,
        True,
        True,
        False,
    ]
    assert limits.take("hold", "10.0.0.2", THREE_AN_HOUR, minutes[3])  # another client
    assert limits.take("login", "10.0.0.1", THREE_AN_HOUR, minutes[3])  # another scope
    # a refused try is not counted: the first slot frees after an hour
    assert not limits.take("hold", "10.0.0.1", THREE_AN_HOUR, NOW + timedelta(minutes=59))
    assert limits.take("hold", "10.0.0.1", THREE_AN_HOUR, NOW + timedelta(minutes=61))
    assert not limits.take("hold", "10.0.0.1", THREE_AN_HOUR, NOW + timedelta(minutes=62))


def test_a_client_idle_for_a_whole_window_starts_afresh(stores: Stores) -> None:
    for _ in range(3):
        assert stores.limits.take("hold", "phone", THREE_AN_HOUR, NOW)
    later = NOW + timedelta(hours=3)
    assert stores.limits.take("hold", "other", THREE_AN_HOUR, later)  # forgets idle clients
    assert [stores.limits.take("hold", "phone", THREE_AN_HOUR, later) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]


def test_a_login_link_is_taken_once_and_not_after_it_runs_out(stores: Stores) -> None:
    _link(stores.links, "fresh")
    _link(stores.links, "old")
    first = access.sign_in_with_link(stores.links, stores.tokens, "fresh", NOW)
    assert first.token.kind is TokenKind.SESSION and first.token.parent == "lnk_fresh"
    with pytest.raises(Unauthenticated, match="used already"):
        access.sign_in_with_link(stores.links, stores.tokens, "fresh", NOW)
    late = NOW + access.LOGIN_LINK_VALID
    with pytest.raises(Unauthenticated, match="expired"):
        access.sign_in_with_link(stores.links, stores.tokens, "old", late)
    with pytest.raises(Unauthenticated, match="no such login link"):
        access.sign_in_with_link(stores.links, stores.tokens, "never-made", NOW)


def test_logout_and_revoking_the_parent_end_sessions_and_keep_other_tokens(stores: Stores) -> None:
    issued = access.issue(stores.tokens, _no_hub(), ADMIN, NOW, "owner")
    first = access.sign_in(stores.tokens, issued.secret, NOW)
    second = access.sign_in(stores.tokens, issued.secret, NOW)
    access.sign_out(stores.tokens, first.secret, NOW)
    with pytest.raises(Unauthenticated, match="session ended"):
        access.authenticate(stores.tokens, first.secret, NOW)
    assert access.authenticate(stores.tokens, second.secret, NOW).id == second.token.id
    assert access.authenticate(stores.tokens, issued.secret, NOW).id == issued.token.id
    access.revoke(stores.tokens, issued.token.id, NOW)
    with pytest.raises(Unauthenticated, match="session ended"):
        access.authenticate(stores.tokens, second.secret, NOW)
    kinds = {t.id: t.kind for t in access.list_tokens(stores.tokens)}
    assert kinds == {
        issued.token.id: TokenKind.TOKEN,
        first.token.id: TokenKind.SESSION,
        second.token.id: TokenKind.SESSION,
    }


def test_a_session_ends_no_later_than_its_token_or_twelve_hours(stores: Stores) -> None:
    short = access.issue(stores.tokens, _no_hub(), ADMIN, NOW, "", NOW + timedelta(hours=1))
    lasting = access.issue(stores.tokens, _no_hub(), ADMIN, NOW, "")
    assert (
        access.sign_in(stores.tokens, short.secret, NOW).token.expires_at == short.token.expires_at
    )
    session = access.sign_in(stores.tokens, lasting.secret, NOW).token
    assert session.expires_at == NOW + access.SESSION_VALID


def _together(calls: list[Callable[[], bool]]) -> list[bool]:
    """Run the calls at the same moment on threads; their answers in order."""
    answers: list[bool] = [False] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_two_hub_processes_count_one_limit_together(databases: Databases) -> None:
    first = databases.open()
    processes = [_stores(first).limits, _stores(_another_process(databases, first)).limits]
    limit = Limit(5, timedelta(minutes=30))

    def take(i: int) -> Callable[[], bool]:
        return lambda: processes[i % 2].take("hold", "phone", limit, NOW)

    assert sum(_together([take(i) for i in range(12)])) == 5
    assert not processes[0].take("hold", "phone", limit, NOW)
    assert not processes[1].take("hold", "phone", limit, NOW)


def test_of_two_hub_processes_given_one_login_link_only_one_signs_in(
    databases: Databases,
) -> None:
    first = databases.open()
    processes = [_stores(first), _stores(_another_process(databases, first))]
    _link(processes[0].links, "once")

    def use(stores: Stores) -> Callable[[], bool]:
        def sign_in() -> bool:
            try:
                access.sign_in_with_link(stores.links, stores.tokens, "once", NOW)
            except Unauthenticated:
                return False
            return True

        return sign_in

    assert sorted(_together([use(processes[i % 2]) for i in range(6)])) == [False] * 5 + [True]


def _no_hub() -> UnitOfWorkFactory:
    """Admin tokens name no node, so `issue` never opens the hub."""

    def refuse() -> object:
        raise AssertionError("an admin token needs no hub")

    return refuse  # type: ignore[return-value]
