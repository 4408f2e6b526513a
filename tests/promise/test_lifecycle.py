from datetime import UTC, datetime, timedelta

import pytest

from microindex.domain.promise.lifecycle import Order, Part, Step, StepRefused
from microindex.domain.promise.order import Method

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def split_order(method: Method = Method.LOCAL_DELIVERY) -> Order:
    parts = {"shop": Part("shop", (("MUG", 1),)), "van": Part("van", (("BOWL", 1),))}
    return Order("o-1", method, AT, AT + timedelta(hours=3), parts)


def test_each_step_is_timestamped_and_the_order_is_as_far_as_its_slowest_part() -> None:
    order = split_order()
    order.advance("shop", Step.PICKED, AT + timedelta(minutes=5))
    after_shop = order.step
    order.advance("van", Step.PICKED, AT + timedelta(minutes=9))
    assert (after_shop, order.step) == (Step.PROMISED, Step.PICKED)
    assert [(e.node, e.step, e.at.minute) for e in order.events] == [
        ("shop", Step.PICKED, 5),
        ("van", Step.PICKED, 9),
    ]


def test_steps_only_move_forward() -> None:
    order = split_order()
    order.advance("shop", Step.PACKED, AT)
    with pytest.raises(StepRefused):
        order.advance("shop", Step.PICKED, AT)


def test_a_pickup_ends_when_collected_and_cannot_be_delivered() -> None:
    order = split_order(Method.PICKUP)
    for node in ("shop", "van"):
        order.advance(node, Step.HANDED_OVER, AT)
    assert not order.open
    with pytest.raises(StepRefused):
        order.advance("shop", Step.DELIVERED, AT)


def test_releasing_ends_every_part_not_yet_handed_over() -> None:
    order = split_order()
    order.advance("shop", Step.HANDED_OVER, AT)
    events = order.end(Step.RELEASED, AT)
    assert [e.node for e in events] == ["van"]
    assert order.step is Step.HANDED_OVER
    with pytest.raises(StepRefused) as refused:
        order.end(Step.CANCELLED, AT)
    assert str(refused.value) == "order o-1 is handed_over; cannot go to cancelled"


def test_a_step_at_a_node_the_order_does_not_use_is_refused_in_words() -> None:
    with pytest.raises(StepRefused) as refused:
        split_order().advance("locker", Step.PACKED, AT)
    assert str(refused.value) == "order o-1 has no part at locker"


def test_an_order_is_at_the_pickup_node_its_goods_travel_to_and_held_there_on_arrival() -> None:
    parts = {
        "locker": Part("locker", (("BOWL", 1),)),
        "shop": Part("shop", (("MUG", 2),), transfer_to="locker"),
    }
    order = Order("o-1", Method.PICKUP, AT, AT + timedelta(hours=3), parts)
    assert order.nodes == {"locker", "shop"}
    assert [p.node for p in order.collected_at("locker")] == ["locker", "shop"]
    assert order.collected_at("shop") == []  # the shop only sends its part
    assert order.held_at("locker") == {
        "o-1/locker/BOWL": ("BOWL", 1),  # reserved at the locker itself
        "o-1/shop>locker/MUG": ("MUG", 2),  # set aside there when the transfer arrives
    }
    order.end(Step.CANCELLED, AT)
    assert order.collected_at("locker") == [] and order.held_at("locker") == {}


def test_a_nodes_goods_leave_once_its_part_is_picked_or_a_later_step_skips_picking() -> None:
    order = split_order()
    order.advance("shop", Step.CONFIRMED, AT)
    assert order.left("shop") == {}  # still on the shelf, set aside
    order.advance("van", Step.PACKED, AT)  # the van's staff skipped "picked"
    assert order.left("van") == {"o-1/van/BOWL": ("BOWL", 1)}
    assert order.left("shop") == {}
    order.advance("shop", Step.PICKED, AT)
    order.advance("shop", Step.DELIVERED, AT)
    assert order.left("shop") == {"o-1/shop/MUG": ("MUG", 1)}  # the same reservation, once


def test_goods_a_transfer_brings_leave_the_pickup_node_at_handover_never_at_the_sender() -> None:
    parts = {
        "locker": Part("locker", (("BOWL", 1),)),
        "shop": Part("shop", (("MUG", 2),), transfer_to="locker"),
    }
    order = Order("o-1", Method.PICKUP, AT, AT + timedelta(hours=3), parts)
    order.advance("shop", Step.PICKED, AT)
    assert order.left("shop") == {}  # shipping its transfer takes the reservation there
    order.arrive("shop", AT)
    assert order.left("locker") == {}  # arrived: set aside at the locker, waiting
    order.advance("locker", Step.HANDED_OVER, AT)
    assert order.left("locker") == {
        "o-1/locker/BOWL": ("BOWL", 1),
        "o-1/shop>locker/MUG": ("MUG", 2),
    }


def test_a_cancelled_part_has_nothing_more_to_pick() -> None:
    order = split_order()
    order.advance("shop", Step.PICKED, AT)
    order.end(Step.CANCELLED, AT)
    assert order.left("shop") == {}  # picked goods stay picked: the staff receive them back
