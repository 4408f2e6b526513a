"""An order's goods leave the ledger of the node that fulfils it, once (service.fulfilment):
on SQLite and PostgreSQL hubs, the node's own SQLite database in the same process."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microindex.adapters.postgres.node_ops_store import PostgresNodeOps
from microindex.adapters.sqlite.node_ops_store import SqliteNodeOps
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.demo.scenario import NODES
from microindex.domain.errors import DomainError, OutOfStock
from microindex.domain.movement import Movement, MovementKind, Tag
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import Order, Step, StepRefused, arrival_id
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.sync.account import State
from microindex.domain.sync.rights import Rights
from microindex.service import fulfilment, promise, rights, sync, transfers
from microindex.service.node_ops_ports import NodeOpsFactory
from tests.promise.conftest import SECRETS, Shop, close_shop, sqlite_shop

HACKNEY = Location(51.5400, -0.0600)
HELD = "o-1/shopfront/MUG"  # the order's reservation at the shopfront


def _advance(shop: Shop, node: str, step: Step, *, hub_up: bool = True) -> Order:
    """A step as the staff's API records it: the node's database is in this process."""

    def link(code: str) -> InProcessTransport:
        return InProcessTransport(code, SECRETS[code], HubEndpoint(shop.hub, SECRETS, shop.clock))

    return fulfilment.advance(
        shop.hub,
        "o-1",
        node,
        step,
        shop.later(5),
        "ana",
        node_db=shop.nodes.__getitem__,
        link=link if hub_up else None,
    )


def _shipped_order(shop: Shop, units: int = 2) -> None:
    """Three mugs at the shopfront only; an order ships two of them from there."""
    shop.stock("shopfront", "MUG", 3)
    asked = OrderRequest((OrderLine("MUG", units),), Method.SHIP, shop.clock(), HACKNEY)
    placed = promise.place_order(shop.hub, "o-1", asked, NODES)
    assert list(placed.record.order.parts) == ["shopfront"]


def _rights(shop: Shop, node: str = "shopfront") -> Rights:
    with shop.nodes[node]() as uow:
        return sync.load_side(uow, node).get("MUG")


def _on_hand(shop: Shop, node: str = "shopfront") -> int:
    with shop.nodes[node]() as uow:
        return uow.ledger.load(node, ["MUG"]).available("MUG")


def _since(shop: Shop, head: int, node: str = "shopfront") -> list[Movement]:
    with shop.nodes[node]() as uow:
        return uow.ledger.movements(node, head, 1000)


def _head(shop: Shop, node: str = "shopfront") -> int:
    with shop.nodes[node]() as uow:
        return uow.ledger.load(node, []).head


def _reservation_state(shop: Shop, ident: str = HELD) -> State:
    with shop.hub() as uow:
        found = uow.accounts.reservation(ident)
    assert found is not None
    return found.state


def _hub_agrees(shop: Shop, node: str = "shopfront") -> None:
    """After a sync the hub's mirror of the node's ledger and rights is the node's own."""
    shop.sync(node)
    with shop.hub() as uow:
        mirrored = uow.ledger.load(node, ["MUG"]).available("MUG")
        account = uow.accounts.load(node)
    assert mirrored == _on_hand(shop, node)
    assert account.mirror["MUG"] == _rights(shop, node)
    assert account.claims("MUG") == _rights(shop, node).hub_share


@pytest.mark.parametrize("step", [Step.PICKED, Step.PACKED, Step.HANDED_OVER])
def test_the_first_step_that_says_the_goods_left_picks_the_orders_set_aside_once(
    shop: Shop, step: Step
) -> None:
    _shipped_order(shop)
    shop.sync("shopfront")  # the node sets the order's two mugs aside
    assert (_on_hand(shop), _rights(shop).reserved) == (3, ((HELD, 2),))
    head = _head(shop)
    _advance(shop, "shopfront", Step.CONFIRMED)
    assert _head(shop) == head  # paid: still on the shelf
    _advance(shop, "shopfront", step)  # picked, or packed / handed over when picking is skipped
    assert [(m.kind, m.quantity, m.tag, m.tag_id, m.actor) for m in _since(shop, head)] == [
        (MovementKind.PICK, -2, Tag.FULFIL, HELD, "ana")
    ]
    assert (_on_hand(shop), _rights(shop).reserved) == (1, ())
    with pytest.raises(StepRefused):
        _advance(shop, "shopfront", step)  # a repeated step
    for later in (Step.HANDED_OVER, Step.DELIVERED):
        if later is not step:
            _advance(shop, "shopfront", later)
    assert _head(shop) == head + 1 and _on_hand(shop) == 1
    _hub_agrees(shop)
    assert _reservation_state(shop) is State.FULFILLED


