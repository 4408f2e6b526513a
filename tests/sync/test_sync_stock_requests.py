"""Stock requests (receive, write-off, count asked of the hub for a node that keeps its ledger
elsewhere) kept in the hub's account on every storage, sent in the reply, applied once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microindex.domain.codes import Sku
from microindex.domain.errors import CountPositionAhead, InvalidValue, OutOfStock, UnknownSku
from microindex.domain.money import Money
from microindex.domain.movement import MovementKind
from microindex.domain.product import Product
from microindex.domain.sync.account import Request, RequestKind
from microindex.service import remote_nodes, sync
from microindex.service.catalog import ParsedCatalog, import_products
from tests.sync.conftest import T0, Pair

MUG = Product(Sku("MUG-1"), "Mug", Money(Decimal("9.00"), "GBP"))


def _sell(pair: Pair) -> None:
    """A walk-in sale of one mug at the van (its rights are beside the point here)."""
    with pair.nodes["van"]() as uow:
        ledger = uow.ledger.load("van", ["MUG-1"])
        ledger.record("MUG-1", MovementKind.SELL, -1, pair.clock())
        uow.ledger.save(ledger)
        uow.commit()


def _ledger_kinds(pair: Pair, after: int) -> list[tuple[MovementKind, int, str, str]]:
    return [
        (m.kind, m.quantity, m.reference, m.actor)
        for m in pair.ledger("van")[after:]
        if m.kind is not MovementKind.GRANT
    ]


def test_stock_requests_are_kept_with_who_asked_and_applied_once(pair: Pair) -> None:
    import_products(pair.hub, ParsedCatalog([MUG]), T0)
    pair.receive("van", "MUG-1", 5)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    head = len(pair.ledger("van"))
    received = remote_nodes.ask(
        pair.hub, "van", RequestKind.RECEIVE, "MUG-1", 4, "k1", "crate 3", "ana"
    )
    again = remote_nodes.ask(
        pair.hub, "van", RequestKind.RECEIVE, "MUG-1", 4, "k1", "crate 3", "ana"
    )
    counted = remote_nodes.ask(pair.hub, "van", RequestKind.COUNT, "MUG-1", 0, "k2", "", "bo")
    assert again == received and counted.request.position == head
    with pair.hub() as uow:
        kept = sorted(uow.accounts.load("van").requests.values(), key=lambda r: r.seq)
    assert kept == [
        Request(received.request.seq, RequestKind.RECEIVE, "MUG-1", 4, "k1", "crate 3", "ana"),
        Request(counted.request.seq, RequestKind.COUNT, "MUG-1", 0, "k2", "", "bo", head),
    ]
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    assert _ledger_kinds(pair, head) == [
        (MovementKind.RECEIVE, 4, "crate 3", "ana"),
        # none counted at the position asked, where 5 were; the crate received after stays
        (MovementKind.COUNT_ADJUST, -5, "", "bo"),
    ]
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    with pair.nodes["van"]() as uow:
        assert uow.ledger.load("van", ["MUG-1"]).available("MUG-1") == 4
    with pair.hub() as uow:
        assert uow.accounts.load("van").requests == {}
    assert [m.digest() for m in pair.ledger("van", at_hub=True)] == [
        m.digest() for m in pair.ledger("van")
    ]


def test_a_stock_request_the_node_cannot_honour_is_refused_at_the_hub(pair: Pair) -> None:
    import_products(pair.hub, ParsedCatalog([MUG]), T0)
    pair.receive("van", "MUG-1", 2)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    with pytest.raises(UnknownSku):
        remote_nodes.ask(pair.hub, "van", RequestKind.RECEIVE, "NOPE", 1, "k")
    with pytest.raises(OutOfStock):
        remote_nodes.ask(pair.hub, "van", RequestKind.WRITE_OFF, "MUG-1", 3, "k")
    with pytest.raises(CountPositionAhead):
        remote_nodes.ask(pair.hub, "van", RequestKind.COUNT, "MUG-1", 1, "k", position=99)
    with pytest.raises(InvalidValue):
        remote_nodes.ask(pair.hub, "van", RequestKind.RECEIVE, "MUG-1", 0, "k")
    with pair.hub() as uow:
        assert uow.accounts.load("van").requests == {}


def test_a_count_asked_of_the_hub_stands_after_the_sales_the_node_made_before_it(
    pair: Pair,
) -> None:
    """Staff count 2 mugs at the van through the hub while the van's last two sales have not
    reached the hub yet: the count is set against the van's ledger as it stood when counted,
    not against the hub's older mirror (which would take the two sales off twice)."""
    import_products(pair.hub, ParsedCatalog([MUG]), T0)
    pair.receive("van", "MUG-1", 5)
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    pair.later(10)
    for _ in range(2):
        _sell(pair)
    pair.later(5)
    counted = remote_nodes.ask(
        pair.hub, "van", RequestKind.COUNT, "MUG-1", 2, "k", actor="ana", at=pair.clock()
    )
    pair.later(5)
    _sell(pair)  # after the count
    sync.sync_node(pair.nodes["van"], "van", pair.link("van"), pair.clock())
    adjust = [m for m in pair.ledger("van") if m.kind is MovementKind.COUNT_ADJUST]
    assert [(m.quantity, m.actor) for m in adjust] == [(-1, "ana")]  # 3 there, 2 counted
    with pair.nodes["van"]() as uow:
        assert uow.ledger.load("van", ["MUG-1"]).available("MUG-1") == 1  # and 1 sold since
    assert counted.request.position < adjust[0].seq
