"""A pickup whose goods were to travel from a node where they are now gone (sold anyway,
written off, counted) before they left: promised again from a node that can still send them
to the pickup node (a new transfer), the old transfer called off or cut to what is still set
aside; at risk only when no node can. On SQLite and PostgreSQL hubs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from microindex.domain.errors import InvalidValue
from microindex.domain.promise.lifecycle import Step, reservation_id
from microindex.domain.sync.account import State
from microindex.domain.sync.node import Override
from microindex.domain.transfer import Transfer, TransferRefused, TransferState
from microindex.service import promise, rights, transfers
from microindex.service.sync_ports import HubUnreachable
from tests.promise.conftest import Shop
from tests.promise.test_promise_transfers import (
    TRANSFER,
    hub_reservation,
    mugs_workspace,
    on_hand,
    ops_of,
    place_at_locker,
)

STAFF = Override("ana", "the customer was at the till")
FROM_VAN = promise.transfer_id("o-1", "van")


def _offline(lines: object) -> None:
    raise HubUnreachable("no signal")


def _sell_anyway(shop: Shop, node: str, units: int) -> None:
    """Staff at `node` sell `units` mugs past the refusal, the hub out of reach, then sync."""
    at = shop.later(10)
    rights.sell_walk_in(shop.nodes[node], node, "MUG", units, at, "till", _offline, "", STAFF)
    shop.sync(node)


def _placed_with_van(shop: Shop) -> None:
    """Three mugs at the shopfront, three in the van, none at the locker: a pickup of two at
    the locker is sent from the shopfront (the sooner ready), set aside there."""
    shop.stock("shopfront", "MUG", 3)
    shop.stock("van", "MUG", 3)
    shop.sync("locker")
    placed = place_at_locker(shop)
    assert placed.record.order.parts["shopfront"].transfer_to == "locker"
    shop.sync("shopfront")  # the shopfront sets the two mugs aside


def test_goods_gone_before_they_left_are_sent_from_another_node(shop: Shop) -> None:
    _placed_with_van(shop)
    _sell_anyway(shop, "shopfront", 3)

    order = promise.get_order(shop.hub, "o-1").order
    old, new = order.parts["shopfront"], order.parts["van"]
    assert old.step is Step.REROUTED
    assert (new.step, new.lines, new.transfer_to, new.at_risk) == (
        Step.PROMISED,
        (("MUG", 2),),
        "locker",
        "",
    )
    assert transfers.get(ops_of(shop), TRANSFER).state is TransferState.CANCELLED
    made = transfers.get(ops_of(shop), FROM_VAN)
    assert (made.sender, made.receiver, made.requested, made.order, made.state) == (
        "van",
        "locker",
        {"MUG": 2},
        "o-1",
        TransferState.REQUESTED,
    )
    aside = hub_reservation(shop, reservation_id("o-1", "van", "MUG"))
    assert aside is not None and (aside.state, aside.quantity) == (State.PENDING, 2)

    shop.sync("van")  # the van sets them aside and ships them; the locker receives them
    ops = ops_of(shop)
    transfers.ship(ops, shop.nodes["van"], FROM_VAN, shop.later(30), "bo", ask=shop.asking("van"))
    assert on_hand(shop, "van") == 1
    at = shop.later(40)
    transfers.receive(ops, shop.nodes["locker"], FROM_VAN, {"MUG": 2}, at, "cy", shop.hub)
    assert promise.get_order(shop.hub, "o-1").order.parts["van"].arrived_at == at


def test_a_part_gone_in_part_sends_only_the_units_gone_from_elsewhere(shop: Shop) -> None:
    _placed_with_van(shop)
    _sell_anyway(shop, "shopfront", 2)  # the free mug, then one of the two set aside

    order = promise.get_order(shop.hub, "o-1").order
    kept, new = order.parts["shopfront"], order.parts["van"]
    assert (kept.step, kept.lines, kept.transfer_to) == (Step.PROMISED, (("MUG", 1),), "locker")
    assert (new.lines, new.transfer_to) == ((("MUG", 1),), "locker")
    cut = transfers.get(ops_of(shop), TRANSFER)
    assert (cut.state, cut.requested) == (TransferState.REQUESTED, {"MUG": 1})
    assert transfers.get(ops_of(shop), FROM_VAN).requested == {"MUG": 1}

    ops = ops_of(shop)  # the shopfront ships the one still set aside there
    shipped = transfers.ship(ops, shop.nodes["shopfront"], TRANSFER, shop.later(30), "ana")
    assert (shipped.shipped, on_hand(shop, "shopfront")) == ({"MUG": 1}, 0)


def test_an_order_cancelled_after_the_goods_were_sent_for_again_calls_off_both(shop: Shop) -> None:
    _placed_with_van(shop)
    _sell_anyway(shop, "shopfront", 2)  # one unit now comes from the van
    promise.cancel(shop.hub, "o-1", shop.later(5), "customer")

    states = {t.ident: t.state for t in transfers.listed(ops_of(shop))}
    assert states == {TRANSFER: TransferState.CANCELLED, FROM_VAN: TransferState.CANCELLED}
    for node in ("shopfront", "van"):
        held = hub_reservation(shop, reservation_id("o-1", node, "MUG"))
        assert held is not None and held.state in (State.CANCELLED, State.CANCELLING)


def test_with_no_node_to_send_from_the_part_is_at_risk_and_its_transfer_kept(shop: Shop) -> None:
    shop.stock("shopfront", "MUG", 3)
    shop.sync("locker")
    place_at_locker(shop)
    shop.sync("shopfront")
    _sell_anyway(shop, "shopfront", 3)

    part = promise.get_order(shop.hub, "o-1").order.parts["shopfront"]
    assert part.step is Step.PROMISED and "no other node can promise MUG" in part.at_risk
    assert transfers.get(ops_of(shop), TRANSFER).state is TransferState.REQUESTED


def test_a_transfer_is_cut_only_before_it_ships_and_called_off_when_nothing_is_left() -> None:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    made = Transfer.request("t-1", "shopfront", "locker", {"MUG": 2, "JUG": 1}, at, order="o-1")
    made.take_off("MUG", 1, at)
    assert (made.requested, made.state) == ({"MUG": 1, "JUG": 1}, TransferState.REQUESTED)
    with pytest.raises(InvalidValue, match="1 to 1 of MUG"):
        made.take_off("MUG", 2, at)
    made.take_off("MUG", 1, at)
    made.take_off("JUG", 1, at, "hub")
    assert made.state is TransferState.CANCELLED
    assert made.requested == {"JUG": 1}  # the record keeps what was last asked
    sent = Transfer.request("t-2", "shopfront", "locker", {"MUG": 2}, at, order="o-1")
    sent.ship(at)
    with pytest.raises(TransferRefused):
        sent.take_off("MUG", 1, at)


def test_from_the_command_line_the_goods_sold_anyway_come_from_the_van(tmp_path: Path) -> None:
    cli = mugs_workspace(tmp_path, "shopfront", "van")

    cli("node", "set", "van", "--offline-gap", "0")  # a van that keeps no stock back offline
    cli("sync", "--node", "van")
    pickup = ("--line", "MUG:2", "--method", "pickup", "--pickup-node", "locker", "--key", "o-1")
    placed = json.loads(cli("order", "place", *pickup, "--json"))
    (first,) = [(p["node"], p["transfer_to"]) for p in placed["parts"]]
    other = "van" if first[0] == "shopfront" else "shopfront"
    cli("sync", "--node", first[0])  # set aside there
    cli("stock", "sell", first[0], "MUG", "3", "--override", "the customer was at the till")
    cli("sync", "--node", first[0])  # the hub hears of it and sends from the other node

    shown = json.loads(cli("order", "show", "o-1", "--json"))
    parts = {p["node"]: (p["step"], p["transfer_to"]) for p in shown["parts"]}
    assert parts == {first[0]: ("rerouted", "locker"), other: ("promised", "locker")}
    called_off = promise.transfer_id("o-1", first[0])
    sent = promise.transfer_id("o-1", other)
    listed = {t["id"]: t["state"] for t in json.loads(cli("transfer", "list", "--json"))}
    assert listed == {called_off: "cancelled", sent: "requested"}
    cli("transfer", "ship", sent)  # the other node syncs, then sends what the order holds
    cli("transfer", "receive", sent)
    shown = json.loads(cli("order", "show", "o-1", "--json"))
    assert [p["arrived_at"] is not None for p in shown["parts"] if p["node"] == other] == [True]
