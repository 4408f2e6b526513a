"""Transfers between nodes: each end records what it did, and a loss is a discrepancy."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from microindex.domain.movement import MovementKind
from microindex.domain.sync.account import NotEnoughRights
from microindex.domain.sync.rights import Rights
from microindex.domain.transfer import Shortfall, TransferRefused, TransferState
from microindex.service import sync, transfers
from tests.nodes_real.conftest import Site


def _on_hand(site: Site, node: str, sku: str) -> int:
    with site.shop.nodes[node]() as uow:
        return uow.ledger.load(node, [sku]).available(sku)


def _ledger_and_rights(site: Site, node: str) -> tuple[int, Rights]:
    with site.shop.nodes[node]() as uow:
        return uow.ledger.load(node, []).head, sync.load_side(uow, node).get("MUG")


def _shipped(site: Site, ident: str, quantity: int) -> None:
    shop = site.shop
    transfers.request(site.ops, ident, "shopfront", "van", {"MUG": quantity}, shop.clock())
    transfers.pack(site.ops, ident, shop.later(10), "ana")
    transfers.ship(site.ops, shop.nodes["shopfront"], ident, shop.later(5), "ana")


def _local_stock(site: Site, node: str, sku: str, quantity: int) -> None:
    """Stock the node keeps for itself (never synced, so no rights went to the hub)."""
    with site.shop.nodes[node]() as uow:
        ledger = uow.ledger.load(node, [sku])
        ledger.record(sku, MovementKind.RECEIVE, quantity, site.shop.clock())
        uow.ledger.save(ledger)
        uow.commit()


def test_a_transfer_received_whole_moves_the_stock_once(site: Site) -> None:
    _local_stock(site, "shopfront", "MUG", 5)
    _shipped(site, "t-1", 3)
    assert (_on_hand(site, "shopfront", "MUG"), _on_hand(site, "van", "MUG")) == (2, 0)
    assert transfers.stock_in_transit(site.ops) == {("van", "MUG"): 3}
    assert transfers.listed(site.ops)[0].shortfalls() == []  # on its way, not missing
    done = transfers.receive(
        site.ops, site.shop.nodes["van"], "t-1", {"MUG": 3}, site.shop.later(60)
    )
    assert done.state is TransferState.RECEIVED
    assert (_on_hand(site, "shopfront", "MUG"), _on_hand(site, "van", "MUG")) == (2, 3)
    assert transfers.stock_in_transit(site.ops) == {}
    steps = [e.state for e in transfers.listed(site.ops)[0].events]
    assert steps == ["requested", "packed", "in_transit", "received"]


def test_a_transfer_lost_in_transit_is_a_discrepancy_never_stock_at_both_ends(site: Site) -> None:
    _local_stock(site, "shopfront", "MUG", 4)
    _shipped(site, "t-1", 4)
    lost = transfers.receive(site.ops, site.shop.nodes["van"], "t-1", {}, site.shop.later(60))
    assert lost.state is TransferState.DISCREPANCY
    assert lost.shortfalls() == [Shortfall("MUG", 4, 0)]
    assert (_on_hand(site, "shopfront", "MUG"), _on_hand(site, "van", "MUG")) == (0, 0)
    assert transfers.stock_in_transit(site.ops) == {}
    assert [t.ident for t in transfers.listed(site.ops, TransferState.DISCREPANCY)] == ["t-1"]


def test_a_short_delivery_credits_only_what_arrived(site: Site) -> None:
    _local_stock(site, "shopfront", "MUG", 5)
    _shipped(site, "t-1", 5)
    short = transfers.receive(
        site.ops, site.shop.nodes["van"], "t-1", {"MUG": 3}, site.shop.later(60)
    )
    assert short.shortfalls() == [Shortfall("MUG", 5, 3)]
    assert (_on_hand(site, "shopfront", "MUG"), _on_hand(site, "van", "MUG")) == (0, 3)
    with pytest.raises(TransferRefused):  # received once: a second arrival is refused
        transfers.receive(site.ops, site.shop.nodes["van"], "t-1", {"MUG": 2}, site.shop.later(1))


def test_a_node_ships_only_stock_it_has_the_rights_to(site: Site) -> None:
    site.shop.stock("shopfront", "MUG", 2)  # synced: with no demand yet the rights pool at the hub
    transfers.request(site.ops, "t-1", "shopfront", "van", {"MUG": 2}, site.shop.clock())
    with pytest.raises(NotEnoughRights):
        transfers.ship(site.ops, site.shop.nodes["shopfront"], "t-1", site.shop.later(5))
    assert transfers.listed(site.ops)[0].state is TransferState.REQUESTED
    assert _on_hand(site, "shopfront", "MUG") == 2


def test_several_skus_pooled_at_the_hub_are_asked_back_in_one_sync_and_ship(site: Site) -> None:
    shop, lines = site.shop, {"JUG": 3, "LAMP": 3, "MUG": 3}
    for sku, quantity in lines.items():
        shop.stock("shopfront", sku, quantity)  # each synced: the rights pool at the hub
    asked: list[dict[str, int]] = []
    ask = shop.asking("shopfront")

    def recording(wanted: Mapping[str, int]) -> None:
        asked.append(dict(wanted))
        ask(wanted)

    transfers.request(site.ops, "t-1", "shopfront", "van", lines, shop.clock())
    done = transfers.ship(site.ops, shop.nodes["shopfront"], "t-1", shop.later(5), ask=recording)
    assert done.state is TransferState.IN_TRANSIT and done.shipped == lines
    assert asked == [lines]
    assert {sku: _on_hand(site, "shopfront", sku) for sku in lines} == dict.fromkeys(lines, 0)


def test_a_line_the_sender_covers_stays_covered_while_the_rest_is_asked_back(site: Site) -> None:
    shop = site.shop
    shop.stock("shopfront", "LAMP", 2)  # pooled at the hub
    _local_stock(site, "shopfront", "MUG", 4)  # the shopfront's own, not yet synced
    transfers.request(site.ops, "t-1", "shopfront", "van", {"MUG": 4, "LAMP": 2}, shop.clock())
    ask = shop.asking("shopfront")
    done = transfers.ship(site.ops, shop.nodes["shopfront"], "t-1", shop.later(5), ask=ask)
    assert done.shipped == {"MUG": 4, "LAMP": 2}
    assert (_on_hand(site, "shopfront", "MUG"), _on_hand(site, "shopfront", "LAMP")) == (0, 0)


@pytest.mark.parametrize("packed", [False, True], ids=["requested", "packed"])
def test_a_transfer_called_off_before_it_ships_moves_nothing(site: Site, packed: bool) -> None:
    shop = site.shop
    _local_stock(site, "shopfront", "MUG", 5)
    transfers.request(site.ops, "t-1", "shopfront", "van", {"MUG": 3}, shop.clock())
    if packed:
        transfers.pack(site.ops, "t-1", shop.later(5), "ana")
    before = _ledger_and_rights(site, "shopfront")
    done = transfers.cancel(site.ops, "t-1", shop.later(5), "ana")
    assert done.state is TransferState.CANCELLED and done.shortfalls() == []
    # no movement: packing took nothing out of the shopfront's rights, so nothing comes back
    assert _ledger_and_rights(site, "shopfront") == before
    assert (_on_hand(site, "shopfront", "MUG"), _on_hand(site, "van", "MUG")) == (5, 0)
    assert transfers.stock_in_transit(site.ops) == {}
    assert [t.ident for t in transfers.listed(site.ops, TransferState.CANCELLED)] == ["t-1"]
    for again in (
        lambda: transfers.pack(site.ops, "t-1", shop.later(1)),
        lambda: transfers.ship(site.ops, shop.nodes["shopfront"], "t-1", shop.later(1)),
        lambda: transfers.cancel(site.ops, "t-1", shop.later(1)),
    ):
        with pytest.raises(TransferRefused, match=r"is cancelled|was already cancelled"):
            again()
    steps = [e.state for e in transfers.get(site.ops, "t-1").events]
    assert steps == ["requested", *(["packed"] * packed), "cancelled"]


def test_a_transfer_on_its_way_cannot_be_called_off(site: Site) -> None:
    _local_stock(site, "shopfront", "MUG", 3)
    _shipped(site, "t-1", 3)
    with pytest.raises(TransferRefused, match="on its way to van: it can no longer be cancelled"):
        transfers.cancel(site.ops, "t-1", site.shop.later(5))
    assert transfers.stock_in_transit(site.ops) == {("van", "MUG"): 3}
