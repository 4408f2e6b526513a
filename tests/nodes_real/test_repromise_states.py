"""A re-promise reads each node's state now, as place_order does (service.repromise with the
workspace's CandidateStates): a van out on its round is not handed a delivery it cannot
reach from there."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.demo.scenario import NODES
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import Order, Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.round import Stop
from microindex.domain.sync.node import Override
from microindex.service import promise, repromise, rights, rounds, sync
from microindex.service.sync_ports import HubUnreachable
from tests.nodes_real.conftest import Site
from tests.promise.conftest import SECRETS

SHOPFRONT = next(node for node in NODES if node.code.value == "shopfront")
NEAR_THE_SHOP = Location(51.5400, -0.0600)
FAR_NORTH = Location(51.655, -0.0553)  # about 13 km out: beyond a van's 8 km from there


def _offline(lines: Mapping[str, int]) -> None:
    raise HubUnreachable("no signal")


def _sync_answering(site: Site, node: str) -> None:
    """As the workspace's hub answers a push: re-promise with the stored candidate state."""

    def answer(code: str, now: datetime) -> list[str]:
        return repromise.answer_uncovered(site.shop.hub, code, now, NODES, states=site.states)

    endpoint = HubEndpoint(site.shop.hub, SECRETS, site.shop.clock, after=answer)
    link = InProcessTransport(node, SECRETS[node], endpoint)
    sync.sync_node(site.shop.nodes[node], node, link, site.shop.clock())


def _goods_gone_at_the_shop(site: Site, van_stop: Location) -> Order:
    shop = site.shop
    shop.stock("shopfront", "MUG", 2)
    shop.stock("van", "MUG", 2)
    now = shop.clock()
    rounds.set_round(
        site.rounds, "van", now.date(), [Stop(now, now + timedelta(hours=6), van_stop)]
    )
    asked = OrderRequest((OrderLine("MUG", 1),), Method.LOCAL_DELIVERY, now, NEAR_THE_SHOP)
    promise.place_order(shop.hub, "o-1", asked, [SHOPFRONT], states=site.states)
    _sync_answering(site, "shopfront")  # set aside at the shop
    staff = Override("ana", "the customer was at the till")
    rights.sell_walk_in(
        shop.nodes["shopfront"], "shopfront", "MUG", 2, shop.later(5), "", _offline, "", staff
    )
    _sync_answering(site, "shopfront")
    return promise.get_order(shop.hub, "o-1").order


def test_a_van_far_out_on_its_round_is_not_given_the_delivery(site: Site) -> None:
    order = _goods_gone_at_the_shop(site, FAR_NORTH)
    assert list(order.parts) == ["shopfront"]
    assert order.parts["shopfront"].step is Step.PROMISED
    assert "no other node can promise MUG now" in order.at_risk["shopfront"]


def test_a_van_whose_round_passes_near_the_customer_takes_the_delivery(site: Site) -> None:
    order = _goods_gone_at_the_shop(site, NEAR_THE_SHOP)
    assert order.parts["shopfront"].step is Step.REROUTED
    assert order.parts["van"].step is Step.PROMISED and order.at_risk == {}
