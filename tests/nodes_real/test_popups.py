"""Pop-ups: dates, an assortment and its fill from home before opening, the rest home after."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.postgres.rounds_store import PostgresRoundsDatabase
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sqlite.rounds_store import SqliteRoundsDatabase
from microindex.demo.scenario import NODES
from microindex.domain.codes import NodeCode
from microindex.domain.errors import InvalidValue
from microindex.domain.movement import MovementKind
from microindex.domain.node import Location, Node, NodeKind
from microindex.domain.popup import PopUp, assortment, fill
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.transfer import TransferState
from microindex.service import nodes as node_service
from microindex.service import popups, promise, sync, transfers
from microindex.service import stock as stock_service
from microindex.service.node_ops_ports import NodeOpsFactory
from microindex.service.rounds_ports import RoundsFactory
from tests.nodes_real.conftest import LAMP, MUG, RoundsHub, Site

FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
STALL = Node(
    NodeCode("market-stall"), NodeKind.POPUP, "Broadway Market stall", Location(51.53, -0.06)
)
WEEKEND = PopUp("market-stall", "shopfront", date(2026, 11, 28), date(2026, 11, 29))


@dataclass
class Market:
    hub: SqlitePromiseDatabase | PostgresPromiseDatabase
    nodes: dict[str, SqliteSyncDatabase]
    ops: NodeOpsFactory
    rounds: RoundsFactory

    def move(self, node: str, sku: str, kind: MovementKind, quantity: int, at: datetime) -> None:
        stock_service.record_movement(self.nodes[node], node, sku, kind, quantity, at)


@pytest.fixture
def market(rounds_hub: RoundsHub, tmp_path: Path) -> Iterator[Market]:
    hub = rounds_hub.hub
    with hub() as uow:
        uow.catalog.upsert([MUG, LAMP])
        uow.commit()
    for node in NODES:
        node_service.add_node(hub, node)
    nodes = {}
    for code in ("shopfront", "market-stall"):
        nodes[code] = SqliteSyncDatabase(tmp_path / f"{code}.sqlite")
        nodes[code].migrate()
        with nodes[code]() as uow:
            uow.catalog.upsert([MUG, LAMP])
            uow.commit()
    made = Market(hub, nodes, rounds_hub.ops, rounds_hub.rounds)
    popups.add(hub, made.rounds, WEEKEND, STALL)
    made.move("shopfront", "MUG", MovementKind.RECEIVE, 40, FRIDAY - timedelta(weeks=4))
    made.move("shopfront", "LAMP", MovementKind.RECEIVE, 5, FRIDAY - timedelta(weeks=4))
    for day in range(28):
        made.move("shopfront", "MUG", MovementKind.SELL, -1, FRIDAY - timedelta(days=day + 1))
    made.move("shopfront", "LAMP", MovementKind.SELL, -1, FRIDAY - timedelta(days=3))
    yield made
    for database in nodes.values():
        database.close()


def test_a_popup_closes_after_it_opens() -> None:
    with pytest.raises(InvalidValue):
        PopUp("market-stall", "shopfront", date(2026, 11, 29), date(2026, 11, 28))
    assert WEEKEND.days == 2 and WEEKEND.is_open(date(2026, 11, 29))


def test_the_assortment_covers_the_event_and_home_sends_no_more_than_it_has() -> None:
    wanted = assortment({"MUG": 2.0, "LAMP": 0.1, "VASE": 0.0}, days=3, size=5)
    assert wanted == {"MUG": 6, "LAMP": 1}
    assert fill(wanted, {"MUG": 2}, {"MUG": 3, "LAMP": 0}) == {"MUG": 3}


def test_a_new_popup_is_planned_from_the_networks_best_sellers(market: Market) -> None:
    plan = popups.plan(
        market.hub, market.nodes, market.rounds, market.ops, "market-stall", FRIDAY, UTC
    )
    assert plan.basis == "best sellers"
    assert plan.wanted == {"MUG": 1, "LAMP": 1}
    assert plan.transfer is not None
    assert plan.transfer.sender == "shopfront" and plan.transfer.receiver == "market-stall"
    assert plan.transfer.requested == {"MUG": 1, "LAMP": 1}
    assert plan.transfer.state is TransferState.REQUESTED
    again = popups.plan(
        market.hub, market.nodes, market.rounds, market.ops, "market-stall", FRIDAY, UTC
    )
    assert again.transfer is not None and again.transfer.ident == plan.transfer.ident


def test_a_popup_planned_again_after_its_fill_was_called_off_gets_a_new_transfer(
    market: Market,
) -> None:
    first = popups.plan(
        market.hub, market.nodes, market.rounds, market.ops, "market-stall", FRIDAY, UTC
    )
    assert first.transfer is not None
    transfers.cancel(market.ops, first.transfer.ident, FRIDAY)
    again = popups.plan(
        market.hub, market.nodes, market.rounds, market.ops, "market-stall", FRIDAY, UTC
    )
    assert again.transfer is not None
    assert again.transfer.ident == f"{first.transfer.ident}:2"
    assert again.transfer.state is TransferState.REQUESTED
    assert again.transfer.requested == first.transfer.requested


def test_a_popup_that_has_sold_before_is_planned_from_its_own_triage(market: Market) -> None:
    last_event = FRIDAY - timedelta(weeks=2)
    market.move("market-stall", "LAMP", MovementKind.RECEIVE, 3, last_event)
    market.move("market-stall", "LAMP", MovementKind.SELL, -3, last_event + timedelta(hours=3))
    plan = popups.plan(
        market.hub, market.nodes, market.rounds, market.ops, "market-stall", FRIDAY, UTC
    )
    assert plan.basis == "triage" and "LAMP" in plan.wanted


def test_when_the_popup_closes_the_rest_goes_home(market: Market) -> None:
    sunday = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    market.move("market-stall", "MUG", MovementKind.TRANSFER_IN, 4, FRIDAY)
    market.move("market-stall", "MUG", MovementKind.SELL, -3, sunday - timedelta(hours=4))
    home = popups.close(market.nodes, market.rounds, market.ops, "market-stall", sunday)
    assert home is not None
    assert (home.sender, home.receiver, home.requested) == ("market-stall", "shopfront", {"MUG": 1})
    assert popups.close(market.nodes, market.rounds, market.ops, "market-stall", sunday) == home


def test_an_unknown_popup_is_refused(market: Market) -> None:
    with pytest.raises(popups.UnknownPopUp):
        popups.close(market.nodes, market.rounds, market.ops, "shopfront", FRIDAY)


@dataclass
class Claimed:
    """The shopfront synced with a real hub: 4 mugs left after selling 2 a day for four weeks,
    3 of them promised to a web order for pickup."""

    site: Site
    rounds: RoundsFactory
    order: str

    def set_aside(self) -> tuple[tuple[str, int], ...]:
        with self.site.shop.nodes["shopfront"]() as uow:
            return sync.load_side(uow, "shopfront").get("MUG").reserved


@pytest.fixture
def claimed(site: Site, tmp_path: Path) -> Claimed:
    shop = site.shop
    hub = shop.hub
    assert isinstance(hub, SqlitePromiseDatabase | PostgresPromiseDatabase)
    rounds: RoundsFactory = (
        SqliteRoundsDatabase(hub)
        if isinstance(hub, SqlitePromiseDatabase)
        else PostgresRoundsDatabase(hub)
    )
    stall = SqliteSyncDatabase(tmp_path / "market-stall.sqlite")
    stall.migrate()
    shop.nodes["market-stall"] = stall  # closed with the shop's nodes
    for node in NODES:
        node_service.add_node(shop.hub, node)
    popups.add(shop.hub, rounds, WEEKEND, STALL)
    now = shop.clock()
    with shop.nodes["shopfront"]() as uow:
        ledger = uow.ledger.load("shopfront", ["MUG"])
        ledger.record("MUG", MovementKind.RECEIVE, 60, now - timedelta(days=29))
        for day in range(1, 29):
            ledger.record("MUG", MovementKind.SELL, -2, now - timedelta(days=day))
        uow.ledger.save(ledger)
        uow.commit()
    shop.sync("shopfront")
    request = OrderRequest((OrderLine("MUG", 3),), Method.PICKUP, now, pickup_node="shopfront")
    placed = promise.place_order(shop.hub, "web-1", request, NODES)
    return Claimed(site, rounds, placed.record.order.ident)


@pytest.mark.parametrize("reached_the_shop", [False, True], ids=["promised", "set-aside"])
def test_a_popup_is_filled_only_with_what_no_order_has_claimed(
    claimed: Claimed, reached_the_shop: bool
) -> None:
    shop, ops = claimed.site.shop, claimed.site.ops
    if reached_the_shop:
        shop.sync("shopfront")  # the set-aside is applied: 3 mugs put by for the order
        put_by = promise.reservation_id(claimed.order, "shopfront", "MUG")
        assert claimed.set_aside() == ((put_by, 3),)
    plan = popups.plan(shop.hub, shop.nodes, claimed.rounds, ops, "market-stall", shop.clock(), UTC)
    assert plan.wanted == {"MUG": 2}
    assert plan.transfer is not None and plan.transfer.requested == {"MUG": 1}  # 4 - 3 claimed
    ident, ask = plan.transfer.ident, shop.asking("shopfront")
    shipped = transfers.ship(ops, shop.nodes["shopfront"], ident, shop.clock(), "shop", ask=ask)
    assert shipped.state is TransferState.IN_TRANSIT and shipped.shipped == {"MUG": 1}
    with shop.hub() as uow:
        reservation = uow.accounts.reservation(
            promise.reservation_id(claimed.order, "shopfront", "MUG")
        )
    assert reservation is not None and reservation.open and reservation.quantity == 3
