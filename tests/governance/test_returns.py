"""Returns: opened against a sale, sent to the nearest return point, checked in, dispositioned."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microindex.domain.movement import MovementKind
from microindex.domain.node import Location
from microindex.domain.product import Fragility
from microindex.domain.returns import (
    Condition,
    Disposition,
    NoReturnPoint,
    Origin,
    OriginKind,
    Reason,
    ReturnExceedsSale,
    ReturnRefused,
    ReturnState,
    nearest_return_point,
    rule_for,
)
from microindex.service import returns, stock
from tests.governance.conftest import AT, BOWL, MUG, NODES, VASE, VASE_GTIN, Shop
from tests.sales import sell

KINGS_CROSS = Location(51.5308, -0.1238)
VAN_SALE = Origin(OriginKind.SALE, "till:van", "van")


def on_hand(shop: Shop, node: str, sku: str) -> int:
    with shop.nodes[node]() as uow:
        return uow.ledger.load(node, [sku]).available(sku)


def sell_at_van(shop: Shop, sku: str, units: int) -> None:
    stock.receive(shop.nodes["van"], "van", sku, units, AT, "delivery")
    sell(shop.nodes["van"], "van", sku, units, AT + timedelta(hours=1), "till:van")


def test_a_return_is_restocked_at_a_different_node_than_it_was_sold_from(shop: Shop) -> None:
    sell_at_van(shop, MUG, 2)
    ret = returns.open_return(
        shop.hub, shop.nodes, VAN_SALE, [(MUG, 1)], Reason.CHANGED_MIND, AT, near=KINGS_CROSS
    )
    assert ret.return_point == "locker"
    returns.check_in(shop.hub, shop.nodes, ret.id, MUG)
    decision = returns.disposition(shop.nodes, ret.id, MUG, Condition.AS_NEW, AT, actor="kim")
    assert decision.disposition is Disposition.RESTOCK and decision.movement is not None
    assert on_hand(shop, "locker", MUG) == 1
    assert on_hand(shop, "van", MUG) == 0
    sell(shop.nodes["locker"], "locker", MUG, 1, AT + timedelta(days=1), "till:locker")
    assert on_hand(shop, "locker", MUG) == 0
    _, closed = returns.find_return(shop.nodes, ret.id)
    assert closed.state is ReturnState.CLOSED


def test_the_restock_movement_names_the_return(shop: Shop) -> None:
    sell_at_van(shop, MUG, 1)
    ret = returns.open_return(shop.hub, shop.nodes, VAN_SALE, [(MUG, 1)], Reason.WRONG_ITEM, AT)
    returns.check_in(shop.hub, shop.nodes, ret.id, MUG)
    decision = returns.disposition(shop.nodes, ret.id, MUG, Condition.AS_NEW, AT)
    assert decision.movement is not None
    with shop.nodes[ret.return_point]() as uow:
        movement = uow.ledger.movement(ret.return_point, decision.movement)
    assert movement is not None
    assert (movement.kind.value, movement.quantity, movement.reference) == (
        "return-restock",
        1,
        f"return:{ret.id}",
    )


def test_without_a_customer_location_the_return_goes_to_the_point_nearest_the_seller(
    shop: Shop,
) -> None:
    sell_at_van(shop, MUG, 1)
    ret = returns.open_return(shop.hub, shop.nodes, VAN_SALE, [(MUG, 1)], Reason.WRONG_ITEM, AT)
    assert ret.return_point == "shopfront"  # the van is no return point; the shopfront is near


def test_check_in_by_gtin_scan_finds_the_line(shop: Shop) -> None:
    sell_at_van(shop, VASE, 1)
    ret = returns.open_return(shop.hub, shop.nodes, VAN_SALE, [(VASE, 1)], Reason.FAULTY, AT)
    (line,) = returns.check_in(shop.hub, shop.nodes, ret.id, VASE_GTIN)
    assert (line.sku, line.received) == (VASE, 1)


def test_damaged_fragile_goods_are_written_off_by_rule_and_never_restocked(shop: Shop) -> None:
    sell_at_van(shop, BOWL, 1)
    ret = returns.open_return(
        shop.hub, shop.nodes, VAN_SALE, [(BOWL, 1)], Reason.DAMAGED_IN_TRANSIT, AT
    )
    returns.check_in(shop.hub, shop.nodes, ret.id, BOWL)
    decision = returns.disposition(shop.nodes, ret.id, BOWL, Condition.DAMAGED, AT)
    assert decision.disposition is Disposition.WRITE_OFF
    assert decision.movement is None
    assert on_hand(shop, ret.return_point, BOWL) == 0


def test_returning_more_than_the_sale_sold_is_refused(shop: Shop) -> None:
    sell_at_van(shop, MUG, 1)
    returns.open_return(shop.hub, shop.nodes, VAN_SALE, [(MUG, 1)], Reason.CHANGED_MIND, AT)
    with pytest.raises(ReturnExceedsSale) as refused:
        returns.open_return(shop.hub, shop.nodes, VAN_SALE, [(MUG, 1)], Reason.CHANGED_MIND, AT)
    assert (refused.value.sold, refused.value.returned) == (1, 2)


def test_units_cannot_be_dispositioned_before_they_are_checked_in(shop: Shop) -> None:
    sell_at_van(shop, MUG, 2)
    ret = returns.open_return(shop.hub, shop.nodes, VAN_SALE, [(MUG, 2)], Reason.CHANGED_MIND, AT)
    returns.check_in(shop.hub, shop.nodes, ret.id, MUG)
    with pytest.raises(ReturnRefused):
        returns.disposition(shop.nodes, ret.id, MUG, Condition.AS_NEW, AT, quantity=2)
    with pytest.raises(ReturnRefused):
        returns.check_in(shop.hub, shop.nodes, ret.id, MUG, quantity=2)


def test_an_order_id_origin_is_checked_against_the_order_s_picks(shop: Shop) -> None:
    stock.receive(shop.nodes["shopfront"], "shopfront", MUG, 3, AT)
    stock.record_movement(
        shop.nodes["shopfront"], "shopfront", MUG, MovementKind.PICK, -2, AT, "ord-1001"
    )
    origin = Origin(OriginKind.ORDER, "ord-1001", "shopfront")
    ret = returns.open_return(shop.hub, shop.nodes, origin, [(MUG, 2)], Reason.NOT_AS_DESCRIBED, AT)
    assert ret.origin.kind is OriginKind.ORDER and ret.units == 2


def test_no_return_point_anywhere_is_an_error_with_the_location() -> None:
    with pytest.raises(NoReturnPoint):
        nearest_return_point([NODES[2]], KINGS_CROSS)


def test_faulty_goods_are_never_restocked_by_rule() -> None:
    for condition in Condition:
        for fragility in Fragility:
            chosen = rule_for(condition, fragility, Reason.FAULTY)
            assert chosen is not Disposition.RESTOCK


def test_a_sku_returned_above_the_threshold_raises_an_alert_with_its_returns(shop: Shop) -> None:
    sell_at_van(shop, MUG, 5)
    made = [
        returns.open_return(shop.hub, shop.nodes, VAN_SALE, [(MUG, 1)], Reason.FAULTY, AT)
        for _ in range(2)
    ]
    found = returns.alerts(shop.nodes, None, AT - timedelta(days=1), AT + timedelta(days=1), 0.2)
    assert [(a.dimension, a.key, a.sold, a.returned) for a in found] == [("sku", MUG, 5, 2)]
    assert found[0].evidence == tuple(sorted(r.id for r in made))