@pytest.mark.parametrize("retry", [Step.PICKED, Step.PACKED])
def test_a_crash_between_the_step_and_the_pick_is_finished_by_the_next_step_once(
    shop: Shop, retry: Step
) -> None:
    _shipped_order(shop)
    shop.sync("shopfront")
    promise.advance(shop.hub, "o-1", "shopfront", Step.PICKED, shop.later(5))  # then it died
    assert _on_hand(shop) == 3
    if retry is Step.PICKED:
        with pytest.raises(StepRefused):  # the same step again: refused as before, but picks
            _advance(shop, "shopfront", retry)
    else:
        _advance(shop, "shopfront", retry)
    assert (_on_hand(shop), _rights(shop).reserved) == (1, ())
    with pytest.raises(StepRefused):
        _advance(shop, "shopfront", retry)
    assert _on_hand(shop) == 1
    _hub_agrees(shop)


@pytest.mark.parametrize("step", [Step.PICKED, Step.PACKED, Step.DELIVERED])
def test_a_step_whose_goods_are_not_there_is_refused_and_not_recorded(
    shop: Shop, step: Step
) -> None:
    _shipped_order(shop)  # the shopfront has not synced since: the hub knows of no loss
    with shop.nodes["shopfront"]() as uow:  # all three broken before anyone picks
        ledger = uow.ledger.load("shopfront", ["MUG"])
        ledger.record("MUG", MovementKind.WRITE_OFF, -3, shop.later(1), "dropped")
        uow.ledger.save(ledger)
        uow.commit()
    _advance(shop, "shopfront", Step.CONFIRMED)
    head = _head(shop)
    with pytest.raises(OutOfStock, match="cannot take 2 of MUG at shopfront: only 0 on hand"):
        _advance(shop, "shopfront", step, hub_up=False)
    order = promise.get_order(shop.hub, "o-1").order
    assert order.parts["shopfront"].step is Step.CONFIRMED  # not picked: nothing left
    assert _since(shop, head) == []
    assert [e.step for e in promise.order_history(shop.hub, "o-1")] == [
        Step.PROMISED,
        Step.CONFIRMED,
    ]


def test_a_set_aside_that_has_not_reached_the_node_is_fetched_first(shop: Shop) -> None:
    _shipped_order(shop)  # the shopfront has not synced since the order
    assert _rights(shop).reserved == ()
    head = _head(shop)
    _advance(shop, "shopfront", Step.PICKED)
    picks = [m for m in _since(shop, head) if m.kind is MovementKind.PICK]
    assert [(m.quantity, m.tag, m.tag_id) for m in picks] == [(-2, Tag.FULFIL, HELD)]
    rights = _rights(shop)
    assert (_on_hand(shop), rights.reserved, rights.local + rights.granted) == (1, (), 1)
    _hub_agrees(shop)
    assert _reservation_state(shop) is State.FULFILLED


def test_picked_with_the_hub_out_of_reach_is_not_picked_again_once_the_set_aside_arrives(
    shop: Shop,
) -> None:
    _shipped_order(shop)
    with shop.nodes["shopfront"]() as uow:  # two more arrive, the node's own: not synced yet
        ledger = uow.ledger.load("shopfront", ["MUG"])
        ledger.record("MUG", MovementKind.RECEIVE, 2, shop.clock())
        uow.ledger.save(ledger)
        uow.commit()
    _advance(shop, "shopfront", Step.PICKED, hub_up=False)  # from the node's own rights
    assert (_on_hand(shop), _rights(shop).local) == (3, 0)
    shop.sync("shopfront")  # the set-aside arrives after all
    assert _rights(shop).reserved == ((HELD, 2),)
    head = _head(shop)
    _advance(shop, "shopfront", Step.PACKED)
    assert _head(shop) == head and _on_hand(shop) == 3  # nothing picked twice


def test_cancelling_after_the_pick_does_not_unpick_the_staff_receive_the_goods_back(
    shop: Shop,
) -> None:
    _shipped_order(shop)
    shop.sync("shopfront")
    _advance(shop, "shopfront", Step.PICKED)
    promise.cancel(shop.hub, "o-1", shop.later(5), "customer")
    _hub_agrees(shop)
    assert _on_hand(shop) == 1  # the goods are in the staff's hands, not on the shelf
    assert _reservation_state(shop) is State.FULFILLED  # the pick wins over the cancel
    shop.stock("shopfront", "MUG", 2)  # the staff put them back: an ordinary receipt
    assert _on_hand(shop) == 3
    _hub_agrees(shop)


def _ops(shop: Shop) -> NodeOpsFactory:
    if isinstance(shop.hub, SqlitePromiseDatabase):
        return SqliteNodeOps(shop.hub)
    return PostgresNodeOps(shop.hub)


