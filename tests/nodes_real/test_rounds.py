"""Vans on their rounds: where the van is, where a customer meets it, its promise state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microindex.demo.scenario import NODES
from microindex.domain.errors import InvalidValue, UnknownNode
from microindex.domain.node import Location
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.round import (
    NoStopLeft,
    OutsideServiceArea,
    Round,
    ServiceArea,
    Stop,
    handover,
    van_state,
)
from microindex.service import promise, rounds
from microindex.service.nodes import add_node
from tests.nodes_real.conftest import RoundsHub, Site

NINE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
A = Location(51.50, -0.10)
B = Location(51.52, -0.06)
C = Location(51.55, -0.02)
VAN = next(n for n in NODES if n.code.value == "van")


def _stops() -> list[Stop]:
    hour = timedelta(hours=1)
    return [
        Stop(NINE, NINE + hour, A, "Market Sq"),
        Stop(NINE + 2 * hour, NINE + 3 * hour, B, "Library"),
        Stop(NINE + 5 * hour, NINE + 6 * hour, C, "Park gate"),
    ]


def test_the_van_is_at_its_stop_while_it_stands_there() -> None:
    day = Round.of("van", _stops())
    assert day.position(NINE + timedelta(minutes=30)) == A
    assert day.stop_at(NINE + timedelta(minutes=30)) == _stops()[0]


def test_between_stops_the_van_is_placed_in_proportion_to_the_time() -> None:
    halfway = Round.of("van", _stops()).position(NINE + timedelta(minutes=90))
    assert halfway.lat == pytest.approx(51.51)
    assert halfway.lon == pytest.approx(-0.08)


def test_before_and_after_the_round_the_van_is_at_its_first_and_last_stop() -> None:
    day = Round.of("van", _stops())
    assert day.position(NINE - timedelta(hours=2)) == A
    assert day.position(NINE + timedelta(hours=12)) == C


def test_stops_may_not_overlap() -> None:
    first, second, _ = _stops()
    clash = Stop(first.arrives, second.leaves, B)
    with pytest.raises(InvalidValue):
        Round.of("van", [first, clash])


def test_hand_over_is_at_the_stop_still_ahead_nearest_the_customer() -> None:
    day = Round.of("van", _stops())
    near_a = Location(51.501, -0.099)
    assert handover(day, near_a, NINE).stop.label == "Market Sq"
    # the van has left Market Sq: the next nearest stop still ahead
    assert handover(day, near_a, NINE + timedelta(hours=2)).stop.label == "Library"


def test_no_hand_over_after_the_last_stop_or_outside_the_area() -> None:
    day = Round.of("van", _stops())
    with pytest.raises(NoStopLeft):
        handover(day, A, NINE + timedelta(hours=7))
    with pytest.raises(OutsideServiceArea):
        handover(day, Location(52.2, 0.12), NINE, ServiceArea(B, 10))


def test_the_van_state_carries_its_position_now() -> None:
    state = van_state(VAN, Round.of("van", _stops()), NINE + timedelta(hours=5, minutes=10))
    assert state.position == C and state.online == {}


def test_rounds_are_kept_at_the_hub_and_give_place_order_its_van_states(
    rounds_hub: RoundsHub,
) -> None:
    store = rounds_hub.rounds
    add_node(rounds_hub.hub, VAN)
    rounds.set_round(store, "van", NINE.date(), _stops())
    rounds.set_area(rounds_hub.hub, store, "van", ServiceArea(B, 8))
    with pytest.raises(UnknownNode):  # a van the hub does not know has no area to set
        rounds.set_area(rounds_hub.hub, store, "vann", ServiceArea(B, 8))
    assert rounds.round_for(store, "van", NINE.date()) == Round.of("van", _stops())
    states = rounds.van_states(store, NODES, NINE + timedelta(minutes=90))
    assert list(states) == ["van"]
    assert states["van"].position is not None
    assert rounds.meet(store, "van", C, NINE, UTC).stop.label == "Park gate"
    assert rounds.van_states(store, NODES, NINE + timedelta(days=1)) == {}


def test_a_van_far_out_on_its_round_can_promise_a_delivery_its_base_could_not(
    site: Site,
) -> None:
    shop = site.shop
    shop.stock("van", "MUG", 5)
    now = shop.clock()
    far = Location(51.66, -0.0553)  # about 13 km north of the van's base: beyond its 8 km
    out_there = Round.of("van", [Stop(now, now + timedelta(hours=3), Location(51.655, -0.0553))])
    request = OrderRequest((OrderLine("MUG", 1),), Method.LOCAL_DELIVERY, now, customer=far)
    with pytest.raises(CannotPromise):
        promise.place_order(shop.hub, "o-base", request, [VAN])
    rounds.set_round(site.rounds, "van", now.date(), out_there.stops)
    made = promise.place_order(shop.hub, "o-round", request, [VAN], states=site.states)
    assert list(made.record.order.parts) == ["van"]
