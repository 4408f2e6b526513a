"""A pickup at a node that lacks the goods, filled by moving them from a node that holds them."""

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from microindex.adapters.postgres.node_ops_store import PostgresNodeOps
from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.bootstrap import bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.codes import Sku
from microindex.domain.errors import DomainError, InvalidValue
from microindex.domain.money import Money
from microindex.domain.movement import MovementKind
from microindex.domain.product import Product
from microindex.domain.promise import transfers as transfers_domain
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.lifecycle import (
    ENDED,
    Order,
    Part,
    Step,
    StepRefused,
    arrival_id,
)
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import RULE_HELP, RULES, CannotPromise, check_chain, decide
from microindex.domain.promise.timing import travel
from microindex.domain.promise.transfers import COURIER_KMH, transfer_reach
from microindex.domain.sync.account import NodeAccount, NotEnoughRights, Reservation, State
from microindex.domain.sync.rights import Rights
from microindex.domain.transfer import (
    NotSetAside,
    OrderStillOpen,
    Transfer,
    TransferEvent,
    TransferRefused,
    TransferState,
)
from microindex.entrypoints.cli.app import app
from microindex.service import promise, rights, sync, transfers
from microindex.service.node_ops_ports import NodeOpsFactory, NodeOpsUnitOfWork
from microindex.service.nodes import add_node
from microindex.service.ports import UnitOfWork
from microindex.service.promise_ports import PromiseUnitOfWork, PromiseUnitOfWorkFactory
from microindex.settings import Settings
from tests.promise.conftest import Shop, close_shop, sqlite_shop

SHOP, LOCKER, VAN = NODES  # shopfront (Mon-Sat 10-18), locker (always, 60 min), van (Tue-Sat 9-19)
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at_locker(*lines: tuple[str, int], at: datetime = TUESDAY_10) -> OrderRequest:
    return OrderRequest(
        tuple(OrderLine(s, q) for s, q in lines), Method.PICKUP, at, pickup_node="locker"
    )


def cands(shop: dict[str, int], locker: dict[str, int], van: dict[str, int]) -> list[Candidate]:
    return [Candidate(SHOP, shop), Candidate(LOCKER, locker), Candidate(VAN, van)]


@dataclass(frozen=True)
class _Opening:
    """The shop's hub, its units of work opened by `open` (a test that breaks one)."""

    open: Callable[[], PromiseUnitOfWork]
    hub: PromiseUnitOfWorkFactory

    def __call__(self) -> PromiseUnitOfWork:
        return self.open()

    def reading(self) -> UnitOfWork:
        return self.hub.reading()


def test_a_pickup_at_an_empty_locker_is_filled_by_a_transfer_from_the_shopfront() -> None:
    decision = decide(at_locker(("MUG", 2)), cands({"MUG": 3}, {}, {}))
    (leg,) = decision.plan.legs
    assert (leg.node, leg.transfer_to, leg.lines) == ("shopfront", "locker", (("MUG", 2),))
    shop_ready = TUESDAY_10 + timedelta(minutes=20)
    trip = travel(SHOP.location, LOCKER.location, 15)  # the shop's own delivery speed
    assert trip > timedelta(minutes=10)
    assert decision.plan.ready_by == shop_ready + trip + timedelta(minutes=60)
    assert f"moved from shopfront to locker, ready by {leg.reach.ready:%a %d %b %H:%M %Z}" in (
        decision.why
    )
    assert decision.chain[0] == "fewest_transfers"
    assert not any(line.startswith("not shopfront") for line in decision.why)


def test_the_locker_that_holds_the_goods_needs_no_transfer() -> None:
    decision = decide(at_locker(("MUG", 1)), cands({"MUG": 3}, {"MUG": 1}, {}))
    assert [(leg.node, leg.transfer_to) for leg in decision.plan.legs] == [("locker", None)]
    assert not any(line.startswith("moved from") for line in decision.why)


