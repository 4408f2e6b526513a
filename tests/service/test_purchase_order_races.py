"""Two receipts against one purchase order at once: the second to save is set against the
order as the first left it, or, when the goods no longer fit, says they are in the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from microindex.bootstrap import Workspace
from microindex.domain.purchasing import PoState, PurchaseOrder
from microindex.service import purchasing
from microindex.service.purchasing import PurchaseOrderStore, ReceivedButNotBooked
from tests.demo import open_copy


@pytest.fixture
def shop(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(pristine_demo, tmp_path / "shop")
    yield ws
    ws.close()


@dataclass
class ClerkBeside:
    """The hub's real store, where another clerk's receipt lands just before this one saves."""

    store: PurchaseOrderStore
    ws: Workspace
    theirs: dict[str, int]

    def save(self, order: PurchaseOrder, version: int) -> bool:
        if self.theirs:
            arrived, self.theirs = self.theirs, {}
            purchasing.receive(
                self.store, self.ws.node("shopfront"), order.ident, arrived, self.ws.clock()
            )
        return self.store.save(order, version)

    def add(self, order: PurchaseOrder) -> None:
        self.store.add(order)

    def get(self, ident: str) -> tuple[PurchaseOrder, int] | None:
        return self.store.get(ident)

    def orders(self, state: PoState | None = None) -> list[PurchaseOrder]:
        return self.store.orders(state)

    def waiting(self, node: str) -> list[PurchaseOrder]:
        return self.store.waiting(node)


def _sent(ws: Workspace, sku: str) -> PurchaseOrderStore:
    store = ws.storage.purchase_orders()
    purchasing.draft(store, ws.hub, "PO-R", "Maker", "shopfront", ws.clock())
    purchasing.add_line(store, ws.hub, "PO-R", sku, 10, "1.00", "GBP", ws.storage.kits())
    purchasing.send(store, "PO-R", ws.clock())
    return store


def _on_hand(ws: Workspace, sku: str) -> int:
    with ws.node("shopfront")() as uow:
        return next((x.on_hand for x in uow.ledger.stock("shopfront", sku)), 0)


def _sku(ws: Workspace) -> str:
    with ws.node("shopfront")() as uow:
        return uow.ledger.stock("shopfront")[0].sku


def test_a_receipt_beside_another_is_set_against_the_order_as_it_became(shop: Workspace) -> None:
    sku = _sku(shop)
    before = _on_hand(shop, sku)
    store = _sent(shop, sku)
    done = purchasing.receive(
        ClerkBeside(store, shop, {sku: 4}), shop.node("shopfront"), "PO-R", {sku: 6}, shop.clock()
    )
    assert (done.order.state, done.receipt.number) == (PoState.CLOSED, 2)
    assert _on_hand(shop, sku) == before + 10
    assert purchasing.get(store, "PO-R").lines[0].received == 10


def test_goods_that_no_longer_fit_the_order_are_said_to_be_in_the_ledger(shop: Workspace) -> None:
    sku = _sku(shop)
    before = _on_hand(shop, sku)
    store = _sent(shop, sku)
    beside = ClerkBeside(store, shop, {sku: 7})
    with pytest.raises(ReceivedButNotBooked, match="the goods are in shopfront's ledger"):
        purchasing.receive(beside, shop.node("shopfront"), "PO-R", {sku: 6}, shop.clock())
    assert _on_hand(shop, sku) == before + 13  # both deliveries did arrive: the ledger says so
    assert purchasing.get(store, "PO-R").lines[0].received == 7
