"""The pure rules a small seller leans on: a kit's availability is its scarcest part's, a
purchase order receives no more than outstanding, VAT splits exactly either way, a reorder
point says what is low."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.errors import InvalidValue
from microindex.domain.kits import Kit, KitPart, check_kit, parts_wanted
from microindex.domain.money import Money
from microindex.domain.purchasing import OverReceipt, PoState, PurchaseOrder, PurchaseOrderRefused
from microindex.domain.reorder import ReorderPoint, low_stock
from microindex.domain.vat import PriceMode, VatRate, priced

AT = datetime(2026, 11, 26, 12, tzinfo=UTC)
KIT = Kit("KIT", (KitPart("SOAP", 2), KitPart("TIN", 1), KitPart("BAG", 1)))


def test_a_kit_is_available_as_often_as_its_scarcest_part_allows() -> None:
    assert KIT.available({"SOAP": 7, "TIN": 9, "BAG": 5}) == 3
    assert KIT.available({"SOAP": 7, "TIN": 9}) == 0
    assert KIT.available({"SOAP": -2, "TIN": 9, "BAG": 5}) == 0  # an overdraft makes none


def test_kit_lines_become_their_parts_added_to_single_lines() -> None:
    wanted = parts_wanted([("KIT", 2), ("SOAP", 1), ("MUG", 1)], {"KIT": KIT})
    assert wanted == {"SOAP": 5, "TIN": 2, "BAG": 2, "MUG": 1}


def test_kits_do_not_nest_repeat_parts_or_contain_themselves() -> None:
    with pytest.raises(InvalidValue, match="once per kit"):
        Kit("K", (KitPart("A", 1), KitPart("A", 2)))
    with pytest.raises(InvalidValue, match="part of itself"):
        Kit("K", (KitPart("K", 1),))
    with pytest.raises(InvalidValue, match="is a kit itself"):
        check_kit(Kit("BOX", (KitPart("KIT", 1),)), {"KIT": KIT})
    with pytest.raises(InvalidValue, match="is a part of kit KIT"):
        check_kit(Kit("SOAP", (KitPart("MUG", 1),)), {"KIT": KIT})


def _sent() -> PurchaseOrder:
    order = PurchaseOrder("PO-1", "Soapworks", "shop", AT)
    order = order.add_line("SOAP", 10, Money(Decimal("1.10"), "GBP"))
    order = order.add_line("TIN", 4, Money(Decimal("2.00"), "GBP"))
    return order.send(AT)


def test_a_purchase_order_received_in_two_parts_closes_itself() -> None:
    order, first = _sent().receive({"SOAP": 6}, AT + timedelta(days=1))
    assert (order.state, first.number) == (PoState.PARTLY_RECEIVED, 1)
    order, second = order.receive({"SOAP": 4, "TIN": 4}, AT + timedelta(days=2))
    assert (order.state, second.number, order.closed_at) == (
        PoState.CLOSED, 2, AT + timedelta(days=2),
    )  # fmt: skip
    assert [(line.received, line.outstanding) for line in order.lines] == [(10, 0), (4, 0)]


def test_a_purchase_order_refuses_what_was_not_ordered_or_is_not_outstanding() -> None:
    with pytest.raises(OverReceipt):
        _sent().receive({"SOAP": 11}, AT)
    with pytest.raises(InvalidValue, match="not on purchase order"):
        _sent().receive({"MUG": 1}, AT)
    draft = PurchaseOrder("PO-2", "Soapworks", "shop", AT)
    with pytest.raises(PurchaseOrderRefused):
        draft.receive({"SOAP": 1}, AT)
    with pytest.raises(PurchaseOrderRefused, match="no lines"):
        draft.send(AT)
    with pytest.raises(InvalidValue):
        PurchaseOrder("PO 3", "Soapworks", "shop", AT)  # a space in the id
    with pytest.raises(InvalidValue):
        PurchaseOrder("PO-3", "Soap\x1bworks", "shop", AT)


@pytest.mark.parametrize(
    ("price", "rate", "mode", "net", "vat", "gross"),
    [
        ("24.00", "20", PriceMode.INCLUSIVE, "20.00", "4.00", "24.00"),
        ("26.00", "20", PriceMode.INCLUSIVE, "21.67", "4.33", "26.00"),
        ("4.20", "20", PriceMode.EXCLUSIVE, "4.20", "0.84", "5.04"),
        ("9.99", "5", PriceMode.EXCLUSIVE, "9.99", "0.50", "10.49"),
        ("9.99", "0", PriceMode.INCLUSIVE, "9.99", "0.00", "9.99"),
    ],
)
def test_vat_splits_a_price_exactly_as_its_mode_says_it_was_typed(
    price: str, rate: str, mode: PriceMode, net: str, vat: str, gross: str
) -> None:
    split = priced(Money(Decimal(price), "GBP"), VatRate.parse(rate), mode)
    assert (split.net.amount, split.vat.amount, split.gross.amount) == (
        Decimal(net), Decimal(vat), Decimal(gross),
    )  # fmt: skip


@given(
    st.decimals(min_value=0, max_value=100_000, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
    st.sampled_from(list(PriceMode)),
)
def test_net_plus_vat_is_gross_to_the_penny(
    amount: Decimal, rate: Decimal, mode: PriceMode
) -> None:
    split = priced(Money(amount, "GBP"), VatRate(rate), mode)
    assert split.net.amount + split.vat.amount == split.gross.amount
    assert split.vat.amount >= 0


@pytest.mark.parametrize("typed", ["=1+1", "101", "-5", "5.555", "", "1e2"])
def test_a_vat_rate_typed_wrong_is_refused(typed: str) -> None:
    with pytest.raises(InvalidValue):
        VatRate.parse(typed)


def test_a_reorder_point_lists_what_is_at_or_below_it_with_what_to_order() -> None:
    points = [ReorderPoint("shop", "SOAP", 3, 12), ReorderPoint("van", "SOAP", 1)]
    low = low_stock(points, {("shop", "SOAP"): 3, ("van", "SOAP"): 2})
    assert [(x.node, x.on_hand, x.suggested) for x in low] == [("shop", 3, 9)]
    with pytest.raises(InvalidValue, match="above the reorder point"):
        ReorderPoint("shop", "SOAP", 5, 5)
