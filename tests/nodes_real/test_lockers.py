"""A parcel locker as it really is: compartments, pickup codes, deadlines, capacity; the
collected parcel leaving the locker's ledger; a limit on wrong codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.demo.scenario import NODES
from microindex.domain.locker import (
    LOCKOUT,
    WRONG_CODES,
    Assignment,
    NoCompartmentFits,
    PickupRefused,
    TooManyWrongCodes,
    WrongPickupCode,
)
from microindex.domain.movement import MovementKind, Tag
from microindex.domain.product import Size
from microindex.domain.promise.lifecycle import Step, arrival_id
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.sync.account import State
from microindex.domain.sync.messages import Push, Reply
from microindex.domain.sync.rights import Rights
from microindex.service import fulfilment, lockers, promise, sync, transfers
from microindex.service.sync_ports import HubUnreachable
from tests.nodes_real.conftest import Site
from tests.promise.conftest import SECRETS

LOCKER = next(node for node in NODES if node.code.value == "locker")


def _compartments(site: Site) -> None:
    lockers.add_compartment(site.ops, "locker", "S1", Size(200, 150, 100))
    lockers.add_compartment(site.ops, "locker", "M1", Size(400, 300, 200))


class _HubDown:
    def exchange(self, push: Push) -> Reply:
        raise HubUnreachable("the hub is down")


def _open(site: Site, code: str, at: datetime, hub_up: bool = True) -> Assignment:
    """Open at the locker; its sync link reaches the hub unless `hub_up` is False."""
    endpoint = HubEndpoint(site.shop.hub, SECRETS, site.shop.clock)
    link = InProcessTransport("locker", SECRETS["locker"], endpoint) if hub_up else _HubDown()
    locker_db = site.shop.nodes["locker"]
    return lockers.open_with(
        site.shop.hub, site.ops, "locker", code, at, locker_db=locker_db, zone=UTC, link=link
    )


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _on_hand(site: Site, sku: str) -> int:
    with site.shop.nodes["locker"]() as uow:
        return uow.ledger.load("locker", [sku]).available(sku)


def _place(site: Site, key: str, sku: str = "MUG", quantity: int = 1) -> promise.Placed:
    asked = OrderRequest(
        (OrderLine(sku, quantity),), Method.PICKUP, site.shop.clock(), pickup_node="locker"
    )
    return promise.place_order(site.shop.hub, key, asked, NODES, states=site.states)


def test_a_locker_pickup_is_collected_with_its_code(site: Site) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 2)
    _place(site, "o-1")
    parcel = lockers.parcel_for(site.shop.hub, {"MUG": 1})
    made = lockers.assign_order(site.shop.hub, site.ops, "o-1", "locker", site.shop.clock(), parcel)
    assert made.assignment.compartment == "S1"  # the smallest that fits
    assert made.code.isdigit() and 6 <= len(made.code) <= 8
    assert made.code not in made.assignment.code_hash
    with pytest.raises(WrongPickupCode):
        _open(site, _wrong(made.code), site.shop.later(5))
    opened = _open(site, made.code, site.shop.later(5))
    assert opened.compartment == "S1"
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.HANDED_OVER
    assert [busy for _, busy in lockers.compartments(site.ops, "locker")] == [None, None]


def test_an_uncollected_pickup_past_its_deadline_releases_its_stock(site: Site) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 1)
    _place(site, "o-1")
    promise.advance(site.shop.hub, "o-1", "locker", Step.CONFIRMED, site.shop.later(1))
    made = lockers.assign_order(
        site.shop.hub, site.ops, "o-1", "locker", site.shop.clock(), Size(100, 100, 100),
        window=timedelta(hours=24),
    )  # fmt: skip
    assert site.shop.held("MUG")["locker"] == 0
    assert lockers.sweep(site.shop.hub, site.ops, site.shop.later(60)) == []
    swept = lockers.sweep(site.shop.hub, site.ops, site.shop.later(24 * 60))
    assert [a.order for a in swept] == ["o-1"]
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.CANCELLED
    site.shop.sync("locker")  # the node hears of the cancel and undoes its set-aside,
    site.shop.sync("locker")  # and the hub hears it did: the right is the hub's again
    assert site.shop.held("MUG")["locker"] == 1
    with pytest.raises(WrongPickupCode):  # the parcel was taken out: its code opens nothing
        _open(site, made.code, site.shop.later(1))
    assert [busy for _, busy in lockers.compartments(site.ops, "locker")] == [None, None]
    _place(site, "o-2")  # the unit and a compartment can be promised again


def test_a_late_code_is_refused(site: Site) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 1)
    _place(site, "o-1")
    made = lockers.assign_order(
        site.shop.hub, site.ops, "o-1", "locker", site.shop.clock(), Size(100, 100, 100),
        window=timedelta(hours=1),
    )  # fmt: skip
    with pytest.raises(PickupRefused):
        _open(site, made.code, site.shop.later(61))
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.CONFIRMED


def test_an_order_too_large_for_any_free_compartment_is_not_promised_to_the_locker(
    site: Site,
) -> None:
    _compartments(site)
    site.shop.stock("locker", "LAMP", 1)
    with pytest.raises(CannotPromise) as refused:
        _place(site, "o-1", "LAMP")
    assert "no free compartment fits the parcel" in str(refused.value.reasons)
    assert site.shop.held("LAMP")["locker"] == 1


def test_a_full_locker_promises_nothing_more(site: Site) -> None:
    lockers.add_compartment(site.ops, "locker", "S1", Size(200, 150, 100))
    site.shop.stock("locker", "MUG", 2)
    _place(site, "o-1")
    parcel = lockers.parcel_for(site.shop.hub, {"MUG": 1})
    lockers.assign_order(site.shop.hub, site.ops, "o-1", "locker", site.shop.clock(), parcel)
    with pytest.raises(CannotPromise):
        _place(site, "o-2")


def _in_a_compartment(site: Site, key: str, quantity: int = 1) -> str:
    """A pickup of `quantity` mugs placed at the locker and put in a compartment: its code."""
    _place(site, key, quantity=quantity)
    parcel = lockers.parcel_for(site.shop.hub, {"MUG": quantity})
    made = lockers.assign_order(site.shop.hub, site.ops, key, "locker", site.shop.clock(), parcel)
    return made.code


def test_a_collected_parcel_leaves_the_lockers_ledger_as_a_pick_of_its_reservation(
    site: Site,
) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 3)
    code = _in_a_compartment(site, "o-1", quantity=2)
    site.shop.sync("locker")  # the set-aside reaches the locker
    _open(site, code, site.shop.later(5))
    assert _on_hand(site, "MUG") == 1
    with site.shop.nodes["locker"]() as uow:
        last = uow.ledger.movements("locker", 0, 1000)[-1]
    assert (last.kind, last.quantity, last.tag, last.tag_id) == (
        MovementKind.PICK, -2, Tag.FULFIL, "o-1/locker/MUG",
    )  # fmt: skip
    site.shop.sync("locker")
    with site.shop.hub() as uow:
        reservation = uow.accounts.reservation("o-1/locker/MUG")
    assert reservation is not None and reservation.state is State.FULFILLED


def test_a_set_aside_not_yet_at_the_locker_is_fetched_before_the_pick(site: Site) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 2)
    code = _in_a_compartment(site, "o-1")  # the locker has not synced since
    _open(site, code, site.shop.later(5))
    assert _on_hand(site, "MUG") == 1
    site.shop.sync("locker")
    with site.shop.hub() as uow:
        reservation = uow.accounts.reservation("o-1/locker/MUG")
    assert reservation is not None and reservation.state is State.FULFILLED


def test_with_the_hub_down_the_pick_is_recorded_once_from_the_lockers_own_rights(
    site: Site,
) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 2)
    code = _in_a_compartment(site, "o-1")
    with site.shop.nodes["locker"]() as uow:
        head = uow.ledger.load("locker", []).head
    _open(site, code, site.shop.later(5), hub_up=False)
    with site.shop.nodes["locker"]() as uow:
        made = uow.ledger.movements("locker", head, 1000)
    assert [(m.kind, m.quantity, m.tag, m.tag_id) for m in made] == [
        (MovementKind.PICK, -1, Tag.FULFIL, "o-1/locker/MUG")
    ]
    held = {"o-1/locker/MUG": ("MUG", 1)}
    assert fulfilment.pick(site.shop.nodes["locker"], "locker", held, site.shop.later(1)) == []
    assert _on_hand(site, "MUG") == 1


def test_too_many_wrong_codes_lock_the_locker_for_a_while_even_to_the_right_code(
    site: Site,
) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 1)
    code = _in_a_compartment(site, "o-1")
    for left in range(WRONG_CODES - 1, -1, -1):
        with pytest.raises(WrongPickupCode) as wrong:
            _open(site, _wrong(code), site.shop.later(1))
        assert wrong.value.left == left
    with pytest.raises(TooManyWrongCodes) as locked:
        _open(site, code, site.shop.later(1))
    assert "too many wrong codes at locker" in str(locked.value)
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.CONFIRMED
    site.shop.later(LOCKOUT / timedelta(minutes=1))
    assert _open(site, code, site.shop.clock()).order == "o-1"


def test_wrong_codes_spread_out_over_time_do_not_lock_the_locker(site: Site) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 1)
    code = _in_a_compartment(site, "o-1")
    for _ in range(2 * WRONG_CODES):
        with pytest.raises(WrongPickupCode):
            _open(site, _wrong(code), site.shop.later(5))
    assert _open(site, code, site.shop.later(5)).order == "o-1"


def test_a_parcel_in_the_locker_outlives_its_checkout_lease_until_collected(site: Site) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 2)
    code = _in_a_compartment(site, "o-1")
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.CONFIRMED
    assert promise.release_lapsed(site.shop.hub, site.shop.later(24 * 60)) == []  # lease: 15 min
    assert _open(site, code, site.shop.later(5)).order == "o-1"
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.HANDED_OVER
    assert _on_hand(site, "MUG") == 1
    site.shop.sync("locker")
    with site.shop.hub() as uow:
        reservation = uow.accounts.reservation("o-1/locker/MUG")
    assert reservation is not None and reservation.state is State.FULFILLED


def test_a_parcel_that_fits_no_compartment_leaves_its_order_only_promised(site: Site) -> None:
    _compartments(site)
    site.shop.stock("locker", "MUG", 1)
    _place(site, "o-1")
    with pytest.raises(NoCompartmentFits):
        lockers.assign_order(
            site.shop.hub, site.ops, "o-1", "locker", site.shop.clock(), Size(900, 900, 900)
        )
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.PROMISED


# --- a pickup whose goods a transfer brings to the locker ----------------------------------

TRANSFER = promise.transfer_id("o-1", "shopfront")
ARRIVAL = arrival_id("o-1", "shopfront", "locker", "MUG")


def _travelling(site: Site) -> None:
    """Two mugs for pickup at the locker, which holds none: the shopfront sends them."""
    _compartments(site)
    site.shop.stock("shopfront", "MUG", 3)
    site.shop.sync("locker")  # the hub has heard from the locker
    placed = _place(site, "o-1", quantity=2)
    assert placed.record.order.parts["shopfront"].transfer_to == "locker"


def _ship(site: Site) -> None:
    site.shop.sync("shopfront")  # the shopfront sets the order's mugs aside
    transfers.ship(site.ops, site.shop.nodes["shopfront"], TRANSFER, site.shop.later(30), "ana")


def _receive(site: Site) -> None:
    locker_db, at = site.shop.nodes["locker"], site.shop.later(40)
    transfers.receive(site.ops, locker_db, TRANSFER, {"MUG": 2}, at, "bo", site.shop.hub)


def _assign(site: Site, window: timedelta = lockers.PICKUP_WINDOW) -> lockers.Assigned:
    lines = lockers.parcel_lines(site.shop.hub, "o-1", "locker")
    parcel = lockers.parcel_for(site.shop.hub, lines)
    return lockers.assign_order(
        site.shop.hub, site.ops, "o-1", "locker", site.shop.clock(), parcel, window
    )


def _locker_rights(site: Site) -> Rights:
    with site.shop.nodes["locker"]() as uow:
        return sync.load_side(uow, "locker").get("MUG")


def test_a_transferred_pickup_goes_in_only_once_arrived_and_leaves_from_its_set_aside(
    site: Site,
) -> None:
    _travelling(site)
    with pytest.raises(PickupRefused, match="its goods from shopfront have not arrived yet"):
        _assign(site)
    _ship(site)
    with pytest.raises(PickupRefused, match="have not arrived yet"):
        _assign(site)
    _receive(site)
    assert lockers.parcel_lines(site.shop.hub, "o-1", "locker") == {"MUG": 2}
    made = _assign(site)
    assert promise.release_lapsed(site.shop.hub, site.shop.later(24 * 60)) == []
    with site.shop.nodes["locker"]() as uow:
        head = uow.ledger.load("locker", []).head
    assert _open(site, made.code, site.shop.later(5)).order == "o-1"
    order = promise.get_order(site.shop.hub, "o-1").order
    assert order.step is Step.HANDED_OVER
    with site.shop.nodes["locker"]() as uow:
        picked = uow.ledger.movements("locker", head, 1000)
    assert [(m.kind, m.quantity, m.tag, m.tag_id) for m in picked] == [
        (MovementKind.PICK, -2, Tag.FULFIL, ARRIVAL)
    ]
    there = _locker_rights(site)
    assert (_on_hand(site, "MUG"), there.reserved, there.local) == (0, (), 0)
    held = order.left("locker")
    assert held == {ARRIVAL: ("MUG", 2)}
    assert fulfilment.pick(site.shop.nodes["locker"], "locker", held, site.shop.later(1)) == []
    site.shop.sync("locker")
    with site.shop.hub() as uow:
        reservation = uow.accounts.reservation(ARRIVAL)
        claims = uow.accounts.load("locker").claims("MUG")
    assert reservation is not None and reservation.state is State.FULFILLED
    assert claims == _locker_rights(site).hub_share


def test_an_uncollected_transferred_pickup_is_swept_and_its_goods_are_the_lockers_own(
    site: Site,
) -> None:
    _travelling(site)
    _ship(site)
    _receive(site)
    made = _assign(site, window=timedelta(hours=24))
    swept = lockers.sweep(site.shop.hub, site.ops, site.shop.later(24 * 60 + 1))
    assert [a.order for a in swept] == ["o-1"]
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.CANCELLED
    site.shop.sync("locker")  # the locker undoes the set-aside: the mugs are its own
    site.shop.sync("locker")  # and the hub hears it did
    there = _locker_rights(site)
    assert (_on_hand(site, "MUG"), there.reserved, there.local + there.granted) == (2, (), 2)
    with site.shop.hub() as uow:
        reservation = uow.accounts.reservation(ARRIVAL)
        claims = uow.accounts.load("locker").claims("MUG")
    assert reservation is not None and reservation.state is State.CANCELLED
    assert claims == there.hub_share
    assert there.local + site.shop.held("MUG")["locker"] == 2  # for sale again, here or online
    with pytest.raises(WrongPickupCode):
        _open(site, made.code, site.shop.later(1))