def test_a_pickup_nobody_holds_is_refused() -> None:
    with pytest.raises(CannotPromise, match="locker: holds online only 0 of 1 MUG"):
        decide(at_locker(("MUG", 1)), cands({"BOWL": 3}, {}, {}))


def test_the_locker_keeps_what_it_holds_and_receives_only_the_rest() -> None:
    decision = decide(at_locker(("MUG", 2), ("BOWL", 1)), cands({"BOWL": 1}, {"MUG": 2}, {}))
    legs = {(leg.node, leg.transfer_to, leg.lines) for leg in decision.plan.legs}
    assert legs == {("locker", None, (("MUG", 2),)), ("shopfront", "locker", (("BOWL", 1),))}


def test_a_sender_closed_today_sends_when_it_opens() -> None:
    decision = decide(at_locker(("MUG", 1), at=MONDAY_10), cands({}, {}, {"MUG": 1}))
    assert decision.plan.legs[0].transfer_to == "locker"
    assert decision.plan.ready_by > datetime(2026, 11, 24, 9, 45, tzinfo=UTC)  # van: Tue 9-19


def test_a_pop_up_past_its_last_day_sends_nothing() -> None:
    """A pop-up that closed yesterday holds goods on paper only: it cannot send them."""
    closed = [
        Candidate(SHOP, {}),
        Candidate(LOCKER, {}),
        Candidate(VAN, {"MUG": 1}, closes_on=TUESDAY_10.date() - timedelta(days=1)),
    ]
    with pytest.raises(CannotPromise):
        decide(at_locker(("MUG", 1)), closed)
    senders = transfers_domain.senders(at_locker(("MUG", 1)), closed[1], closed)
    assert senders == []


def test_a_pop_up_closed_by_the_time_it_would_send_sends_nothing() -> None:
    """Asked on Monday, the van opens on Tuesday: a pop-up whose last day is Monday is gone."""
    closing_monday = [
        Candidate(SHOP, {}),
        Candidate(LOCKER, {}),
        Candidate(VAN, {"MUG": 1}, closes_on=MONDAY_10.date()),
    ]
    with pytest.raises(CannotPromise):
        decide(at_locker(("MUG", 1), at=MONDAY_10), closing_monday)


def test_a_pop_up_pickup_node_closed_before_the_goods_arrive_is_not_sent_to() -> None:
    """The pickup node is open now but closes before goods sent to it are ready there."""
    pickup = Candidate(LOCKER, {}, closes_on=TUESDAY_10.date())
    late = at_locker(("MUG", 1), at=TUESDAY_10.replace(hour=22))  # the van sends on Wed
    sender = Candidate(VAN, {"MUG": 1})
    assert transfers_domain.senders(late, pickup, [pickup, sender]) == []


def test_between_two_senders_the_sooner_ready_wins() -> None:
    decision = decide(at_locker(("MUG", 1)), cands({"MUG": 1}, {}, {"MUG": 1}))
    assert decision.plan.nodes == ("shopfront",)
    assert any(line.startswith("not van: lost on fastest") for line in decision.why)


def test_the_plan_with_fewest_transfers_wins() -> None:
    decision = decide(at_locker(("MUG", 3)), cands({"MUG": 2}, {"MUG": 1}, {"MUG": 2}))
    assert sum(1 for leg in decision.plan.legs if leg.transfer_to) == 1
    assert any("lost on fewest_transfers (2 against 1)" in line for line in decision.why)


def test_a_sender_without_a_delivery_speed_sends_by_courier() -> None:
    reach = transfer_reach(Candidate(LOCKER, {"MUG": 1}), SHOP, TUESDAY_10)
    assert reach is not None
    trip = travel(LOCKER.location, SHOP.location, COURIER_KMH)
    assert reach.ready == TUESDAY_10 + timedelta(minutes=60) + trip + timedelta(minutes=20)


# --- the order's part that travels, in the lifecycle --------------------------------------


def travelling(*, own: bool = False) -> Order:
    parts = {"shopfront": Part("shopfront", (("MUG", 2),), transfer_to="locker")}
    if own:
        parts["locker"] = Part("locker", (("BOWL", 1),))
    return Order("o-1", Method.PICKUP, TUESDAY_10, TUESDAY_10 + timedelta(hours=3), parts)


