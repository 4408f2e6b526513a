"""A sync reply carries what changed since the node's last applied reply: no advice when nothing
moved, advice for the SKUs a push moved, the whole advice again after a lost reply, and the
catalog changes without paging through the hub's other outbox messages."""

from __future__ import annotations

from decimal import Decimal

from microindex.adapters.sync.codec import encode_push
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.domain.sync.messages import Push, Reply
from microindex.service import catalog, sync, sync_schedule
from tests.sync.conftest import SECRETS, Pair

SKUS = [f"SKU-{i}" for i in range(6)]


class _Recording:
    """The node's own link, keeping each reply it brought back."""

    def __init__(self, pair: Pair, node: str) -> None:
        self._link = pair.link(node)
        self.replies: list[Reply] = []

    def exchange(self, push: Push) -> Reply:
        reply = self._link.exchange(push)
        self.replies.append(reply)
        return reply


def _settled(pair: Pair) -> None:
    for sku in SKUS:
        pair.receive("van", sku, 8)
    for _ in range(3):  # the first sync, then the split settles
        sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
        pair.later(5)


def _sync(pair: Pair) -> Reply:
    """A sync's first reply (what the hub answered to the node's news)."""
    return _syncs(pair)[0]


def _syncs(pair: Pair) -> list[Reply]:
    """A sync (movements a reply made go straight back): the replies, in order."""
    link = _Recording(pair, "van")
    sync.sync_node(pair.nodes["van"], "van", link, pair.clock())
    return link.replies


def test_an_idle_sync_advises_nothing_and_a_sale_advises_only_its_sku(pair: Pair) -> None:
    _settled(pair)
    (idle,) = _syncs(pair)
    assert idle.advice == ()
    pair.later(5)
    with pair.nodes["van"]() as uow:
        side = sync.load_side(uow, "van")
        ledger = uow.ledger.load("van", ["SKU-2"])
        side.sell(ledger, "SKU-2", 1, pair.clock())
        sync.save_ledger(uow, ledger, pair.clock())
        uow.rights.save(side)
        uow.commit()
    assert {a.sku for a in _sync(pair).advice} == {"SKU-2"}


def test_a_node_that_missed_a_reply_gets_the_whole_advice_again(pair: Pair) -> None:
    _settled(pair)
    push = sync.prepare_push(pair.nodes["van"], "van")
    pair.endpoint().handle(encode_push(push, SECRETS["van"]))  # the reply is lost
    pair.later(5)
    assert {a.sku for a in _sync(pair).advice} == set(SKUS)
    pair.later(5)
    assert _sync(pair).advice == ()


def test_a_reply_carries_the_catalog_changes_past_the_hubs_other_messages(pair: Pair) -> None:
    _settled(pair)
    products = [Product(Sku(s), f"Product {s}", Money(Decimal("2.50"), "GBP")) for s in SKUS[:2]]
    catalog.import_products(pair.hub, catalog.ParsedCatalog(products), pair.clock())
    for sku in SKUS:  # stock events in the hub's outbox after the catalog change
        pair.receive("van", sku, 1)
    pair.later(5)
    first, *more = _syncs(pair)
    assert {r["sku"] for r in first.catalog} == set(SKUS[:2])
    assert all(reply.catalog == () for reply in more)
    with pair.hub() as uow:
        messages = uow.outbox.after(0, 10**6)
    last_product = max(m.id for m in messages if m.topic == catalog.PRODUCT_TOPIC)
    assert first.catalog_mark > last_product  # past the stock events written since
    assert [first, *more][-1].catalog_mark == messages[-1].id
    pair.later(5)
    assert _sync(pair).catalog == ()
    with pair.nodes["van"]() as uow:
        assert uow.catalog.get("SKU-0") is not None


def test_an_idle_sync_splits_again_the_skus_its_sweep_reaches(pair: Pair) -> None:
    """No movement at the node: the sweep still visits its SKUs in turn (all six here, fewer
    than one sweep), so rates and targets follow the decay, and advises none that holds."""
    _settled(pair)
    pair.later(30)
    assert _sync(pair).advice == ()
    with pair.hub() as uow:
        split = uow.accounts.split_rates("van", SKUS)
    assert {rate.at_s for rate in split.values()} == {pair.clock().timestamp()}


def test_the_hubs_schedule_shows_the_heartbeat_the_node_was_told(pair: Pair) -> None:
    _settled(pair)
    pair.receive("van", "SKU-1", 2)
    told = _syncs(pair)[-1]
    shown = sync_schedule.next_syncs(pair.hub, ["van"], pair.clock())["van"]
    assert told.next_sync_s > 0 and round(shown.interval_s) == told.next_sync_s
