"""Stock rights folded from a node's ledger: on_hand = L + G + A + U, always."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.ledger import Ledger
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.sync.account import NodeAccount, NotEnoughRights, Request, RequestKind
from microindex.domain.sync.messages import Advice, Reply
from microindex.domain.sync.node import NodeSide, Override, PromisedOnline, SyncReason, sync_reason
from microindex.domain.sync.rights import Rights, RightsRefused, Tag, fold, fold_all

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _node(stock: int = 10) -> tuple[NodeSide, Ledger]:
    side, ledger = NodeSide("van", {}, 0), Ledger("van", 0, {"MUG": 0})
    side.catch_up([ledger.record("MUG", MovementKind.RECEIVE, stock, AT)])
    return side, ledger


def _reply(side: NodeSide, *requests: Request, advice: tuple[Advice, ...] = ()) -> Reply:
    return Reply("van", side.counter, "e1", 0, requests, advice=advice)


def test_received_stock_is_local_rights() -> None:
    side, _ = _node(10)
    assert side.get("MUG") == Rights(local=10)


def test_a_grant_debits_local_rights_before_it_leaves() -> None:
    side, ledger = _node(10)
    side.grant(ledger, "MUG", 4, AT)
    assert side.get("MUG") == Rights(local=6, granted=4)


def test_a_walk_in_sale_beyond_local_rights_is_refused_unless_an_overdraft() -> None:
    side, ledger = _node(10)
    side.grant(ledger, "MUG", 8, AT)
    with pytest.raises(NotEnoughRights):
        side.sell(ledger, "MUG", 3, AT)
    sale = side.sell(ledger, "MUG", 3, AT, "till", override=Override("ana", "regular, paid"))
    _, change = fold(Rights(local=2, granted=8), sale)
    assert (sale.tag, sale.reference) == (Tag.OVERDRAFT, "till (override: regular, paid)")
    assert sale.actor == "ana"
    assert (change.overdraft, change.hub_loss) == (1, 1)
    assert side.get("MUG") == Rights(local=0, granted=7)


def test_a_sale_beyond_local_rights_names_the_online_orders_it_would_break() -> None:
    side, ledger = _node(5)
    side.grant(ledger, "MUG", 4, AT)
    for seq, order in enumerate(("web-1", "web-2"), start=1):
        request = Request(seq, RequestKind.SETASIDE, "MUG", 2, f"{order}/van/MUG")
        side.accept(ledger, _reply(side, request), AT)
    with pytest.raises(PromisedOnline) as refused:
        side.sell(ledger, "MUG", 4, AT)
    assert (refused.value.held, refused.value.on_hand) == (1, 5)
    assert refused.value.reservations == ("web-2/van/MUG", "web-1/van/MUG")
    assert refused.value.orders == ("web-2", "web-1")
    assert "breaks web-2, web-1" in str(refused.value)
    assert side.get("MUG").on_hand == 5  # nothing recorded


def test_an_override_says_who_and_why() -> None:
    with pytest.raises(ValueError):
        Override("ana", " ")
    with pytest.raises(ValueError):
        Override("", "paid")


def test_a_setaside_moves_hub_rights_aside_and_a_fulfil_takes_them_once() -> None:
    side, ledger = _node(10)
    side.grant(ledger, "MUG", 5, AT)
    side.accept(ledger, _reply(side, Request(1, RequestKind.SETASIDE, "MUG", 2, "order-1")), AT)
    assert side.get("MUG") == Rights(local=5, granted=3, reserved=(("order-1", 2),))
    assert side.fulfil(ledger, "MUG", "order-1", AT) is not None
    assert side.fulfil(ledger, "MUG", "order-1", AT) is None
    assert side.get("MUG") == Rights(local=5, granted=3)


def test_set_aside_promised_and_held_back_units_cannot_leave_the_node() -> None:
    rights = Rights(local=2, granted=5, unavailable=1, reserved=(("order-1", 3),))
    assert rights.releasable(hub_free=5) == 7  # local and every granted unit
    assert rights.releasable(hub_free=3) == 5  # the hub promised 2 more, not yet set aside
    assert rights.releasable(hub_free=9) == 7  # never more than granted, whatever the hub says
    assert rights.releasable(hub_free=-1) == 2  # an overdraft's debt at the hub: local only


def test_a_request_applied_twice_changes_nothing_the_second_time() -> None:
    side, ledger = _node(10)
    side.grant(ledger, "MUG", 5, AT)
    release = Request(1, RequestKind.RELEASE, "MUG", 2, "e1.1")
    side.accept(ledger, _reply(side, release), AT)
    side.requests_through = 0  # as after a new epoch: the hub sends it again
    assert side.accept(ledger, _reply(side, release), AT) == []
    assert side.get("MUG") == Rights(local=7, granted=3)


def test_a_setaside_beyond_the_hubs_rights_is_refused_without_a_movement() -> None:
    side, ledger = _node(10)
    side.grant(ledger, "MUG", 1, AT)
    made = side.accept(ledger, _reply(side, Request(1, RequestKind.SETASIDE, "MUG", 2, "o")), AT)
    assert made == [] and side.requests_through == 1


def test_advice_makes_the_node_grant_its_surplus() -> None:
    side, ledger = _node(10)
    side.accept(ledger, _reply(side, advice=(Advice("MUG", 3, 2),)), AT)
    assert side.get("MUG") == Rights(local=3, granted=7)
    assert side.low_water == {"MUG": 2}


def test_a_count_shortfall_eats_unavailable_then_local_then_the_hubs_share() -> None:
    rights = Rights(local=2, granted=3, unavailable=1, reserved=(("o1", 2), ("o2", 1)))
    count = Movement("van", 9, "MUG", -7, MovementKind.COUNT_ADJUST, AT)
    after, change = fold(rights, count)
    assert after.on_hand == rights.on_hand - 7
    assert change.deficit == 4 and change.eaten == (("o2", 1),)
    assert after == Rights(local=0, granted=0, unavailable=0, reserved=(("o1", 2),))


def test_a_sale_that_eats_part_of_a_set_aside_keeps_the_rest_set_aside_for_its_order() -> None:
    """Seed 4086: staff sell 1 of a 2-unit set-aside anyway; the unit left stays set aside
    (to be picked for the order), only the unit sold is lost to it."""
    rights = Rights(local=0, granted=1, reserved=(("o1", 2),))
    sale = Movement("van", 9, "MUG", -2, MovementKind.SELL, AT, tag=Tag.OVERDRAFT)
    after, change = fold(rights, sale)
    assert after == Rights(local=0, granted=0, reserved=(("o1", 1),))
    assert change.eaten == (("o1", 1),) and change.overdraft == 2
    assert change.hub_loss == 1  # the granted unit; the eaten unit leaves with its claim
    pick = Movement("van", 10, "MUG", -1, MovementKind.PICK, AT, tag=Tag.FULFIL, tag_id="o1")
    final, picked = fold(after, pick)
    assert final == Rights() and picked.fulfilled == "o1"


def test_a_rights_move_the_state_cannot_carry_is_refused() -> None:
    with pytest.raises(RightsRefused):
        fold(Rights(local=1), Movement("van", 2, "MUG", 2, MovementKind.GRANT, AT, tag=Tag.GRANT))
    bad_release = Movement("van", 2, "MUG", -1, MovementKind.GRANT, AT, tag=Tag.GRANT)
    with pytest.raises(RightsRefused):
        fold(Rights(granted=1), bad_release)


_OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "receive",
                "sell",
                "grant",
                "setaside",
                "unsetaside",
                "release",
                "fulfil",
                "count",
                "overdraft",
                "hold",
            ]
        ),
        st.integers(1, 4),
    ),
    max_size=60,
)


@given(_OPS)
def test_any_sequence_of_node_operations_keeps_rights_equal_to_on_hand(
    ops: list[tuple[str, int]],
) -> None:
    side, ledger = _node(5)
    for seq, (op, q) in enumerate(ops, start=1):
        _apply(side, ledger, op, q, seq)
        r = side.get("MUG")
        assert r.on_hand == ledger.available("MUG")
        assert min(r.local, r.granted, r.unavailable) >= 0
    assert fold_all(ledger.new) == {"MUG": side.get("MUG")}


def _apply(side: NodeSide, ledger: Ledger, op: str, q: int, seq: int) -> None:
    r = side.get("MUG")
    if op == "receive":
        side.catch_up([ledger.record("MUG", MovementKind.RECEIVE, q, AT)])
    elif op == "sell" and r.local >= q:
        side.sell(ledger, "MUG", q, AT)
    elif op == "overdraft" and r.local + r.unavailable + r.granted >= q:
        side.sell(ledger, "MUG", q, AT, override=Override("staff", "sold anyway"))
    elif op == "grant" and r.local >= q:
        side.grant(ledger, "MUG", q, AT)
    elif op in ("setaside", "release", "unsetaside"):
        ident = r.reserved[0][0] if op == "unsetaside" and r.reserved else f"x{seq}"
        qty = r.reserved[0][1] if op == "unsetaside" and r.reserved else q
        request = Request(seq, RequestKind(op), "MUG", qty, ident)
        side.accept(ledger, Reply("van", side.counter, "", 0, (request,)), AT)
    elif op == "fulfil" and r.reserved:
        side.fulfil(ledger, "MUG", r.reserved[0][0], AT)
    elif op == "hold" and r.local >= q:
        side.catch_up([ledger.record("MUG", MovementKind.GRANT, q, AT, tag=Tag.HOLD)])
    elif op == "count":
        result = ledger.count(
            "MUG", max(0, ledger.available("MUG") - q), ledger.head, ledger.available("MUG"), AT
        )
        side.catch_up([result.adjustment] if result.adjustment else [])


def test_low_water_triggers_a_sync_once_per_change_of_that_sku() -> None:
    side, ledger = _node(4)
    side.grant(ledger, "MUG", 3, AT)
    side.low_water = {"MUG": 3}  # local 1, below its mark
    side.next_sync_s = 600
    assert sync_reason(side, [], 60.0) is SyncReason.NOTHING  # already told: no news
    sold = side.sell(ledger, "MUG", 1, AT)
    assert sync_reason(side, [sold], 60.0) is SyncReason.LOW_WATER
    delivered = ledger.record("VASE", MovementKind.RECEIVE, 2, AT)
    assert sync_reason(side, [delivered], 60.0) is SyncReason.AT_ONCE  # goods the hub can sell
    other = ledger.record("VASE", MovementKind.SELL, -1, AT)
    assert sync_reason(side, [other], 60.0) is SyncReason.NOTHING
    assert sync_reason(side, [], 600.0) is SyncReason.HEARTBEAT


def test_releasing_by_sku_sums_each_skus_releases_on_their_way_as_releasing_does() -> None:
    account = NodeAccount("van", {"MUG": 9, "TEA": 4, "CUP": 2}, {}, {}, {}, 1)
    account.release("MUG", 2, "e.1")
    account.release("TEA", 1, "e.2")
    account.release("MUG", 3, "e.3")
    skus = ("MUG", "TEA", "CUP")
    assert account.releasing_by_sku() == {"MUG": 5, "TEA": 1}
    assert {s: account.releasing(s) for s in skus} == {"MUG": 5, "TEA": 1, "CUP": 0}
