"""A pickup at a node that lacks the goods, filled by moving them from a node that holds them."""

from datetime import UTC, datetime, timedelta

import pytest

from microindex.demo.scenario import NODES
from microindex.domain.promise.candidates import Candidate
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise, decide
from microindex.domain.promise.timing import travel
from microindex.domain.promise.transfers import COURIER_KMH, transfer_reach

SHOP, LOCKER, VAN = NODES  # shopfront (Mon-Sat 10-18), locker (always, 60 min), van (Tue-Sat 9-19)
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at_locker(*lines: tuple[str, int], at: datetime = TUESDAY_10) -> OrderRequest:
    return OrderRequest(
        tuple(OrderLine(s, q) for s, q in lines), Method.PICKUP, at, pickup_node="locker"
    )


def cands(shop: dict[str, int], locker: dict[str, int], van: dict[str, int]) -> list[Candidate]:
    return [Candidate(SHOP, shop), Candidate(LOCKER, locker), Candidate(VAN, van)]


def test_a_pickup_at_an_empty_locker_is_filled_by_a_transfer_from_the_shopfront() -> None:
    decision = decide(at_locker(("MUG", 2)), cands({"MUG": 3}, {}, {}))
    (leg,) = decision.plan.legs
    assert (leg.node, leg.transfer_to, leg.lines) == ("shopfront", "locker", (("MUG", 2),))
    shop_ready = TUESDAY_10 + timedelta(minutes=20)
    trip = travel(SHOP.location, LOCKER.location, 15)  # the shop's own delivery speed
    assert trip > timedelta(minutes=10)
    assert decision.plan.ready_by == shop_ready + trip + timedelta(minutes=60)
    assert f"moved from shopfront to locker, ready by {leg.reach.ready:%a %d %b %H:%M}" in (
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
