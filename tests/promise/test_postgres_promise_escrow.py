"""On PostgreSQL a promise reserves from the rights its view read and takes the node's lock only
with its commit (ADR 0032): the escrow test is repeated there, and rights another buyer took
meanwhile refuse the whole unit of work, as NotEnoughRights, with nothing of it written."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from microindex.adapters.postgres.connection import exchange
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.postgres.promise_schema import text_array
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.demo.scenario import NODES
from microindex.domain.movement import MovementKind
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import Event, Order, Part, Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.sync.account import NotEnoughRights
from microindex.service import promise
from microindex.service.promise_ports import OrderRecord
from tests.promise.conftest import Shop, close_shop, open_shop

pytestmark = pytest.mark.postgres

SKU = "MUG-O'Brien\"\\%s;--"  # quotes, a backslash and a placeholder: values, never SQL
KEY = "o-'1'\\\"%(x)s"
HACKNEY = Location(51.5400, -0.0600)


@pytest.fixture
def shop(
    new_postgres_schema: Callable[[], str], postgres_url: str, tmp_path: Path
) -> Iterator[Shop]:
    made = open_shop(PostgresPromiseDatabase(postgres_url, new_postgres_schema()), tmp_path)
    yield made
    close_shop(made)


def _asked(shop: Shop, units: int, method: Method = Method.SHIP, sku: str = SKU) -> OrderRequest:
    return OrderRequest((OrderLine(sku, units),), method, shop.clock(), HACKNEY)


def _record(shop: Shop, key: str) -> OrderRecord:
    at = shop.clock()
    order = Order(key, Method.SHIP, at, at, {"shopfront": Part("shopfront", ((SKU, 2),))})
    order.events.append(Event(key, "shopfront", Step.PROMISED, at))
    return OrderRecord(order, "digest", {"lines": [[SKU, 2]]}, ("chose shopfront",), at)


def _state(shop: Shop) -> tuple[object, ...]:
    """What a promise writes: rights, reservations, requests, orders, rates, the peer's
    next request number."""
    with shop.hub() as uow:
        conn = uow.accounts._conn
        return tuple(
            conn.execute(query).fetchall()
            for query in (
                "SELECT node, sku, h, owed FROM hub_rights ORDER BY node, sku",
                "SELECT * FROM hub_reservations ORDER BY ident",
                "SELECT node, seq, kind, sku, quantity, ident FROM hub_requests ORDER BY 1, 2",
                "SELECT ident FROM orders UNION ALL SELECT ident FROM order_parts"
                " UNION ALL SELECT ident FROM order_events",
                "SELECT * FROM hub_online_rates ORDER BY sku",
                "SELECT node, next_request FROM sync_peers ORDER BY node",
            )
        )


def test_rights_taken_after_the_view_refuse_the_commit_and_leave_nothing_written(
    shop: Shop,
) -> None:
    shop.stock("shopfront", SKU, 2)
    assert isinstance(shop.hub, PostgresPromiseDatabase)
    other = PostgresPromiseDatabase(shop.hub.url, shop.hub.schema)  # another worker
    try:
        with shop.hub() as uow:
            known, view = uow.placed_and_view(KEY, [SKU])
            assert known is None and view.held[SKU]["shopfront"] == 2
            account = uow.accounts.load_rights("shopfront", [SKU], view)
            account.reserve(f"{KEY}/shopfront/{SKU}", SKU, 2, shop.clock() + timedelta(days=1))
            uow.accounts.save(account)
            uow.accounts.set_online_rates({SKU: (1.0, 2.0)})
            uow.orders.add(_record(shop, KEY))
            # meanwhile another worker promises the same two units: nothing here locked them
            assert promise.place_order(other, "o-2", _asked(shop, 2), NODES).created
            before = _state(shop)
            with pytest.raises(NotEnoughRights) as refused:
                uow.commit()
        assert (refused.value.sku, refused.value.node) == (SKU, "shopfront")
        assert (refused.value.requested, refused.value.held) == (2, 0)
        assert _state(shop) == before  # nothing of the refused unit of work
        assert promise.get_order(shop.hub, "o-2").order.parts["shopfront"].lines == ((SKU, 2),)
        with pytest.raises(promise.UnknownOrder):
            promise.get_order(shop.hub, KEY)
    finally:
        other.close()


def test_a_promise_writes_on_postgresql_what_it_writes_on_sqlite(
    shop: Shop, tmp_path: Path
) -> None:
    """The same orders on both hubs leave the same accounts (rights, reservations, requests
    numbered in turn) and the same orders and steps."""
    (tmp_path / "lite").mkdir()
    lite = open_shop(SqlitePromiseDatabase(tmp_path / "lite" / "hub.sqlite"), tmp_path / "lite")
    try:
        found: list[Any] = []
        for hub in (shop, lite):
            hub.stock("shopfront", SKU, 3)
            hub.stock("van", SKU, 2)
            for i, units in enumerate((2, 2, 1)):
                asked = _asked(hub, units, Method.LOCAL_DELIVERY)
                promise.place_order(hub.hub, f"{KEY}-{i}", asked, NODES)
            with hub.hub() as uow:
                loaded = [uow.accounts.load(node) for node in ("shopfront", "van")]
                records = [uow.orders.get(f"{KEY}-{i}") for i in range(3)]
                steps = [uow.orders.history(f"{KEY}-{i}") for i in range(3)]
            accounts = [(a.held, a.reservations, a.requests, a.next_request) for a in loaded]
            orders = [(r.order.parts, r.why) for r in records if r is not None]
            found.append((accounts, orders, steps))
        assert found[0] == found[1]
        accounts, orders, _ = found[0]
        assert len(orders) == 3 and all(requests for _, _, requests, _ in accounts)
    finally:
        close_shop(lite)


def test_a_read_after_a_save_from_the_view_sees_what_it_spent(shop: Shop) -> None:
    """The held-back `rights_spend` goes first when the unit of work reads the rights or
    reservations it writes."""
    shop.stock("shopfront", SKU, 3)
    ident = f"{KEY}/shopfront/{SKU}"
    with shop.hub() as uow:
        _, view = uow.placed_and_view(KEY, [SKU])
        account = uow.accounts.load_rights("shopfront", [SKU], view)
        account.reserve(ident, SKU, 2, shop.clock() + timedelta(days=1))
        uow.accounts.save(account)
        assert uow.accounts.held(SKU) == {"shopfront": 1}
        reserved = uow.accounts.reservation(ident)
        assert reserved is not None and reserved.quantity == 2
        uow.commit()
    with shop.hub() as uow:
        requests = uow.accounts.load("shopfront").requests
    assert [(q.kind.value, q.sku, q.quantity, q.ident) for q in requests.values()] == [
        ("setaside", SKU, 2, ident)
    ]


def test_skus_reach_promise_read_as_they_are(postgres_url: str) -> None:
    """The SKUs go as one `text[]` literal built here: separators, braces, quotes, backslashes,
    spaces and the word NULL come back as they were sent."""
    skus = [SKU, "a,b", "{c}", 'd"e', "f\\g", " h ", "NULL", "", "É\u202e"]
    with psycopg.connect(postgres_url) as conn:
        (result,) = exchange(conn, [("SELECT unnest(%s::text[])", (text_array(skus),))])
        assert [result.get_value(i, 0) for i in range(result.ntuples)] == [
            sku.encode() for sku in skus
        ]


def test_online_rates_beyond_json_are_written(shop: Shop) -> None:
    """`promise_write` takes the online rates as JSON, which has no infinity nor NaN: those go
    as text that float8 reads."""
    shop.stock("shopfront", SKU, 1)
    with shop.hub() as uow:
        uow.accounts.set_online_rates({SKU: (math.inf, 2.0), "other": (-math.inf, 0.5)})
        uow.commit()
    with shop.hub() as uow:
        rates = uow.accounts.online_rates([SKU, "other"])
    assert rates == {SKU: (math.inf, 2.0), "other": (-math.inf, 0.5)}


def test_a_promise_reads_and_writes_only_its_own_rows_however_many_skus_the_hub_holds(
    shop: Shop,
) -> None:
    """`promise_read` and `promise_write` run plans kept for the session (generic after the
    fifth call): each SKU's rows are found through an index, never by a sequential scan of
    the rights, rates, reservations, requests or orders."""
    skus = [f"{SKU}-{i:03d}" for i in range(300)]
    with shop.nodes["shopfront"]() as node:
        ledger = node.ledger.load("shopfront", skus)
        for sku in skus:
            ledger.record(sku, MovementKind.RECEIVE, 5, shop.clock())
        node.ledger.save(ledger)
        node.commit()
    shop.sync("shopfront")
    with shop.hub() as uow:
        rated = [*skus, *(f"other-{i}" for i in range(3000))]  # more than a few pages
        uow.accounts.set_online_rates({sku: (0.5, 1.0) for sku in rated})
        uow.commit()
    assert isinstance(shop.hub, PostgresPromiseDatabase)
    conn = shop.hub.connection()
    for table in ("hub_rights", "hub_walk_in_rates", "hub_online_rates"):
        conn.execute(f"ANALYZE {table}")
    conn.commit()
    for i in range(8):  # plans turn generic after five calls
        promise.place_order(shop.hub, f"warm-{i}", _asked(shop, 1, sku=skus[i]), NODES)
    with shop.hub() as uow:
        before = _rows_read(conn)
        known, view = uow.placed_and_view(KEY, [skus[100], skus[200]])
        assert known is None and view.held[skus[100]] == {"shopfront": 5}
        account = uow.accounts.load_rights("shopfront", [skus[100]], view)
        account.reserve(f"{KEY}/shopfront/x", skus[100], 2, shop.clock() + timedelta(days=1))
        uow.accounts.save(account)
        uow.accounts.set_online_rates({skus[100]: (1.0, 2.0)})
        uow.orders.add(_record(shop, KEY))
        assert uow.accounts.held(skus[100]) == {"shopfront": 3}  # sends the writes held back
        assert uow.orders.get(KEY) is not None  # (and the order)
        after = _rows_read(conn)
    tables = ("hub_rights", "hub_walk_in_rates", "hub_online_rates", "hub_reservations")
    for table in (*tables, "hub_requests", "orders", "order_parts", "order_events"):
        seq = after.get(table, (0, 0))[0] - before.get(table, (0, 0))[0]
        assert seq == 0, table


def _rows_read(conn: psycopg.Connection[Any]) -> dict[str, tuple[int, int]]:
    """This transaction's scans so far, by table: sequential scans, rows read by them."""
    rows = conn.execute(
        "SELECT relname, seq_scan, seq_tup_read FROM pg_stat_xact_user_tables"
        " WHERE schemaname = current_schema()"
    ).fetchall()
    return {str(name): (int(a), int(b)) for name, a, b in rows}


def test_a_promise_sees_the_walk_in_rates_of_heard_nodes_only(shop: Shop) -> None:
    """`promise_read` sends each SKU's walk-in rates as they are (ADR 0066): the rates of a
    node the hub has no peer row for stay out of the promise's view, as when the read joined
    them to the peers."""
    shop.stock("shopfront", SKU, 3)
    assert isinstance(shop.hub, PostgresPromiseDatabase)
    conn = shop.hub.connection()
    conn.execute(
        "INSERT INTO hub_walk_in_rates VALUES ('shopfront', %s, 0.5), ('ghost', %s, 9.0)"
        " ON CONFLICT (node, sku) DO UPDATE SET rate = excluded.rate",
        (SKU, SKU),
    )
    conn.commit()
    with shop.hub() as uow:
        known, view = uow.placed_and_view(KEY, [SKU])
    assert known is None
    assert view.walk_in == {"shopfront": {SKU: 0.5}}
    assert "ghost" not in view.epochs
