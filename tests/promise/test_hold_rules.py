"""Where a shopper may hold an item, how many, and for how long: rules on a node alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microindex.demo.scenario import NODES
from microindex.domain.promise.holds import NodeClosed, lease, refusal, reservable

SHOPFRONT, LOCKER, VAN = NODES  # open 10-18 (Sunday 11-17), 20 minutes to get an item ready
TUESDAY = datetime(2026, 11, 24, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return TUESDAY.replace(hour=hour, minute=minute)


def test_a_shopper_holds_up_to_five_of_what_the_hub_holds_at_an_open_counter() -> None:
    assert reservable(SHOPFRONT, "MUG", 9, at(12)) == 5
    assert reservable(SHOPFRONT, "MUG", 2, at(12)) == 2
    assert reservable(SHOPFRONT, "MUG", 0, at(12)) == 0


def test_no_hold_where_nobody_hands_it_over_or_the_shop_is_shut() -> None:
    assert reservable(VAN, "MUG", 9, at(12)) == 0  # no pickup
    assert reservable(LOCKER, "MUG", 9, at(12)) == 0  # parcels go through its compartments
    assert reservable(SHOPFRONT, "MUG", 9, at(9)) == 0  # not open yet
    refused = [refusal(SHOPFRONT, "MUG", 1, 9, at(h)) for h in (9, 20)]
    assert [None if r is None else r.code for r in refused] == ["node_closed"] * 2


def test_a_shop_closing_before_the_item_is_ready_takes_no_hold() -> None:
    found = refusal(SHOPFRONT, "MUG", 1, 9, at(17, 50))  # 10 minutes' work today, 10 tomorrow
    assert isinstance(found, NodeClosed) and found.ready_by == at(10, 10) + timedelta(days=1)
    assert refusal(SHOPFRONT, "MUG", 1, 9, at(17, 40)) is None  # ready at 18:00 sharp


def test_a_hold_lasts_its_time_from_when_the_item_is_ready() -> None:
    assert lease(SHOPFRONT, at(12), timedelta(minutes=30)) == timedelta(minutes=50)
