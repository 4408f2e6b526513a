"""A walk-in sale of goods in hand: from local rights (asked of the hub when it can be
reached); beyond them the units are promised online, refused unless staff override it, then
recorded as a visible overdraft with who and why. Never silent, never beyond on hand."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from microindex.domain.errors import OutOfStock
from microindex.domain.movement import Tag
from microindex.domain.sync.node import Override, PromisedOnline
from microindex.service import rights, sync
from microindex.service.sync_ports import HubUnreachable
from tests.promise.conftest import Shop


def _local(shop: Shop, node: str, sku: str) -> int:
    with shop.nodes[node]() as uow:
        return sync.load_side(uow, node).get(sku).local


def _offline(lines: Mapping[str, int]) -> None:
    raise HubUnreachable("no network at the market stall")


def test_an_online_node_asks_the_hub_for_the_rights_it_lacks(shop: Shop) -> None:
    shop.stock("van", "MUG", 5)
    assert _local(shop, "van", "MUG") == 0  # a node that syncs often pools rights at the hub
    sale = rights.sell_walk_in(
        shop.nodes["van"], "van", "MUG", 2, shop.clock(), "till", shop.asking("van")
    )
    assert (sale.tag, sale.reference) == (None, "till")
    assert shop.held("MUG")["van"] <= 3


def test_an_offline_node_refuses_units_promised_online_without_an_override(shop: Shop) -> None:
    shop.stock("van", "MUG", 5)
    with pytest.raises(PromisedOnline) as refused:
        rights.sell_walk_in(shop.nodes["van"], "van", "MUG", 1, shop.clock(), "till", _offline)
    assert (refused.value.sku, refused.value.requested, refused.value.held) == ("MUG", 1, 0)
    with shop.nodes["van"]() as uow:
        assert uow.ledger.load("van", ["MUG"]).available("MUG") == 5  # nothing sold


def test_an_offline_node_records_an_override_as_an_overdraft_the_hub_then_sees(shop: Shop) -> None:
    shop.stock("van", "MUG", 5)
    sale = rights.sell_walk_in(
        shop.nodes["van"],
        "van",
        "MUG",
        1,
        shop.clock(),
        "till",
        _offline,
        override=Override("ana", "regular customer"),
    )
    assert (sale.tag, sale.reference) == (Tag.OVERDRAFT, "till (override: regular customer)")
    assert sale.actor == "ana"
    shop.sync("van")
    with shop.hub() as uow:
        assert uow.accounts.peer("van").overdraft == 1


def test_selling_more_than_is_on_hand_is_still_refused(shop: Shop) -> None:
    shop.stock("van", "MUG", 1)
    with pytest.raises(OutOfStock):
        rights.sell_walk_in(shop.nodes["van"], "van", "MUG", 2, shop.clock(), "till", _offline)
    with pytest.raises(OutOfStock):
        rights.sell_walk_in(
            shop.nodes["van"],
            "van",
            "MUG",
            2,
            shop.clock(),
            "till",
            _offline,
            override=Override("ana", "in hand, surely"),
        )
