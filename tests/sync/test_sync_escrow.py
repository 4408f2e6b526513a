"""Promises at the hub spend only rights it holds; the node and the hub never oversell together."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microindex.domain.movement import MovementKind
from microindex.domain.promise.lifecycle import Step
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.sync.account import NotEnoughRights, State
from microindex.domain.sync.allocation import Freshness
from microindex.domain.sync.node import Override
from microindex.domain.sync.rights import Rights
from microindex.service import promise, repromise, rights, sync
from tests.sync.conftest import NODES, Pair

O1 = "o-1/van/MUG-1"  # the reservation of order o-1's MUG-1 at the van


def _synced_van(pair: Pair, stock: int = 10) -> None:
    pair.receive("van", "MUG-1", stock)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())


def _sync(pair: Pair, node: str = "van") -> None:
    sync.sync_node(pair.nodes[node], node, pair.link(node), pair.clock())


def _held(pair: Pair, node: str = "van") -> int:
    with pair.hub() as uow:
        return uow.accounts.held("MUG-1").get(node, 0)


def _side(pair: Pair, node: str = "van") -> Rights:
    with pair.nodes[node]() as uow:
        return sync.load_side(uow, node).get("MUG-1")


def test_the_hub_cannot_promise_more_than_the_rights_it_holds(pair: Pair) -> None:
    _synced_van(pair)
    held = _held(pair)
    assert held > 0
    pair.order("o-1", held)
    with pytest.raises(CannotPromise):
        pair.order("o-2", 1)


def test_a_promise_is_idempotent_by_order_key(pair: Pair) -> None:
    _synced_van(pair)
    first = pair.order("o-1", 2)
    again = pair.order("o-1", 2)
    assert (first.created, again.created) == (True, False)
    assert again.record.order.parts == first.record.order.parts
    assert _held(pair) == 10 - _side(pair).local - 2


def test_a_van_selling_offline_and_the_web_never_sell_more_than_the_van_holds(pair: Pair) -> None:
    _synced_van(pair, 6)
    local = _side(pair).local
    for i in range(local):  # offline: walk-ins use local rights only
        rights.sell(pair.nodes["van"], "van", "MUG-1", 1, pair.clock(), f"w{i}")
    with pytest.raises(NotEnoughRights):
        rights.sell(pair.nodes["van"], "van", "MUG-1", 1, pair.clock())
    promised = 0
    while True:
        try:
            pair.order(f"o{promised}", 1)
        except CannotPromise:
            break
        promised += 1
    assert local + promised == 6


def test_a_setaside_reaches_the_node_and_its_pick_is_posted_once(pair: Pair) -> None:
    _synced_van(pair)
    pair.order("o-1", 2)
    _sync(pair)
    assert rights.set_aside(pair.nodes["van"], "van") == {O1: ("MUG-1", 2)}
    assert rights.fulfil(pair.nodes["van"], "van", O1, pair.clock()) is not None
    assert rights.fulfil(pair.nodes["van"], "van", O1, pair.clock()) is None
    _sync(pair)
    with pair.hub() as uow:
        reservation = uow.accounts.reservation(O1)
    assert reservation is not None and reservation.state is State.FULFILLED
    with pair.nodes["van"]() as uow:
        assert [line.on_hand for line in uow.ledger.stock("van")] == [8]


def test_a_cancelled_promise_frees_the_rights_only_when_the_node_confirms(pair: Pair) -> None:
    _synced_van(pair)
    pair.order("o-1", 2)
    _sync(pair)
    held = _held(pair)
    assert promise.cancel(pair.hub, "o-1", pair.clock()).step is Step.CANCELLED
    assert _held(pair) == held  # not yet: the node may be picking it right now
    _sync(pair)
    with pair.hub() as uow:
        reservation = uow.accounts.reservation(O1)
    assert reservation is not None and reservation.state is State.CANCELLED
    assert _side(pair).aside == 0


def test_a_pick_that_races_a_cancel_wins_and_no_rights_are_created(pair: Pair) -> None:
    _synced_van(pair)
    pair.order("o-1", 2)
    _sync(pair)
    promise.cancel(pair.hub, "o-1", pair.clock())
    rights.fulfil(pair.nodes["van"], "van", O1, pair.clock())
    _sync(pair)
    with pair.hub() as uow:
        reservation = uow.accounts.reservation(O1)
    assert reservation is not None and reservation.state is State.FULFILLED
    assert _held(pair) == _side(pair).hub_share


def test_promises_expire_on_the_hubs_clock(pair: Pair) -> None:
    _synced_van(pair)
    pair.order("o-1", 1, lease_s=600)
    assert promise.release_lapsed(pair.hub, pair.clock() + timedelta(seconds=599)) == []
    assert promise.release_lapsed(pair.hub, pair.clock() + timedelta(seconds=600)) == ["o-1"]
    with pair.hub() as uow:
        reservation = uow.accounts.reservation(O1)
    assert reservation is not None and reservation.state is State.CANCELLING


def test_a_count_deficit_uncovers_a_promise_in_flight_and_is_counted(pair: Pair) -> None:
    _synced_van(pair, 4)
    held = _held(pair)
    pair.order("o-1", held)
    with pair.nodes["van"]() as uow:  # a count finds nothing on the shelf
        ledger = uow.ledger.load("van", ["MUG-1"])
        ledger.record("MUG-1", MovementKind.COUNT_ADJUST, -4, pair.clock())
        uow.ledger.save(ledger)
        uow.commit()
    _sync(pair)
    _sync(pair)
    with pair.hub() as uow:
        reservation = uow.accounts.reservation(O1)
        peer = uow.accounts.peer("van")
    assert reservation is not None and reservation.state is State.UNCOVERED
    assert peer.deficit == held
    assert _held(pair) == 0 == _side(pair).hub_share


def test_an_online_node_gets_rights_at_once_when_it_asks(pair: Pair) -> None:
    _synced_van(pair)
    local = _side(pair).local
    sync.sync_node(
        pair.nodes["van"], "van", pair.link("van"), pair.clock(), want=[("MUG-1", local + 3)]
    )
    assert _side(pair).local == local + 3


def test_availability_carries_its_age_and_is_downgraded_past_its_ttl(pair: Pair) -> None:
    _synced_van(pair)
    fresh = rights.availability(pair.hub, "MUG-1", pair.clock())
    assert {f.freshness for f in fresh} == {Freshness.FRESH}
    stale = rights.availability(pair.hub, "MUG-1", pair.clock() + timedelta(days=30))
    local = next(f for f in stale if not f.escrow)
    escrow = next(f for f in stale if f.escrow)
    assert local.freshness is Freshness.UNKNOWN and local.age_s >= 30 * 86400
    assert escrow.freshness is Freshness.FRESH  # rights the hub holds stay firm


def test_a_set_aside_partly_sold_anyway_keeps_the_rest_on_every_hub_store(pair: Pair) -> None:
    """Seed 4086 on each store: a sale anyway eats 1 of the order's 2 set-aside units; the hub
    keeps its reservation of the 1 left (stored, not closed whole), shows the order at risk,
    and a cancel then gives back exactly that unit."""
    _synced_van(pair, 6)
    pair.order("o-1", 2)
    _sync(pair)
    side = _side(pair)
    eat = side.local + side.granted + 1  # all but 1 of the set-aside
    staff = Override("till", "a customer at the counter")
    rights.sell_walk_in(pair.nodes["van"], "van", "MUG-1", eat, pair.clock(), override=staff)
    _sync(pair)
    repromise.answer_uncovered(pair.hub, "van", pair.clock(), NODES)
    with pair.hub() as uow:
        kept = uow.accounts.reservation(O1)
    assert kept is not None and (kept.state, kept.quantity) == (State.ASIDE, 1)
    assert promise.get_order(pair.hub, "o-1").order.parts["van"].at_risk
    promise.cancel(pair.hub, "o-1", pair.clock())
    _sync(pair)
    with pair.hub() as uow:
        gone = uow.accounts.reservation(O1)
    assert gone is not None and (gone.state, gone.quantity) == (State.CANCELLED, 1)
    after = _side(pair)
    assert (after.on_hand, after.aside) == (1, 0)
    assert _held(pair) == after.hub_share  # the unit given back, no more, no less
