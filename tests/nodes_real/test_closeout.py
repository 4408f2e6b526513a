"""A van's one-tap close-out: count what is left, settle with the hub, report the day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.domain.sync.messages import Push, Reply
from microindex.service import closeout
from microindex.service.sync_ports import HubUnreachable
from tests.nodes_real.conftest import LAMP, MUG, Site
from tests.promise.conftest import SECRETS
from tests.sales import sell


def _van_day(site: Site) -> None:
    shop = site.shop
    with shop.nodes["van"]() as uow:
        uow.catalog.upsert([MUG, LAMP])
        uow.commit()
    shop.stock("van", "MUG", 10)
    shop.stock("van", "LAMP", 2)
    van = shop.nodes["van"]
    sell(van, "van", "MUG", 2, shop.later(60), "till:van")
    sell(van, "van", "LAMP", 1, shop.later(60), "till:van")


def test_a_van_close_out_leaves_the_hub_seeing_what_was_counted(site: Site) -> None:
    shop = site.shop
    start = shop.clock()
    _van_day(site)
    link = InProcessTransport("van", SECRETS["van"], HubEndpoint(shop.hub, SECRETS, shop.clock))
    day = closeout.close_out(
        shop.nodes["van"], "van", {"MUG": 7, "LAMP": 1}, link, start, shop.later(480), "sam"
    )
    with shop.hub() as uow:
        mirror = {line.sku: line.on_hand for line in uow.ledger.stock("van")}
    assert mirror == {"MUG": 7, "LAMP": 1}
    assert day.on_hand == {"MUG": 7, "LAMP": 1}
    assert day.sold == {"MUG": 2, "LAMP": 1} and day.units_sold == 3
    assert day.takings == Decimal("115.00")
    assert day.variance == -1 and day.variance_value == Decimal("-12.50")
    assert day.overdrafts == {} and day.synced


def test_a_sku_not_counted_is_left_as_it_was(site: Site) -> None:
    shop = site.shop
    start = shop.clock()
    _van_day(site)
    link = InProcessTransport("van", SECRETS["van"], HubEndpoint(shop.hub, SECRETS, shop.clock))
    day = closeout.close_out(shop.nodes["van"], "van", {"MUG": 7}, link, start, shop.later(5))
    with shop.hub() as uow:
        mirror = {line.sku: line.on_hand for line in uow.ledger.stock("van")}
    assert mirror == {"MUG": 7, "LAMP": 1}
    assert [c.sku for c in day.counts] == ["MUG"] and day.variance == -1
    assert shop.clock() - start > timedelta(0)


def test_a_complete_close_out_counts_a_sku_not_named_as_none(site: Site) -> None:
    shop = site.shop
    start = shop.clock()
    _van_day(site)
    link = InProcessTransport("van", SECRETS["van"], HubEndpoint(shop.hub, SECRETS, shop.clock))
    day = closeout.close_out(
        shop.nodes["van"], "van", {"MUG": 8}, link, start, shop.later(5), complete=True
    )
    with shop.hub() as uow:
        mirror = {line.sku: line.on_hand for line in uow.ledger.stock("van")}
    assert mirror.get("LAMP", 0) == 0 and mirror["MUG"] == 8
    assert day.takings == Decimal("115.00") and day.variance == -1


def test_a_close_out_that_names_nothing_is_refused_even_when_said_complete(site: Site) -> None:
    shop = site.shop
    _van_day(site)
    for complete in (False, True):
        with pytest.raises(closeout.NothingCounted):
            closeout.close_out(
                shop.nodes["van"], "van", {}, None, shop.clock(), shop.later(5), complete=complete
            )
    with shop.nodes["van"]() as uow:
        assert {line.sku: line.on_hand for line in uow.ledger.stock("van")} == {"MUG": 8, "LAMP": 1}


class _HubDown:
    def exchange(self, push: Push) -> Reply:
        raise HubUnreachable("the hub is down")


def test_with_the_hub_down_the_counts_stand_and_the_day_is_not_settled_yet(site: Site) -> None:
    shop = site.shop
    start = shop.clock()
    _van_day(site)
    assert closeout.to_count(shop.nodes["van"], "van") == ["LAMP", "MUG"]
    day = closeout.close_out(
        shop.nodes["van"], "van", {"MUG": 8, "LAMP": 1}, _HubDown(), start, shop.later(5)
    )
    assert not day.synced and day.on_hand == {"MUG": 8, "LAMP": 1}
    assert day.units_sold == 3 and day.variance == 0
    with shop.hub() as uow:
        mirror = {line.sku: line.on_hand for line in uow.ledger.stock("van")}
    assert mirror == {"MUG": 10, "LAMP": 2}  # the hub hears of the day at the next sync
    shop.sync("van")
    with shop.hub() as uow:
        mirror = {line.sku: line.on_hand for line in uow.ledger.stock("van")}
    assert mirror == {"MUG": 8, "LAMP": 1}
