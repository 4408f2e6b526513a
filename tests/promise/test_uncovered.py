"""When the goods set aside for an order at a node are gone (an overdraft, a write-off, a
count), the hub re-promises the order from another node at the node's next sync, or marks it
at risk: never left `promised` against stock that is gone (service.repromise)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from microindex.demo.scenario import NODES
from microindex.domain.movement import MovementKind
from microindex.domain.node import Location
from microindex.domain.promise.lifecycle import Order, Step
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.sync.account import State
from microindex.domain.sync.node import Override
from microindex.service import promise, repromise, rights
from microindex.service.sync_ports import HubUnreachable
from microindex.service.webhook_events import events_in
from tests.promise.conftest import Shop
from tests.promise.test_promise_transfers import mugs_workspace

HACKNEY = Location(51.5400, -0.0600)
STAFF = Override("ana", "the customer was at the till")


def _offline(lines: Mapping[str, int]) -> None:
    raise HubUnreachable("no signal")


def _order(shop: Shop, method: Method = Method.SHIP) -> Order:
    asked = OrderRequest((OrderLine("MUG", 2),), method, shop.clock(), HACKNEY)
    return promise.place_order(shop.hub, "o-1", asked, NODES).record.order


def _sell_all(shop: Shop, node: str) -> None:
    """The node's staff sell everything on hand, past the refusal, with the hub out of reach."""
    with shop.nodes[node]() as uow:
        on_hand = uow.ledger.load(node, ["MUG"]).available("MUG")
    at = shop.later(10)
    rights.sell_walk_in(shop.nodes[node], node, "MUG", on_hand, at, "till", _offline, "", STAFF)


def _heard(shop: Shop) -> list[tuple[str, dict[str, object]]]:
    """The webhook events the hub's outbox holds, oldest first: (type, data)."""
    with shop.hub() as uow:
        found = uow.outbox.after(0, 10_000)
    return [(kind.value, data) for m in found for _, kind, data in events_in(m)]


def _state(shop: Shop, ident: str) -> State | None:
    with shop.hub() as uow:
        found = uow.accounts.reservation(ident)
    return None if found is None else found.state


def test_an_overdraft_re_promises_the_order_from_another_node(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 3)
    shop.stock("van", "MUG", 3)
    (first,) = _order(shop, Method.LOCAL_DELIVERY).parts  # either can deliver it
    other = "van" if first == "shopfront" else "shopfront"
    shop.sync(first)  # set aside there
    assert _state(shop, f"o-1/{first}/MUG") is State.ASIDE
    _sell_all(shop, first)
    shop.sync(first)
    order = promise.get_order(shop.hub, "o-1").order
    assert order.parts[first].step is Step.REROUTED and order.parts[other].step is Step.PROMISED
    assert order.parts[other].lines == (("MUG", 2),) and order.at_risk == {}
    assert _state(shop, f"o-1/{first}/MUG") is State.UNCOVERED
    assert _state(shop, f"o-1/{other}/MUG") is State.PENDING
    noted = [(e.node, e.step, e.note) for e in promise.order_history(shop.hub, "o-1") if e.note]
    why = f"re-promised from {first}: the goods set aside at {first} are gone"
    assert [(n, s) for n, s, _ in noted] == [(first, Step.REROUTED), (other, Step.PROMISED)]
    assert all(note.startswith(why) for _, _, note in noted)
    orders = [(k, d["node"], d["step"]) for k, d in _heard(shop) if k.startswith("order.")]
    assert orders == [("order.rerouted", first, "rerouted"), ("order.stepped", other, "promised")]
    sold_out = [d for k, d in _heard(shop) if k == "stock.sold_out"]
    assert [(d["node"], d["sku"], d["on_hand"]) for d in sold_out] == [(first, "MUG", 0)]


def test_an_order_no_other_node_can_take_is_marked_at_risk(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 3)
    assert list(_order(shop).parts) == ["shopfront"]
    shop.sync("shopfront")
    _sell_all(shop, "shopfront")
    shop.sync("shopfront")
    order = promise.get_order(shop.hub, "o-1").order
    assert order.parts["shopfront"].step is Step.PROMISED
    assert order.at_risk == {
        "shopfront": "the goods set aside at shopfront are gone (sold beyond its rights, written"
        " off or counted); no other node can promise MUG now"
    }
    shop.sync("shopfront")  # said once
    assert promise.get_order(shop.hub, "o-1").order.at_risk.keys() == {"shopfront"}
    risks = [(d["order"], d["node"]) for k, d in _heard(shop) if k == "order.at_risk"]
    assert risks == [("o-1", "shopfront")]