def test_a_travelling_part_is_handed_over_at_the_pickup_node_only_once_it_arrived() -> None:
    order = travelling()
    with pytest.raises(StepRefused, match="on its way to locker"):
        order.advance("locker", Step.HANDED_OVER, TUESDAY_10)
    with pytest.raises(StepRefused, match="has no part at locker"):
        order.advance("locker", Step.PICKED, TUESDAY_10)  # the sender picks it
    arrival = order.arrive("shopfront", TUESDAY_10 + timedelta(hours=1), "bo")
    assert arrival is not None and (arrival.node, arrival.step) == ("shopfront", Step.PACKED)
    assert order.arrive("shopfront", TUESDAY_10 + timedelta(hours=2)) is None  # once
    (handed,) = order.advance("locker", Step.HANDED_OVER, TUESDAY_10 + timedelta(hours=2))
    assert (handed.node, order.open) == ("shopfront", False)


def test_at_a_pickup_node_with_its_own_part_the_arrived_goods_are_handed_over_with_it() -> None:
    order = travelling(own=True)
    early = order.advance("locker", Step.HANDED_OVER, TUESDAY_10)  # the rest is on its way
    assert [e.node for e in early] == ["locker"] and order.open
    order.arrive("shopfront", TUESDAY_10 + timedelta(hours=1))
    order.advance("shopfront", Step.HANDED_OVER, TUESDAY_10 + timedelta(hours=2))
    assert not order.open


def test_only_a_travelling_part_arrives() -> None:
    with pytest.raises(StepRefused):
        travelling(own=True).arrive("locker", TUESDAY_10)


def test_fewest_transfers_is_a_rule_anyone_may_choose_and_every_rule_is_explained() -> None:
    assert "fewest_transfers" in RULES
    assert set(RULE_HELP) == set(RULES)
    chain = check_chain(["fewest_transfers", "fastest"])
    decision = decide(at_locker(("MUG", 3)), cands({"MUG": 2}, {"MUG": 1}, {"MUG": 2}), chain)
    assert decision.chain == chain
    assert sum(1 for leg in decision.plan.legs if leg.transfer_to) == 1


def test_an_order_transfer_ships_exactly_what_it_reserved() -> None:
    made = Transfer.request("o-1/shopfront", "shopfront", "locker", {"MUG": 2}, MONDAY_10, "o-1")
    with pytest.raises(InvalidValue, match="ships what it reserved"):
        made.ship(MONDAY_10, lines={"MUG": 1})
    assert made.ship(MONDAY_10) == {"MUG": 2}


# --- placing, shipping and receiving an order's transfer, on SQLite and PostgreSQL ----------

TRANSFER = promise.transfer_id("o-1", "shopfront")
ARRIVAL = arrival_id("o-1", "shopfront", "locker", "MUG")


class Crash(Exception):
    """The process dies here."""


def ops_of(shop: Shop) -> NodeOpsFactory:
    if isinstance(shop.hub, SqlitePromiseDatabase):
        return SqliteNodeOps(shop.hub)
    return PostgresNodeOps(shop.hub)


def rights_of(shop: Shop, node: str, sku: str = "MUG") -> Rights:
    with shop.nodes[node]() as uow:
        return sync.load_side(uow, node).get(sku)


def on_hand(shop: Shop, node: str, sku: str = "MUG") -> int:
    with shop.nodes[node]() as uow:
        return uow.ledger.load(node, [sku]).available(sku)


def hub_reservation(shop: Shop, ident: str) -> Reservation | None:
    with shop.hub() as uow:
        return uow.accounts.reservation(ident)


def place_at_locker(shop: Shop, units: int = 2, key: str = "o-1") -> promise.Placed:
    """Three mugs at the shopfront, none at the locker: a pickup there needs a transfer."""
    asked = OrderRequest(
        (OrderLine("MUG", units),), Method.PICKUP, shop.clock(), pickup_node="locker"
    )
    return promise.place_order(shop.hub, key, asked, NODES)


