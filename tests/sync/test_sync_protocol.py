"""The sync protocol through the wire codec: resumable, idempotent, ordered, authenticated."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from microindex.adapters.sync.codec import decode_push, encode_push
from microindex.adapters.sync.transport import HubEndpoint
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.sync.messages import Push, PushRefused, Refusal, Reply
from microindex.service import rights, sync
from microindex.service.collector import cyclic_gc_paused
from tests.sync.conftest import SECRETS, Pair


def _hub_head(pair: Pair, node: str) -> int:
    with pair.hub() as uow:
        return uow.ledger.load(node, []).head


def test_a_node_catches_up_in_batches_and_the_hub_mirrors_its_ledger_exactly(pair: Pair) -> None:
    for i in range(25):
        pair.receive("van", f"SKU-{i % 4}", 1 + i % 3)
    report = sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock(), batch=7)
    assert report.exchanges >= 4
    assert [m.digest() for m in pair.ledger("van", at_hub=True)] == [
        m.digest() for m in pair.ledger("van")
    ]


def test_a_batch_cut_after_the_hub_committed_is_resumed_without_double_apply(pair: Pair) -> None:
    for _ in range(5):
        pair.receive("van", "MUG-1", 2)
    push = sync.prepare_push(pair.nodes["van"], "van")
    pair.endpoint().handle(encode_push(push, SECRETS["van"]))  # the reply is lost
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    assert [m.digest() for m in pair.ledger("van", at_hub=True)] == [
        m.digest() for m in pair.ledger("van")
    ]
    with pair.hub() as uow:
        assert [line.on_hand for line in uow.ledger.stock("van")] == [10]


def test_a_replayed_batch_is_refused_and_changes_nothing(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 3)
    frame = encode_push(sync.prepare_push(pair.nodes["van"], "van"), SECRETS["van"])
    endpoint = pair.endpoint()
    endpoint.handle(frame)
    pair.receive("van", "MUG-1", 1)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    before = pair.ledger("van", at_hub=True)
    with pytest.raises(PushRefused) as refused:
        endpoint.handle(frame)
    assert refused.value.reason is Refusal.REPLAY
    assert pair.ledger("van", at_hub=True) == before


class _Overtaken:
    """A link whose first push is overtaken by a later one of the same node (another
    process syncing it), which the hub applies first."""

    def __init__(self, pair: Pair, node: str) -> None:
        self.pair, self.node, self.link, self.overtaken = pair, node, pair.link(node), False

    def exchange(self, push: Push) -> Reply:
        if not self.overtaken:
            self.overtaken = True
            later = sync.prepare_push(self.pair.nodes[self.node], self.node)
            self.pair.endpoint().handle(encode_push(later, SECRETS[self.node]))
        return self.link.exchange(push)


def test_a_push_another_sync_overtook_is_sent_again_under_a_new_counter(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 3)
    report = sync.sync_node(pair.nodes["van"], "van", _Overtaken(pair, "van"), pair.clock())
    assert report.acked == len(pair.ledger("van"))
    assert pair.ledger("van", at_hub=True) == pair.ledger("van")


def test_a_replayed_batch_with_a_forged_sequence_fails_its_credential(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 3)
    frame = bytearray(encode_push(sync.prepare_push(pair.nodes["van"], "van"), SECRETS["van"]))
    frame[-20] ^= 0x01  # any bit of the body: a sequence number, a counter, a quantity
    with pytest.raises(PushRefused) as refused:
        pair.endpoint().handle(bytes(frame))
    assert refused.value.reason is Refusal.BAD_CREDENTIAL
    assert _hub_head(pair, "van") == 0


def test_a_node_cannot_push_a_movement_into_another_nodes_ledger(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 3)
    push = sync.prepare_push(pair.nodes["van"], "van")
    as_shop = replace(push, node="shop")
    with pytest.raises(PushRefused) as refused:  # signed with the van's secret, claims the shop
        pair.endpoint().handle(encode_push(as_shop, SECRETS["van"]))
    assert refused.value.reason is Refusal.BAD_CREDENTIAL
    foreign = replace(push, movements=tuple(replace(m, node="shop") for m in push.movements))
    with pytest.raises(PushRefused) as wrong:  # a decoded push naming another ledger
        sync.receive_push(pair.hub, foreign, pair.clock())
    assert wrong.value.reason is Refusal.WRONG_NODE
    assert _hub_head(pair, "van") == _hub_head(pair, "shop") == 0


def test_the_same_sequence_with_other_content_is_refused_as_a_conflict(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 3)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    push = sync.prepare_push(pair.nodes["van"], "van")
    first = pair.ledger("van")[0]
    forged = replace(push, movements=(replace(first, quantity=30),), counter=push.counter + 1)
    with pytest.raises(PushRefused) as refused:
        sync.receive_push(pair.hub, forged, pair.clock())
    assert refused.value.reason is Refusal.CONFLICT
    assert pair.ledger("van", at_hub=True)[0] == first


def test_a_gap_applies_nothing_and_the_reply_says_where_to_resume(pair: Pair) -> None:
    for _ in range(4):
        pair.receive("van", "MUG-1", 1)
    push = sync.prepare_push(pair.nodes["van"], "van")
    reply = sync.receive_push(pair.hub, replace(push, movements=push.movements[2:]), pair.clock())
    assert reply.acked == 0
    assert _hub_head(pair, "van") == 0


def test_after_a_hub_restore_a_new_epoch_makes_the_node_resend(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 3)
    backup = pair.backup()
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    pair.receive("van", "MUG-1", 2)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    pair.restore(backup)
    rights.renew_epoch(pair.hub, "epoch-2")
    assert _hub_head(pair, "van") == 0
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    assert [m.digest() for m in pair.ledger("van", at_hub=True)] == [
        m.digest() for m in pair.ledger("van")
    ]


def test_pushes_are_compact_on_the_wire(pair: Pair) -> None:
    with pair.nodes["van"]() as uow:
        ledger = uow.ledger.load("van", [])
        for i in range(2000):
            ledger.record(f"SKU-{i % 40:03d}", MovementKind.RECEIVE, 1 + i % 5, pair.clock())
        uow.ledger.save(ledger)
        uow.commit()
    push = sync.prepare_push(pair.nodes["van"], "van")
    frame = encode_push(push, SECRETS["van"])
    assert len(frame) / len(push.movements) <= 64
    assert decode_push(frame, SECRETS.get) == push


def test_a_decoded_push_keeps_every_movement_digest(pair: Pair) -> None:
    pair.receive("van", "MUG-1", 3)
    push = sync.prepare_push(pair.nodes["van"], "van")
    odd = Movement("van", push.head + 1, "MUG-1", -1, MovementKind.SELL, pair.later(1), "r", "a")
    decoded = decode_push(encode_push(replace(push, movements=(odd,)), SECRETS["van"]), SECRETS.get)
    assert decoded.movements[0].digest() == odd.digest()


def test_a_nodes_sales_before_its_first_sync_set_its_walk_in_rate(pair: Pair) -> None:
    week_ago = pair.clock() - timedelta(days=7)
    with pair.nodes["van"]() as uow:
        ledger = uow.ledger.load("van", ["MUG-1"])
        ledger.record("MUG-1", MovementKind.RECEIVE, 30, week_ago)
        for half_day in range(1, 15):
            ledger.record("MUG-1", MovementKind.SELL, -1, week_ago + timedelta(hours=12 * half_day))
        uow.ledger.save(ledger)
        uow.commit()
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock(), batch=5)
    with pair.hub() as uow:
        per_day = uow.accounts.walk_in_rates(["van"])["van"]["MUG-1"] * 86400
    assert 1.9 <= per_day <= 2.1  # 14 over the week its ledger spans, every batch counted


def test_a_push_is_applied_with_the_cyclic_collector_paused_and_left_as_it_was(
    pair: Pair,
) -> None:
    pair.receive("van", "MUG-1", 2)
    seen: list[bool] = []

    def clock() -> datetime:
        seen.append(gc.isenabled())
        return pair.clock()

    endpoint = HubEndpoint(pair.hub, SECRETS, clock)
    frame = encode_push(sync.prepare_push(pair.nodes["van"], "van"), SECRETS["van"])
    assert gc.isenabled()
    endpoint.handle(frame)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(PushRefused):  # a replay: refused, and the collector on again
        endpoint.handle(frame)
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