def test_an_order_at_risk_is_re_promised_once_another_node_has_the_goods(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 2)
    _order(shop, Method.LOCAL_DELIVERY)
    shop.sync("shopfront")
    with shop.nodes["shopfront"]() as uow:  # both dropped (the shop's catalog is empty)
        ledger = uow.ledger.load("shopfront", ["MUG"])
        ledger.record("MUG", MovementKind.WRITE_OFF, -2, shop.later(5), "dropped")
        uow.ledger.save(ledger)
        uow.commit()
    shop.sync("shopfront")
    assert promise.get_order(shop.hub, "o-1").order.at_risk
    shop.stock("van", "MUG", 4)
    shop.sync("shopfront")
    order = promise.get_order(shop.hub, "o-1").order
    assert order.at_risk == {} and order.parts["van"].step is Step.PROMISED
    assert order.parts["shopfront"].step is Step.REROUTED


def _at_risk_at_shopfront(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 2)
    _order(shop, Method.LOCAL_DELIVERY)
    shop.sync("shopfront")
    with shop.nodes["shopfront"]() as uow:  # both dropped
        ledger = uow.ledger.load("shopfront", ["MUG"])
        ledger.record("MUG", MovementKind.WRITE_OFF, -2, shop.later(5), "dropped")
        uow.ledger.save(ledger)
        uow.commit()
    shop.sync("shopfront")
    assert promise.get_order(shop.hub, "o-1").order.at_risk


def test_an_order_at_risk_is_re_promised_when_another_node_syncs_the_goods(shop: Shop) -> None:
    """The node that lost the goods stays quiet; the van's sync with new stock is enough."""
    _at_risk_at_shopfront(shop)
    shop.stock("van", "MUG", 4)  # the van receives and syncs; the shopfront does not
    order = promise.get_order(shop.hub, "o-1").order
    assert order.at_risk == {} and order.parts["van"].step is Step.PROMISED
    assert order.parts["shopfront"].step is Step.REROUTED


def test_an_order_at_risk_is_tried_again_on_the_timer(shop: Shop) -> None:
    """Stock the hub learned without answering a push (here: a rights request's sync) is
    found by the timer's retry, which changes nothing the second time."""
    _at_risk_at_shopfront(shop)
    with shop.nodes["van"]() as uow:
        ledger = uow.ledger.load("van", ["MUG"])
        ledger.record("MUG", MovementKind.RECEIVE, 4, shop.later(6), "delivery")
        uow.ledger.save(ledger)
        uow.commit()
    shop.asking("van")({})  # a sync the hub does not answer with its re-promise
    assert promise.get_order(shop.hub, "o-1").order.at_risk
    assert repromise.retry_at_risk(shop.hub, shop.later(7), NODES) == ["o-1"]
    order = promise.get_order(shop.hub, "o-1").order
    assert order.at_risk == {} and order.parts["van"].step is Step.PROMISED
    assert repromise.retry_at_risk(shop.hub, shop.later(8), NODES) == []


def test_from_the_command_line_new_stock_at_the_van_covers_its_order_at_risk(
    tmp_path: Path,
) -> None:
    """`stock receive` at the only node with the SKU, then its sync: the order at risk there
    is promised there again, as `order show` and `order list` say."""
    cli = mugs_workspace(tmp_path, "van")
    catalog = tmp_path / "catalog.csv"  # the mug in the catalog the nodes are sent
    catalog.write_text("sku,title,price,currency\nMUG,Stoneware mug,12.00,GBP\n")
    cli("catalog", "import", str(catalog))
    cli("node", "set", "van", "--offline-gap", "0")
    cli("sync", "--node", "van")
    near = ("--method", "local_delivery", "--lat", "51.54", "--lon", "-0.06", "--key", "o-1")
    placed = json.loads(cli("order", "place", "--line", "MUG:1", *near, "--json"))
    assert [p["node"] for p in placed["parts"]] == ["van"]
    cli("sync", "--node", "van")  # set aside there
    cli("stock", "sell", "van", "MUG", "3", "--override", "the customer was at the till")
    cli("sync", "--node", "van")
    assert json.loads(cli("order", "show", "o-1", "--json"))["at_risk"]

    cli("stock", "receive", "van", "MUG", "1")
    cli("sync", "--node", "van")
    shown = json.loads(cli("order", "show", "o-1", "--json"))
    assert not shown["at_risk"], shown
    assert [(p["node"], p["step"], p["at_risk"]) for p in shown["parts"]] == [
        ("van", "promised", "")
    ]
    listed = json.loads(cli("order", "list", "--json"))
    assert [(o["id"], o["at_risk"]) for o in listed] == [("o-1", False)]
    cli("sync", "--node", "van")  # the van sets the mug aside for it: not its own to sell
    cli("stock", "sell", "van", "MUG", "1", ok=False)
