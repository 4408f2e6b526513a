"""The hub's pick request (RequestKind.FULFIL): an order step recorded at the hub for a node
that keeps its ledger elsewhere picks the order's set-aside there, once, however the request
is delivered (twice, again after a restore, after a local pick) or cut (a crash mid-apply)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microindex.adapters.order_memory import MemoryPromiseDatabase
from microindex.adapters.sync.codec import (
    VERSION,
    decode_push,
    decode_reply,
    encode_push,
    encode_reply,
)
from microindex.adapters.sync.memory import MemorySyncDatabase, SimulatedCrash
from microindex.adapters.sync.transport import HubEndpoint, InProcessTransport
from microindex.domain.ledger import Ledger
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.sync.account import NodeAccount, Request, RequestKind, State
from microindex.domain.sync.messages import PushRefused, Refusal, Reply
from microindex.domain.sync.node import NodeSide, Override
from microindex.domain.sync.rights import Rights, Tag, fold_all, tagged
from microindex.service import promise, repromise, rights, sync
from microindex.service.fulfilment import request_picks
from microindex.sync_sim.nodes import CENTRE, sim_nodes

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRETS = {"van": b"van-secret"}


def _node(stock: int = 10, granted: int = 5) -> tuple[NodeSide, Ledger]:
    side, ledger = NodeSide("van", {}, 0), Ledger("van", 0, {"MUG": 0})
    side.catch_up([ledger.record("MUG", MovementKind.RECEIVE, stock, AT)])
    if granted:
        side.grant(ledger, "MUG", granted, AT)
    return side, ledger


def _reply(side: NodeSide, *requests: Request, epoch: str = "e1") -> Reply:
    return Reply("van", side.counter, epoch, 0, requests)


ASIDE = Request(1, RequestKind.SETASIDE, "MUG", 2, "order-1")
PICK = Request(2, RequestKind.FULFIL, "MUG", 2, "order-1")


def _picks(ledger: list[Movement], ident: str = "order-1") -> list[Movement]:
    return [m for m in ledger if (m.tag, m.tag_id) == (Tag.FULFIL, ident)]


def test_a_pick_request_takes_the_set_aside_once_however_often_it_arrives() -> None:
    side, ledger = _node()
    made = side.accept(ledger, _reply(side, ASIDE, PICK), AT)
    assert [m.kind for m in made] == [MovementKind.GRANT, MovementKind.PICK]
    assert (made[1].quantity, made[1].tag, made[1].tag_id) == (-2, Tag.FULFIL, "order-1")
    assert side.get("MUG") == Rights(local=5, granted=3)
    assert side.accept(ledger, _reply(side, ASIDE, PICK), AT) == []  # the same reply again
    again = Request(1, RequestKind.FULFIL, "MUG", 2, "order-1")  # a restored hub's resend
    assert side.accept(ledger, _reply(side, again, epoch="e2"), AT) == []
    assert side.pick_order(ledger, "MUG", "order-1", 2, AT) is None  # the staff step, locally
    assert side.get("MUG") == Rights(local=5, granted=3)


def test_a_local_pick_first_leaves_the_request_nothing_to_do() -> None:
    side, ledger = _node()
    side.accept(ledger, _reply(side, ASIDE), AT)
    assert side.fulfil(ledger, "MUG", "order-1", AT) is not None  # picked at the node
    assert side.accept(ledger, _reply(side, ASIDE, PICK), AT) == []
    assert side.get("MUG") == Rights(local=5, granted=3)


def test_a_pick_request_without_its_set_aside_takes_own_rights_never_beyond_on_hand() -> None:
    side, ledger = _node(stock=10, granted=9)  # the set-aside was undone (expired) first
    made = side.accept(ledger, _reply(side, PICK), AT)
    assert [(m.kind, m.quantity, m.tag, m.tag_id) for m in made] == [
        (MovementKind.PICK, -2, Tag.FULFIL, "order-1")
    ]
    assert side.get("MUG") == Rights(local=0, granted=8)  # one from L, one an overdraft of G
    empty, ledger = _node(stock=2, granted=0)
    empty.sell(ledger, "MUG", 2, AT)
    assert empty.accept(ledger, _reply(empty, PICK), AT) == []  # nothing here to leave
    assert tagged(Tag.FULFIL, "order-1") in empty.applied


def test_the_hub_asks_once_and_closes_the_reservation_when_it_mirrors_the_pick() -> None:
    side, ledger = _node()
    account = NodeAccount("van", {}, {}, {}, {}, 1)
    for movement in ledger.new:  # the receipt and the grant: H = 5
        account.mirror_movement(movement)
    account.reserve("order-1", "MUG", 2, AT + timedelta(days=14))
    assert account.request_fulfil("order-1", "MUG", 2)
    assert not account.request_fulfil("order-1", "MUG", 2)  # one on its way already
    made = side.accept(ledger, _reply(side, *account.pending(0, 10)), AT)
    for movement in made:
        account.mirror_movement(movement)
    assert account.reservations["order-1"].state is State.FULFILLED
    assert account.requests == {} and account.h("MUG") == 3
    assert not account.request_fulfil("order-1", "MUG", 2)  # a later step: nothing to ask


# --- over the link: a reply lost, a duplicate, a node dying mid-apply -------------------------

ORDER_1 = "order/van/MUG"  # the reservation of the order's MUG at the van


def _van_and_hub() -> tuple[MemoryPromiseDatabase, MemorySyncDatabase, InProcessTransport]:
    hub, van = MemoryPromiseDatabase(), MemorySyncDatabase()
    rights.renew_epoch(hub, "epoch-1")
    link = InProcessTransport("van", SECRETS["van"], HubEndpoint(hub, SECRETS, lambda: AT))
    with van() as uow:
        ledger = uow.ledger.load("van", ["MUG"])
        ledger.record("MUG", MovementKind.RECEIVE, 5, AT)
        uow.ledger.save(ledger)
        uow.commit()
    rights.grant(van, "van", "MUG", 4, AT)
    sync.sync_node(van, "van", link, AT)
    asked = OrderRequest((OrderLine("MUG", 2),), Method.SHIP, AT, CENTRE)
    promise.place_order(hub, "order", asked, sim_nodes(("van",)))
    sync.sync_node(van, "van", link, AT)  # set aside at the van
    assert rights.set_aside(van, "van") == {ORDER_1: ("MUG", 2)}
    return hub, van, link


def _ledger(database: MemorySyncDatabase | MemoryPromiseDatabase) -> list[Movement]:
    with database() as uow:
        return uow.ledger.movements("van", 0, 10**9)


def test_a_pick_request_lost_duplicated_or_cut_by_a_crash_picks_once() -> None:
    hub, van, link = _van_and_hub()
    assert request_picks(hub, "van", {ORDER_1: ("MUG", 2)}) == [ORDER_1]
    assert request_picks(hub, "van", {ORDER_1: ("MUG", 2)}) == []  # the step again
    lost = link.exchange(sync.prepare_push(van, "van"))  # the reply never arrives
    assert [r.kind for r in lost.requests] == [RequestKind.FULFIL]
    cut = link.exchange(sync.prepare_push(van, "van"))
    van.crash_at_commit = True  # the node dies applying it, before any ack
    with pytest.raises(SimulatedCrash):
        sync.accept_reply(van, "van", cut, AT)
    assert _picks(_ledger(van), ORDER_1) == []
    sync.sync_node(van, "van", link, AT)
    assert sync.accept_reply(van, "van", lost, AT) is None  # a late duplicate is stale
    assert request_picks(hub, "van", {ORDER_1: ("MUG", 2)}) == []  # mirrored: fulfilled
    sync.sync_node(van, "van", link, AT)
    assert len(_picks(_ledger(van), ORDER_1)) == 1
    assert [m.digest() for m in _ledger(hub)] == [m.digest() for m in _ledger(van)]
    with hub() as uow:
        res = uow.accounts.reservation(ORDER_1)
        account = uow.accounts.load("van")
    assert res is not None and res.state is State.FULFILLED and account.requests == {}
    with van() as uow:
        assert sync.load_side(uow, "van").get("MUG") == fold_all(_ledger(hub))["MUG"]


def test_a_set_aside_partly_sold_anyway_keeps_the_rest_for_the_order_and_picks_it() -> None:
    """Seed 4086: staff sell 1 of the order's 2 set-aside units anyway before the hub's pick
    request arrives. The unit left stays set aside for the order (the hub's reservation holds
    1, not closed whole), the order is shown at risk for the unit gone, and the pick of the
    rest is mirrored: fulfilled, never promised again."""
    hub, van, link = _van_and_hub()  # van: 1 local, 2 granted, 2 set aside for the order
    staff = Override("till", "customer at the counter")
    sold = rights.sell_walk_in(van, "van", "MUG", 4, AT, override=staff)
    assert sold.tag is Tag.OVERDRAFT
    assert rights.set_aside(van, "van") == {ORDER_1: ("MUG", 1)}
    sync.sync_node(van, "van", link, AT)
    repromise.answer_uncovered(hub, "van", AT, sim_nodes(("van",)))
    with hub() as uow:
        res = uow.accounts.reservation(ORDER_1)
        order = promise.get_order(hub, "order").order
    assert res is not None and (res.state, res.quantity) == (State.ASIDE, 1)
    assert order.parts["van"].at_risk.startswith("1 of the 2 MUG set aside at van are gone")
    assert request_picks(hub, "van", {ORDER_1: ("MUG", 2)}) == [ORDER_1]
    sync.sync_node(van, "van", link, AT)
    sync.sync_node(van, "van", link, AT)
    assert [m.quantity for m in _picks(_ledger(van), ORDER_1)] == [-1]
    with hub() as uow:
        res = uow.accounts.reservation(ORDER_1)
    assert res is not None and (res.state, res.quantity) == (State.FULFILLED, 1)
    assert [m.digest() for m in _ledger(hub)] == [m.digest() for m in _ledger(van)]


def test_a_set_aside_partly_sold_anyway_then_picked_is_still_answered_for_the_unit_gone() -> None:
    """Seed 4558: the sale anyway and the node's own pick of the rest reach the hub in one
    push; the reservation ends fulfilled with 1 of 2, and the order, still promised at the
    hub, is shown at risk for the unit gone (it was left promised)."""
    hub, van, link = _van_and_hub()
    rights.sell_walk_in(van, "van", "MUG", 4, AT, override=Override("till", "counter"))
    assert rights.fulfil(van, "van", ORDER_1, AT) is not None  # the 1 left, picked there
    sync.sync_node(van, "van", link, AT)
    with hub() as uow:
        res = uow.accounts.reservation(ORDER_1)
    assert res is not None and (res.state, res.quantity) == (State.FULFILLED, 1)
    assert repromise.answer_uncovered(hub, "van", AT, sim_nodes(("van",))) == ["order"]
    order = promise.get_order(hub, "order").order
    assert order.parts["van"].at_risk.startswith("1 of the 2 MUG set aside at van are gone")


def test_a_set_aside_partly_sold_anyway_is_promised_again_only_for_the_units_gone() -> None:
    hub, van, link = _van_and_hub()
    shop = MemorySyncDatabase()  # the shopfront grants the hub 3 of its 5
    endpoint = HubEndpoint(hub, {"shop": b"shop-secret"}, lambda: AT)
    with shop() as uow:
        ledger = uow.ledger.load("shop", ["MUG"])
        ledger.record("MUG", MovementKind.RECEIVE, 5, AT)
        uow.ledger.save(ledger)
        uow.commit()
    rights.grant(shop, "shop", "MUG", 3, AT)
    sync.sync_node(shop, "shop", InProcessTransport("shop", b"shop-secret", endpoint), AT)
    rights.sell_walk_in(van, "van", "MUG", 4, AT, override=Override("till", "counter"))
    sync.sync_node(van, "van", link, AT)
    nodes = sim_nodes(("van", "shop"))
    with hub() as uow:
        before = uow.accounts.load("shop").h("MUG")
    assert repromise.answer_uncovered(hub, "van", AT, nodes) == ["order"]
    order = promise.get_order(hub, "order").order
    assert order.parts["van"].lines == (("MUG", 1),) and not order.parts["van"].at_risk
    assert order.parts["shop"].lines == (("MUG", 1),)
    with hub() as uow:
        kept = uow.accounts.reservation(ORDER_1)
        moved = uow.accounts.reservation("order/shop/MUG")
        assert uow.accounts.load("shop").h("MUG") == before - 1  # one unit promised there
    assert kept is not None and (kept.state, kept.quantity) == (State.ASIDE, 1)
    assert moved is not None and moved.quantity == 1


def test_an_older_peer_is_refused_by_its_wire_version() -> None:
    _, van, _ = _van_and_hub()
    frame = bytearray(encode_push(sync.prepare_push(van, "van"), SECRETS["van"]))
    assert frame[2] == VERSION == 10
    frame[2] = 6  # before an agent reported its version and free disk (7 is still read)
    with pytest.raises(PushRefused) as refused:
        decode_push(bytes(frame), SECRETS.get)
    assert refused.value.reason is Refusal.VERSION and "upgrade" in str(refused.value)
    reply = Reply("van", 1, "e", 0, (PICK,))
    assert decode_reply(encode_reply(reply, SECRETS["van"]), SECRETS.get).requests == (PICK,)