@pytest.fixture
def placed(shop: Shop) -> Shop:
    shop.stock("shopfront", "MUG", 3)
    shop.sync("locker")  # the locker holds nothing, but the hub has heard from it
    place_at_locker(shop)
    return shop


def shipped(shop: Shop) -> Shop:
    shop.sync("shopfront")  # the shopfront sets the order's mugs aside
    transfers.ship(ops_of(shop), shop.nodes["shopfront"], TRANSFER, shop.later(30), "ana")
    return shop


def received(shop: Shop, arrived: int = 2) -> Transfer:
    locker = shop.nodes["locker"]
    at = shop.later(40)
    return transfers.receive(ops_of(shop), locker, TRANSFER, {"MUG": arrived}, at, "bo", shop.hub)


def test_an_order_and_the_transfer_it_needs_are_stored_together(placed: Shop) -> None:
    record = promise.get_order(placed.hub, "o-1")
    part = record.order.parts["shopfront"]
    assert (part.lines, part.transfer_to, part.arrived_at) == ((("MUG", 2),), "locker", None)
    assert any(line.startswith("moved from shopfront to locker") for line in record.why)
    made = transfers.get(ops_of(placed), TRANSFER)
    assert (made.sender, made.receiver, made.requested) == ("shopfront", "locker", {"MUG": 2})
    assert (made.order, made.state) == ("o-1", TransferState.REQUESTED)
    assert placed.held("MUG")["shopfront"] == 1


def test_a_crash_right_after_the_order_commits_loses_no_transfer(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 3)
    shop.sync("locker")

    def crashing() -> PromiseUnitOfWork:
        uow = shop.hub()
        commit = uow.commit

        def commit_then_die() -> None:
            commit()
            raise Crash

        uow.commit = commit_then_die  # type: ignore[method-assign]
        return uow

    asked = OrderRequest((OrderLine("MUG", 2),), Method.PICKUP, shop.clock(), pickup_node="locker")
    with pytest.raises(Crash):
        promise.place_order(_Opening(crashing, shop.hub), "o-1", asked, NODES)
    assert transfers.get(ops_of(shop), TRANSFER).order == "o-1"  # committed with the order
    again = promise.place_order(shop.hub, "o-1", asked, NODES)  # the client retries
    assert not again.created
    assert [t.ident for t in transfers.listed(ops_of(shop))] == [TRANSFER]
    assert shop.held("MUG")["shopfront"] == 1


