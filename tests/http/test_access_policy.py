"""The access policy (pure) and the token service, through every token store."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.sqlite.token_store import SqliteTokenStore
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.adapters.token_memory import MemoryTokenStore
from microindex.demo.scenario import NODES
from microindex.domain.access import (
    NODE_ACTIONS,
    Action,
    Grant,
    Role,
    Unauthenticated,
    UnknownToken,
    may,
)
from microindex.domain.errors import InvalidValue, UnknownNode
from microindex.service import access
from microindex.service.nodes import add_node
from microindex.service.ports import UnitOfWorkFactory

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
ADMIN = Grant(Role.ADMIN)
VAN = Grant(Role.STAFF, "van")
CHANNEL = Grant(Role.CHANNEL)


@pytest.mark.parametrize("action", list(Action))
def test_an_admin_may_do_everything_anywhere(action: Action) -> None:
    assert may(ADMIN, action, "van") and may(ADMIN, action, None)


@pytest.mark.parametrize("action", sorted(NODE_ACTIONS))
def test_staff_act_for_their_own_node_only(action: Action) -> None:
    assert may(VAN, action, "van")
    assert not may(VAN, action, "locker")
    assert not may(VAN, action, None)


@pytest.mark.parametrize(
    "action",
    [
        Action.WRITE_CATALOG,
        Action.MANAGE_NODES,
        Action.MANAGE_TOKENS,
        Action.VIEW_DASHBOARD,
        Action.GOVERN,
    ],
)
def test_staff_and_channels_may_not_run_the_shop(action: Action) -> None:
    assert not may(VAN, action, "van")
    assert not may(CHANNEL, action, None)


def test_a_channel_reads_catalog_nodes_and_stock_and_writes_only_orders_and_returns() -> None:
    allowed = {a for a in Action if may(CHANNEL, a, "van")}
    reads = {Action.READ_CATALOG, Action.READ_NODES, Action.READ_STOCK}
    orders = {Action.PLACE_ORDER, Action.READ_ORDERS, Action.CANCEL_ORDER, Action.OPEN_RETURN}
    assert allowed == reads | orders


def test_staff_pack_and_handle_returns_at_their_node_only() -> None:
    for action in (Action.PACK, Action.HANDLE_RETURNS, Action.OPEN_RETURN):
        assert may(VAN, action, "van") and not may(VAN, action, "locker")
    assert not may(CHANNEL, Action.PACK, "van") and not may(CHANNEL, Action.HANDLE_RETURNS, None)


def test_staff_advance_and_read_orders_at_their_node_but_neither_place_nor_cancel() -> None:
    assert may(VAN, Action.ADVANCE_ORDER, "van") and may(VAN, Action.READ_ORDERS, "van")
    assert not may(VAN, Action.PLACE_ORDER, "van") and not may(VAN, Action.CANCEL_ORDER, "van")
    assert not may(CHANNEL, Action.ADVANCE_ORDER, "van")


def test_a_staff_grant_needs_a_node_and_other_grants_refuse_one() -> None:
    with pytest.raises(InvalidValue):
        Grant(Role.STAFF)
    with pytest.raises(InvalidValue):
        Grant(Role.ADMIN, "van")
    with pytest.raises(InvalidValue):
        Grant(Role.STAFF, "Not A Code")


@pytest.fixture
def hub(tmp_path: Path) -> UnitOfWorkFactory:
    database = MemoryDatabase()
    for node in NODES:
        add_node(database, node)
    return database


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[access.TokenStore]:
    if request.param == "memory":
        yield MemoryTokenStore()
        return
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "hub.sqlite")
        database.migrate()
        yield SqliteTokenStore(database.connection)
        database.close()
        return
    from microindex.adapters.postgres.token_store import PostgresTokenStore
    from microindex.adapters.postgres.unit_of_work import PostgresDatabase

    new_schema: Callable[[], str] = request.getfixturevalue("new_postgres_schema")
    pg = PostgresDatabase(request.getfixturevalue("postgres_url"), new_schema())
    pg.migrate()
    yield PostgresTokenStore(pg.connection)
    pg.close()


def test_an_issued_token_authenticates_by_its_secret_which_is_stored_only_hashed(
    store: access.TokenStore, hub: UnitOfWorkFactory
) -> None:
    issued = access.issue(store, hub, VAN, AT, "van phone")
    assert issued.secret.startswith("mi_") and len(issued.secret) > 40
    found = access.authenticate(store, issued.secret, AT)
    assert found == issued.token and found.grant == VAN
    assert store.by_hash(issued.secret) is None
    assert store.by_hash(access.hash_secret(issued.secret)) == issued.token


def test_a_revoked_token_no_longer_authenticates(
    store: access.TokenStore, hub: UnitOfWorkFactory
) -> None:
    issued = access.issue(store, hub, ADMIN, AT)
    revoked = access.revoke(store, issued.token.id, AT + timedelta(minutes=1))
    assert revoked.revoked_at == AT + timedelta(minutes=1)
    with pytest.raises(Unauthenticated, match="revoked"):
        access.authenticate(store, issued.secret, AT + timedelta(minutes=2))
    again = access.revoke(store, issued.token.id, AT + timedelta(hours=1))
    assert again.revoked_at == AT + timedelta(minutes=1)


def test_an_expired_token_no_longer_authenticates(
    store: access.TokenStore, hub: UnitOfWorkFactory
) -> None:
    issued = access.issue(store, hub, ADMIN, AT, expires_at=AT + timedelta(hours=1))
    assert access.authenticate(store, issued.secret, AT + timedelta(minutes=59))
    with pytest.raises(Unauthenticated, match="expired"):
        access.authenticate(store, issued.secret, AT + timedelta(hours=1))


@pytest.mark.parametrize("secret", [None, "", "mi_not-a-token", "x" * 10_000])
def test_a_missing_or_unknown_secret_is_unauthenticated(
    store: access.TokenStore, secret: str | None
) -> None:
    with pytest.raises(Unauthenticated):
        access.authenticate(store, secret, AT)


def test_tokens_list_in_issue_order_and_unknown_ids_cannot_be_revoked(
    store: access.TokenStore, hub: UnitOfWorkFactory
) -> None:
    first = access.issue(store, hub, ADMIN, AT, "owner")
    second = access.issue(store, hub, CHANNEL, AT + timedelta(seconds=1), "google feed")
    assert [t.id for t in access.list_tokens(store)] == [first.token.id, second.token.id]
    with pytest.raises(UnknownToken):
        access.revoke(store, "tok_nope", AT)


def test_a_staff_token_needs_a_registered_node(
    store: access.TokenStore, hub: UnitOfWorkFactory
) -> None:
    with pytest.raises(UnknownNode):
        access.issue(store, hub, Grant(Role.STAFF, "bench"), AT)
    assert access.list_tokens(store) == []