def test_a_travelling_part_leaves_its_sender_by_transfer_and_the_pickup_node_at_handover(
    shop: Shop,
) -> None:
    shop.stock("shopfront", "MUG", 3)
    shop.sync("locker")  # the locker holds nothing, but the hub has heard from it
    asked = OrderRequest((OrderLine("MUG", 2),), Method.PICKUP, shop.clock(), pickup_node="locker")
    promise.place_order(shop.hub, "o-1", asked, NODES)
    shop.sync("shopfront")
    _advance(shop, "shopfront", Step.PICKED)  # picked for the transfer: nothing leaves yet
    assert (_on_hand(shop), _rights(shop).reserved) == (3, ((HELD, 2),))
    ops, transfer = _ops(shop), promise.transfer_id("o-1", "shopfront")
    transfers.ship(ops, shop.nodes["shopfront"], transfer, shop.later(30), "ana")
    assert _on_hand(shop) == 1
    transfers.receive(
        ops, shop.nodes["locker"], transfer, {"MUG": 2}, shop.later(40), "bo", shop.hub
    )
    arrival = arrival_id("o-1", "shopfront", "locker", "MUG")
    assert (_on_hand(shop, "locker"), _rights(shop, "locker").reserved) == (2, ((arrival, 2),))
    _advance(shop, "locker", Step.HANDED_OVER)
    assert (_on_hand(shop, "locker"), _rights(shop, "locker").reserved) == (0, ())
    _hub_agrees(shop, "locker")
    assert _reservation_state(shop, arrival) is State.FULFILLED


def test_a_node_that_keeps_its_ledger_elsewhere_is_not_forked_here(
    shop: Shop, tmp_path: Path
) -> None:
    _shipped_order(shop)
    shop.sync("shopfront")  # the node's own database, as if on another machine
    copy = SqliteSyncDatabase(tmp_path / "hub-side-copy.sqlite")  # what a hub might open for it
    copy.migrate()
    try:
        order = fulfilment.advance(
            shop.hub, "o-1", "shopfront", Step.PICKED, shop.later(5), node_db=lambda _: copy
        )
        assert order.parts["shopfront"].step is Step.PICKED  # the step is the hub's
        with copy() as uow:
            assert uow.ledger.load("shopfront", []).head == 0  # nothing written to the copy
    finally:
        copy.close()
    assert _on_hand(shop) == 3  # the node itself is not told (ADR 0004)


# --- a property: however steps, syncs, cancels and crashes interleave, one pick at most -------

ACTIONS = (
    "sync",
    "confirm",
    "picked",
    "packed",
    "delivered",
    "picked, hub down",
    "picked, died before the pick",
    "cancel",
    "lapse",
    "walk-in sale",
)


def _act(shop: Shop, action: str) -> int:
    """Do one thing; a refusal changes nothing. Returns units sold over the counter."""
    try:
        if action == "sync":
            shop.sync("shopfront")
        elif action == "confirm":
            _advance(shop, "shopfront", Step.CONFIRMED)
        elif action == "cancel":
            promise.cancel(shop.hub, "o-1", shop.later(1))
        elif action == "lapse":
            promise.release_lapsed(shop.hub, shop.later(20))
        elif action == "walk-in sale":
            rights.sell(shop.nodes["shopfront"], "shopfront", "MUG", 1, shop.later(1))
            return 1
        elif action.endswith("died before the pick"):
            promise.advance(shop.hub, "o-1", "shopfront", Step.PICKED, shop.later(1))
        else:
            step = Step(action.split(",")[0])
            _advance(shop, "shopfront", step, hub_up="hub down" not in action)
    except DomainError:
        pass
    return 0


def _picks(shop: Shop) -> list[Movement]:
    found = _since(shop, 0)
    return [m for m in found if m.kind is MovementKind.PICK and m.tag_id == HELD]


@settings(max_examples=40)
@given(st.lists(st.sampled_from(ACTIONS), max_size=10))
def test_an_order_is_picked_at_most_once_and_units_are_conserved_however_steps_interleave(
    actions: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shop = sqlite_shop(Path(folder))
        try:
            _shipped_order(shop)
            sold = 0
            for action in actions:
                sold += _act(shop, action)
                picked = _picks(shop)
                assert [m.quantity for m in picked] in ([], [-2])
                assert _on_hand(shop) == 3 - sold + sum(m.quantity for m in picked)
                assert _rights(shop).on_hand == _on_hand(shop)
            _act(shop, "delivered")  # staff go on: a pick a crash cut short is made now
            part = promise.get_order(shop.hub, "o-1").order.parts["shopfront"]
            picked_once = [m.quantity for m in _picks(shop)] == [-2]
            if part.step in (Step.PICKED, Step.PACKED, Step.HANDED_OVER, Step.DELIVERED):
                assert picked_once
            for _ in range(2):
                shop.sync("shopfront")  # heal: every request applied, every movement mirrored
            with shop.hub() as uow:
                account = uow.accounts.load("shopfront")
            assert account.mirror["MUG"] == _rights(shop)
            assert account.claims("MUG") == _rights(shop).hub_share
        finally:
            close_shop(shop)