def test_an_order_whose_transfer_cannot_be_written_is_not_placed(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.stock("shopfront", "MUG", 3)
    shop.sync("locker")

    class Broken:
        def add(self, transfer: Transfer) -> None:
            raise Crash

    def failing() -> PromiseUnitOfWork:
        uow = shop.hub()
        monkeypatch.setattr(uow, "transfers", Broken())
        return uow

    asked = OrderRequest((OrderLine("MUG", 2),), Method.PICKUP, shop.clock(), pickup_node="locker")
    with pytest.raises(Crash):
        promise.place_order(_Opening(failing, shop.hub), "o-1", asked, NODES)
    with pytest.raises(promise.UnknownOrder):
        promise.get_order(shop.hub, "o-1")
    assert shop.held("MUG")["shopfront"] == 3
    assert transfers.listed(ops_of(shop)) == []


def test_shipping_spends_the_orders_reservation_not_the_senders_free_rights(placed: Shop) -> None:
    shop = shipped(placed)
    after = rights_of(shop, "shopfront")
    assert (after.reserved, after.local + after.granted, on_hand(shop, "shopfront")) == ((), 1, 1)
    assert transfers.stock_in_transit(ops_of(shop)) == {("locker", "MUG"): 2}
    shop.sync("shopfront")
    sent = hub_reservation(shop, promise.reservation_id("o-1", "shopfront", "MUG"))
    assert sent is not None and sent.state is State.FULFILLED
    with shop.hub() as uow:
        assert (
            uow.accounts.load("shopfront").claims("MUG") == rights_of(shop, "shopfront").hub_share
        )


def test_a_sender_that_has_not_synced_since_the_order_syncs_then_ships(placed: Shop) -> None:
    ops, sender = ops_of(placed), placed.nodes["shopfront"]
    with pytest.raises(NotSetAside):
        transfers.ship(ops, sender, TRANSFER, placed.later(5))
    done = transfers.ship(ops, sender, TRANSFER, placed.later(5), ask=placed.asking("shopfront"))
    assert done.state is TransferState.IN_TRANSIT
    assert (on_hand(placed, "shopfront"), rights_of(placed, "shopfront").reserved) == (1, ())


def test_arrived_goods_are_set_aside_for_the_order_and_it_is_ready_for_pickup(
    placed: Shop,
) -> None:
    shop = shipped(placed)
    assert received(shop).state is TransferState.RECEIVED
    there = rights_of(shop, "locker")
    assert (there.reserved, there.local, there.granted) == (((ARRIVAL, 2),), 0, 0)
    with pytest.raises(NotEnoughRights):  # no walk-in sale takes them
        rights.sell(shop.nodes["locker"], "locker", "MUG", 1, shop.clock())
    order = promise.get_order(shop.hub, "o-1").order
    assert order.parts["shopfront"].arrived_at == shop.clock()
    assert order.step is Step.PACKED
    shop.sync("locker")
    aside = hub_reservation(shop, ARRIVAL)
    assert aside is not None and (aside.state, aside.quantity) == (State.ASIDE, 2)
    assert shop.held("MUG").get("locker", 0) == 0  # nor any online order
    other = place_at_locker(shop, 1, "o-2").record.order
    assert other.parts["shopfront"].transfer_to == "locker"
    promise.advance(shop.hub, "o-1", "locker", Step.HANDED_OVER, shop.later(60), "bo")
    assert promise.get_order(shop.hub, "o-1").order.step is Step.HANDED_OVER


def test_an_order_is_not_handed_over_before_its_goods_arrive(placed: Shop) -> None:
    shipped(placed)
    with pytest.raises(StepRefused, match="on its way to locker"):
        promise.advance(placed.hub, "o-1", "locker", Step.HANDED_OVER, placed.later(5))


def test_an_order_transfer_is_received_only_with_the_hubs_orders(placed: Shop) -> None:
    shop = shipped(placed)
    with pytest.raises(InvalidValue, match="received at the hub"):
        transfers.receive(ops_of(shop), shop.nodes["locker"], TRANSFER, {"MUG": 2}, shop.later(9))
    assert on_hand(shop, "locker") == 0


def test_a_short_arrival_is_set_aside_but_the_order_is_not_ready(placed: Shop) -> None:
    shop = shipped(placed)
    assert received(shop, arrived=1).state is TransferState.DISCREPANCY
    assert rights_of(shop, "locker").reserved == ((ARRIVAL, 1),)
    assert promise.get_order(shop.hub, "o-1").order.parts["shopfront"].arrived_at is None


def test_cancelling_after_arrival_gives_the_pickup_node_its_units(placed: Shop) -> None:
    shop = shipped(placed)
    received(shop)
    promise.cancel(shop.hub, "o-1", shop.later(5), "customer")
    shop.sync("locker")  # the locker undoes the set-aside; the hub holds the rights again
    there = rights_of(shop, "locker")
    assert (there.reserved, there.local + there.granted) == ((), 2)
    aside = hub_reservation(shop, ARRIVAL)
    assert aside is not None and aside.state is State.CANCELLED
    with shop.hub() as uow:
        assert uow.accounts.load("locker").claims("MUG") == there.hub_share


def test_goods_of_an_order_cancelled_in_transit_arrive_as_the_receivers_own(
    placed: Shop,
) -> None:
    shop = shipped(placed)
    promise.cancel(shop.hub, "o-1", shop.later(5), "customer")
    assert transfers.get(ops_of(shop), TRANSFER).state is TransferState.IN_TRANSIT
    received(shop)
    there = rights_of(shop, "locker")
    assert (there.reserved, there.local) == ((), 2)
    assert hub_reservation(shop, ARRIVAL) is None
    assert promise.get_order(shop.hub, "o-1").order.step is Step.CANCELLED


def test_the_transfer_of_an_order_cancelled_before_it_shipped_is_cancelled_with_it(
    placed: Shop,
) -> None:
    promise.cancel(placed.hub, "o-1", placed.later(5), "customer")
    called_off = transfers.get(ops_of(placed), TRANSFER)
    assert called_off.state is TransferState.CANCELLED
    assert called_off.events[-1] == TransferEvent(
        TransferState.CANCELLED, placed.clock(), "customer"
    )
    placed.sync("shopfront")
    with pytest.raises(TransferRefused, match="is cancelled"):
        transfers.ship(
            ops_of(placed), placed.nodes["shopfront"], TRANSFER, placed.later(9),
            ask=placed.asking("shopfront"),
        )  # fmt: skip
    assert on_hand(placed, "shopfront") == 3
    assert transfers.listed(ops_of(placed), TransferState.CANCELLED) == [called_off]


@pytest.mark.parametrize("packed", [False, True], ids=["requested", "packed"])
def test_a_cancelled_orders_units_go_back_to_the_sender_once(placed: Shop, packed: bool) -> None:
    shop, ops = placed, ops_of(placed)
    shop.sync("shopfront")  # the order's two mugs are set aside at the shopfront
    if packed:
        transfers.pack(ops, TRANSFER, shop.later(5), "ana")
    promise.cancel(shop.hub, "o-1", shop.later(5), "customer")
    assert transfers.get(ops, TRANSFER).state is TransferState.CANCELLED
    shop.sync("shopfront")  # the shopfront undoes the set-aside: the mugs are sellable again
    back = rights_of(shop, "shopfront")
    assert (back.reserved, back.local + back.granted, on_hand(shop, "shopfront")) == ((), 3, 3)
    with shop.hub() as uow:
        assert uow.accounts.load("shopfront").claims("MUG") == back.hub_share
    assert shop.held("MUG")["shopfront"] == back.granted  # promised online once more, once
    assert transfers.stock_in_transit(ops) == {}


def test_an_order_released_by_its_lease_cancels_its_transfer(placed: Shop) -> None:
    assert promise.release_lapsed(placed.hub, placed.later(16)) == ["o-1"]
    assert transfers.get(ops_of(placed), TRANSFER).state is TransferState.CANCELLED


def test_staff_cancel_an_orders_transfer_only_once_the_order_has_ended(placed: Shop) -> None:
    ops = ops_of(placed)
    with pytest.raises(OrderStillOpen, match="cancel the order"):
        transfers.cancel(ops, TRANSFER, placed.later(5), "ana", placed.hub)
    with pytest.raises(InvalidValue, match="cancelled at the hub"):
        transfers.cancel(ops, TRANSFER, placed.later(5), "ana")
    assert transfers.get(ops, TRANSFER).state is TransferState.REQUESTED
    with placed.hub() as uow:  # the order ended before its transfers could be cancelled with it
        found = uow.orders.get("o-1")
        assert found is not None
        found.order.end(Step.CANCELLED, placed.later(5), "customer")
        uow.orders.save(found.order)
        uow.commit()
    done = transfers.cancel(ops, TRANSFER, placed.later(5), "ana", placed.hub)
    assert (done.state, done.events[-1].actor) == (TransferState.CANCELLED, "ana")
    assert transfers.get(ops, TRANSFER).state is TransferState.CANCELLED


def test_steps_repeated_after_a_crash_move_nothing_twice(
    placed: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, ops = placed, ops_of(placed)
    shop.sync("shopfront")
    calls = []

    def dies_on_saving() -> NodeOpsUnitOfWork:
        calls.append(1)
        if len(calls) > 1:
            raise Crash  # after the sender recorded its transfer-out
        return ops()

    with pytest.raises(Crash):
        transfers.ship(dies_on_saving, shop.nodes["shopfront"], TRANSFER, shop.later(5))
    transfers.ship(ops, shop.nodes["shopfront"], TRANSFER, shop.later(1))
    assert on_hand(shop, "shopfront") == 1
    arrive = promise.arrived
    monkeypatch.setattr(promise, "arrived", lambda *a, **k: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        received(shop)
    monkeypatch.setattr(promise, "arrived", arrive)
    received(shop)
    assert (on_hand(shop, "locker"), rights_of(shop, "locker").reserved) == (2, ((ARRIVAL, 2),))
    assert promise.get_order(shop.hub, "o-1").order.step is Step.PACKED


# --- a property: however the steps interleave, no unit is made, lost or counted twice -----

STEPS = (
    "sync shopfront",
    "sync locker",
    "pack",
    "ship",
    "ship, asking",
    "call off",
    "receive",
    "receive short",
    "confirm",
    "cancel",
    "lapse",
    "hand over",
    "sell at locker",
)


SHIPPED = (TransferState.IN_TRANSIT, TransferState.RECEIVED, TransferState.DISCREPANCY)
HAPPY = ("sync shopfront", "ship", "receive", "sync locker", "hand over")


@st.composite
def interleavings(draw: st.DrawFn) -> list[str]:
    """The order's way to the customer, with other steps (the same ones, too) anywhere."""
    steps = list(HAPPY)
    if draw(st.booleans()):
        steps[2] = "receive short"
    for at, step in draw(
        st.lists(st.tuples(st.integers(0, 9), st.sampled_from(STEPS)), max_size=6)
    ):
        steps.insert(min(at, len(steps)), step)
    return steps


@settings(max_examples=30, deadline=None)
@given(interleavings())
def test_units_are_conserved_and_never_counted_twice_however_the_steps_interleave(
    steps: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shop = sqlite_shop(Path(folder))
        try:
            shop.stock("shopfront", "MUG", 3)
            shop.sync("locker")
            place_at_locker(shop)
            sold = 0
            for step in steps:
                sold += take(shop, step)
                check_units(shop, 3 - sold)
            for node in ("shopfront", "locker", "shopfront", "locker"):
                shop.sync(node)  # heal: every node heard, every request applied
            check_units(shop, 3 - sold, exact=True)
        finally:
            close_shop(shop)


def take(shop: Shop, step: str) -> int:
    """Do one step; a refusal (the step does not apply now) changes nothing. Returns units sold."""
    ops, now = ops_of(shop), shop.later(7)
    try:
        if step.startswith("sync"):
            shop.sync(step.split()[1])
        elif step == "pack":
            transfers.pack(ops, TRANSFER, now)
        elif step == "call off":
            transfers.cancel(ops, TRANSFER, now, hub=shop.hub)
        elif step.startswith("ship"):
            ask = shop.asking("shopfront") if "asking" in step else None
            transfers.ship(ops, shop.nodes["shopfront"], TRANSFER, now, ask=ask)
        elif step.startswith("receive"):
            units = 1 if "short" in step else 2
            locker = shop.nodes["locker"]
            transfers.receive(ops, locker, TRANSFER, {"MUG": units}, now, hub=shop.hub)
        elif step == "confirm":
            promise.advance(shop.hub, "o-1", "shopfront", Step.CONFIRMED, now)
        elif step == "cancel":
            promise.cancel(shop.hub, "o-1", now)
        elif step == "lapse":
            promise.release_lapsed(shop.hub, shop.later(20))
        elif step == "hand over":
            promise.advance(shop.hub, "o-1", "locker", Step.HANDED_OVER, now)
        else:
            rights.sell(shop.nodes["locker"], "locker", "MUG", 1, now)
            return 1
    except DomainError:
        pass
    return 0


def check_units(shop: Shop, units: int, exact: bool = False) -> None:
    moving = transfers.stock_in_transit(ops_of(shop)).get(("locker", "MUG"), 0)
    ended = transfers.listed(ops_of(shop), TransferState.DISCREPANCY)
    lost = sum(s.missing for t in ended for s in t.shortfalls())
    assert on_hand(shop, "shopfront") + on_hand(shop, "locker") + moving + lost == units
    for node in ("shopfront", "locker"):
        held = rights_of(shop, node)
        assert held.on_hand == on_hand(shop, node)
        account = projected(shop, node)
        claims = account.claims("MUG")
        assert claims == held.hub_share if exact else claims <= held.hub_share
        assert account.h("MUG") >= 0
    sent = rights_of(shop, "shopfront").reservation(
        promise.reservation_id("o-1", "shopfront", "MUG")
    )
    brought = rights_of(shop, "locker").reservation(ARRIVAL)
    assert (sent or 0) + moving + (brought or 0) <= 2  # the order's mugs, once
    state = transfers.get(ops_of(shop), TRANSFER).state
    order_ended = promise.get_order(shop.hub, "o-1").order.parts["shopfront"].step in ENDED
    assert (state is TransferState.CANCELLED) == (order_ended and state not in SHIPPED)


def projected(shop: Shop, node: str) -> NodeAccount:
    """The hub's account with `node` once it mirrors all the node has recorded."""
    with shop.hub() as uow:
        account = uow.accounts.load(node)
        mirrored = uow.ledger.load(node, []).head
    with shop.nodes[node]() as uow:
        unseen = uow.ledger.movements(node, mirrored, 10**9)
    for movement in unseen:
        account.mirror_movement(movement)
    return account


# --- from the command line ------------------------------------------------------------------


def mugs_workspace(tmp_path: Path, *stocked: str) -> Callable[..., str]:
    """A workspace with the demo's nodes, three mugs received at each `stocked` node, those and
    the locker synced; its command line (`cli(*args, ok=True)` -> output)."""
    ws = bootstrap(Settings(tmp_path / "ws"))
    for node in NODES:
        add_node(ws.hub, node)
    with ws.hub() as uow:
        uow.catalog.upsert([Product(Sku("MUG"), "Stoneware mug", Money(Decimal("12"), "GBP"))])
        uow.commit()
    for code in stocked:
        with ws.node(code)() as node_uow:
            ledger = node_uow.ledger.load(code, ["MUG"])
            ledger.record("MUG", MovementKind.RECEIVE, 3, ws.clock())
            node_uow.ledger.save(ledger)
            node_uow.commit()
    for code in (*stocked, "locker"):
        sync.sync_node(ws.node(code), code, ws.link(code), ws.clock())
    ws.close()

    def cli(*args: str, ok: bool = True) -> str:
        result = CliRunner().invoke(app, ["-w", str(tmp_path / "ws"), *args])
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    return cli


def test_a_pickup_needing_a_transfer_from_the_command_line(tmp_path: Path) -> None:
    cli = mugs_workspace(tmp_path, "shopfront")
    assert "fewest_transfers" in cli("order", "place", "--help")
    pickup = ("--line", "MUG:2", "--method", "pickup", "--pickup-node", "locker", "--key", "o-1")
    placed = json.loads(
        cli("order", "place", *pickup, "--rule", "fewest_transfers,fastest", "--json")
    )
    assert [(p["node"], p["transfer_to"]) for p in placed["parts"]] == [("shopfront", "locker")]
    assert "rules: fewest_transfers, fastest" in placed["why"][0]
    assert "unknown routing rules" in cli("order", "place", *pickup, "--rule", "cheapest", ok=False)
    cli("transfer", "ship", TRANSFER)  # the shopfront syncs, then sends what the order holds
    assert "on its way to locker" in cli(
        "order", "advance", "o-1", "locker", "handed_over", ok=False
    )
    cli("transfer", "receive", TRANSFER)
    shown = json.loads(cli("order", "show", "o-1", "--json"))
    assert (shown["step"], shown["parts"][0]["arrived_at"] is not None) == ("packed", True)
    assert "handed_over" in cli("order", "advance", "o-1", "locker", "handed_over")
