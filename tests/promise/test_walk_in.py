"""A walk-in sale of goods in hand is a fact: never refused for want of rights, always visible."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from microindex.domain.errors import OutOfStock
from microindex.domain.movement import Tag
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


def test_an_offline_node_records_the_sale_as_an_overdraft_the_hub_then_sees(shop: Shop) -> None:
    shop.stock("van", "MUG", 5)
    sale = rights.sell_walk_in(shop.nodes["van"], "van", "MUG", 1, shop.clock(), "till", _offline)
    assert (sale.tag, sale.reference) == (Tag.OVERDRAFT, "till")
    shop.sync("van")
    with shop.hub() as uow:
        assert uow.accounts.peer("van").overdraft == 1


def test_selling_more_than_is_on_hand_is_still_refused(shop: Shop) -> None:
    shop.stock("van", "MUG", 1)
    with pytest.raises(OutOfStock):
        rights.sell_walk_in(shop.nodes["van"], "van", "MUG", 2, shop.clock(), "till", _offline)
