"""A promise on a SQLite hub (ADR 0037): the idempotency check and everything the promise
reads in one statement, each node's rights taken from that read in the same transaction, and
the writes as upserts that leave a row where it is. It took 19 statements an order before."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.demo.scenario import NODES
from microindex.domain.node import Location
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.service import promise
from tests.promise.conftest import Shop, close_shop, sqlite_shop

HACKNEY = Location(51.5400, -0.0600)


def _asked(shop: Shop, *lines: tuple[str, int]) -> OrderRequest:
    return OrderRequest(
        tuple(OrderLine(s, q) for s, q in lines), Method.LOCAL_DELIVERY, shop.clock(), HACKNEY
    )


def _statements(hub: SqlitePromiseDatabase, act: object) -> list[str]:
    seen: list[str] = []
    conn = hub.connection()
    conn.set_trace_callback(seen.append)
    try:
        assert callable(act)
        act()
    finally:
        conn.set_trace_callback(None)
    return seen


def test_a_one_node_promise_is_eleven_statements_on_sqlite(tmp_path: Path) -> None:
    """BEGIN, the read, the online rate, the node's rights, reservation, request and request
    number, the order, its part and event, COMMIT."""
    shop = sqlite_shop(tmp_path)
    try:
        shop.stock("shopfront", "MUG", 5)
        shop.stock("van", "MUG", 5)
        assert isinstance(shop.hub, SqlitePromiseDatabase)
        placed: list[promise.Placed] = []

        def place() -> None:
            placed.append(promise.place_order(shop.hub, "o-1", _asked(shop, ("MUG", 2)), NODES))

        ran = _statements(shop.hub, place)
        assert placed[0].created and len(placed[0].record.order.parts) == 1
        assert len(ran) <= 11, ran
        again = _statements(shop.hub, place)  # the key is known: the stored order is read back
        assert placed[1].created is False and placed[1].record == placed[0].record
        assert len(again) <= 5, again  # BEGIN, the read, the order, its parts, ROLLBACK
    finally:
        close_shop(shop)


def test_the_rights_read_with_the_view_are_read_again_in_a_later_transaction(
    tmp_path: Path,
) -> None:
    """A view answers `load_rights` only in the transaction that read it, before any write
    of rights: after a commit, another writer may have spent them."""
    shop = sqlite_shop(tmp_path)
    other = SqliteSyncDatabase(tmp_path / "hub.sqlite")
    try:
        shop.stock("shopfront", "MUG", 5)
        with shop.hub() as uow:
            view = uow.accounts.promise_view(["MUG"])
            assert uow.accounts.load_rights("shopfront", ["MUG"], view).h("MUG") == 5
            uow.commit()
            with other() as meanwhile:  # another process spends 2 between the transactions
                account = meanwhile.accounts.load_rights("shopfront", ["MUG"])
                account.reserve("elsewhere/shopfront/MUG", "MUG", 2, shop.clock())
                meanwhile.accounts.save(account)
                meanwhile.commit()
            assert uow.accounts.load_rights("shopfront", ["MUG"], view).h("MUG") == 3
        with shop.hub() as uow:
            view = uow.accounts.promise_view(["MUG"])
            account = uow.accounts.load_rights("shopfront", ["MUG"], view)
            account.reserve("mine/shopfront/MUG", "MUG", 1, shop.clock() + timedelta(days=1))
            uow.accounts.save(account)  # a write of rights: the view answers no more
            again = uow.accounts.load_rights("shopfront", ["MUG"], view)
            assert again.h("MUG") == 2
            assert again.next_request == account.next_request
    finally:
        other.close()
        close_shop(shop)


def test_rates_and_rights_written_over_keep_their_rows(tmp_path: Path) -> None:
    """The online rate and a node's rights are updated in place: read back as written, one
    row each, however often they change."""
    shop = sqlite_shop(tmp_path)
    try:
        shop.stock("shopfront", "MUG", 9)
        for i in range(3):
            placed = promise.place_order(shop.hub, f"o-{i}", _asked(shop, ("MUG", 1)), NODES).record
            assert list(placed.order.parts) == ["shopfront"]
        with shop.hub() as uow:
            assert uow.accounts.held("MUG")["shopfront"] == 6
            rate, at_s = uow.accounts.online_rates(["MUG"])["MUG"]
            assert rate > 0 and at_s == shop.clock().timestamp()
        assert isinstance(shop.hub, SqlitePromiseDatabase)
        conn = shop.hub.connection()
        counts = [
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("hub_online_rates", "hub_rights", "hub_reservations")
        ]
        assert counts == [1, 1, 3]
    finally:
        close_shop(shop)


def test_a_view_of_many_skus_reads_them_all(tmp_path: Path) -> None:
    """Past 500 SKUs the view binds them as one JSON list (SQLite limits bound parameters)."""
    shop = sqlite_shop(tmp_path)
    try:
        shop.stock("shopfront", "MUG", 5)
        shop.stock("van", "CUP", 2)
        many = [f"X-{i}" for i in range(20_000)] + ["MUG", "CUP"]
        with shop.hub() as uow:
            few, lots = uow.accounts.promise_view(["MUG", "CUP"]), uow.accounts.promise_view(many)
        assert lots.held == few.held == {"MUG": {"shopfront": 5}, "CUP": {"van": 2}}
        assert lots.epochs == few.epochs and lots.epoch == few.epoch
    finally:
        close_shop(shop)
