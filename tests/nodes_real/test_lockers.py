"""A parcel locker as it really is: compartments, pickup codes, deadlines, capacity."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microindex.demo.scenario import NODES
from microindex.domain.locker import PickupRefused, WrongPickupCode
from microindex.domain.product import Size
from microindex.domain.promise.lifecycle import Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.service import lockers, promise
from tests.nodes_real.conftest import Site

LOCKER = next(node for node in NODES if node.code.value == "locker")


def _compartments(site: Site) -> None:
    lockers.add_compartment(site.ops, "locker", "S1", Size(200, 150, 100))
    lockers.add_compartment(site.ops, "locker", "M1", Size(400, 300, 200))


def _place(site: Site, key: str, sku: str = "MUG", quantity: int = 1) -> promise.Placed:
    asked = OrderRequest(
        (OrderLine(sku, quantity),), Method.PICKUP, site.shop.clock(), pickup_node="locker"
    )
    parcel = lockers.parcel_for(site.shop.hub, asked.wanted)
    states = lockers.locker_states(site.ops, NODES, parcel)
    return promise.place_order(site.shop.hub, key, asked, NODES, states=states)


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
        lockers.open_with(
            site.shop.hub,
            site.ops,
            "locker",
            "000000" if made.code != "000000" else "111111",
            site.shop.later(5),
        )
    opened = lockers.open_with(site.shop.hub, site.ops, "locker", made.code, site.shop.later(5))
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
        lockers.open_with(site.shop.hub, site.ops, "locker", made.code, site.shop.later(1))
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
        lockers.open_with(site.shop.hub, site.ops, "locker", made.code, site.shop.later(61))
    assert promise.get_order(site.shop.hub, "o-1").order.step is Step.PROMISED


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
