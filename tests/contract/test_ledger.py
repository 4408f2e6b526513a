"""The ledger store, the same on every adapter, mostly through the stock use cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from microindex.domain.errors import OutOfStock, UnknownSku
from microindex.domain.movement import Movement, MovementKind
from microindex.service import stock
from microindex.service.ports import SalesHistory, StockLine, UnitOfWorkFactory
from tests.sales import sell

from .samples import AT, later


def test_an_untouched_ledger_loads_empty(stocked: UnitOfWorkFactory) -> None:
    with stocked() as uow:
        ledger = uow.ledger.load("shop", ["A", "B", "A"])
        assert (ledger.node, ledger.head, ledger.on_hand) == ("shop", 0, {"A": 0, "B": 0})
        assert uow.ledger.movements("shop") == []
        assert uow.ledger.movement("shop", 1) is None


def test_a_load_of_skus_the_catalog_lacks_is_none_and_leaves_no_trace(
    stocked: UnitOfWorkFactory,
) -> None:
    with stocked() as uow:
        assert uow.ledger.load_known("shop", ["A", "Z"]) is None
        assert uow.ledger.load_known("van", ["Z"]) is None
        known = uow.ledger.load_known("shop", ["B", "A", "B"])
        assert known is not None
        assert (known.node, known.head, known.on_hand) == ("shop", 0, {"A": 0, "B": 0})
        uow.commit()
    with stocked() as uow:
        assert uow.ledger.stock() == []
        assert uow.ledger.load_known("shop", []) is not None
    with pytest.raises(UnknownSku):
        stock.receive(stocked, "shop", "Z", 1, AT)


def test_a_saved_ledger_reloads_with_its_head_and_on_hand(stocked: UnitOfWorkFactory) -> None:
    with stocked() as uow:
        ledger = uow.ledger.load("shop", ["A", "B"])
        ledger.record("A", MovementKind.RECEIVE, 5, AT)
        ledger.record("B", MovementKind.RECEIVE, 3, AT)
        ledger.record("A", MovementKind.SELL, -2, AT)
        uow.ledger.save(ledger)
        assert ledger.new == []
        uow.commit()
    with stocked() as uow:
        again = uow.ledger.load("shop", ["A", "B", "C"])
        assert (again.head, again.on_hand) == (3, {"A": 3, "B": 3, "C": 0})
        assert uow.ledger.load("van", ["A"]).on_hand == {"A": 0}
    with stocked() as uow:
        assert uow.ledger.stock() == [StockLine("shop", "A", 3), StockLine("shop", "B", 3)]


def test_a_load_reads_each_sku_its_own_on_hand_in_any_order(stocked: UnitOfWorkFactory) -> None:
    held = {f"S{i:04d}": 1 + i % 97 for i in range(0, 1200, 2)}  # every other SKU has stock
    with stocked() as uow:
        ledger = uow.ledger.load("shop", held)
        for sku, quantity in held.items():
            ledger.record(sku, MovementKind.RECEIVE, quantity, AT)
        uow.ledger.save(ledger)
        uow.commit()
    asked = [f"S{i:04d}" for i in range(1199, -1, -1)] + ["S0002", "S0003"]  # backwards, twice
    with stocked() as uow:
        again = uow.ledger.load("shop", asked)
    assert again.head == 600
    assert again.on_hand == {sku: held.get(sku, 0) for sku in asked}


def test_movements_read_back_exactly_from_a_position(stocked: UnitOfWorkFactory) -> None:
    made = [stock.receive(stocked, "shop", "A", 10, later(0), "PO-1", "ana")]
    made += [sell(stocked, "shop", "A", 1, later(i), f"till-{i}", "bo") for i in range(1, 5)]
    assert [m.seq for m in made] == [1, 2, 3, 4, 5]
    with stocked() as uow:
        assert uow.ledger.movements("shop") == made
        assert uow.ledger.movements("shop", after=2, limit=2) == made[2:4]
        assert uow.ledger.movements("shop", after=5) == []
        assert uow.ledger.movements("van") == []
        found = uow.ledger.movement("shop", 3)
        assert found == made[2]
        assert found is not None and found.digest() == made[2].digest()
        assert uow.ledger.movement("shop", 6) is None


def test_a_stored_movement_offered_again_is_a_replay(stocked: UnitOfWorkFactory) -> None:
    sent = stock.receive(stocked, "shop", "A", 4, AT, "PO-9")
    with stocked() as uow:
        ledger = uow.ledger.load("shop", ["A"])
        assert ledger.replicate(sent, uow.ledger.movement("shop", 1)) is False
        follow = Movement("shop", 2, "A", -1, MovementKind.SELL, later(1))
        assert ledger.replicate(follow, uow.ledger.movement("shop", 2)) is True
        uow.ledger.save(ledger)
        uow.commit()
    with stocked() as uow:
        assert uow.ledger.movements("shop") == [sent, follow]


def test_on_hand_at_a_position_ignores_later_movements_and_grants(
    stocked: UnitOfWorkFactory,
) -> None:
    stock.receive(stocked, "shop", "A", 5, AT)
    stock.receive(stocked, "shop", "B", 7, AT)
    sell(stocked, "shop", "A", 2, AT)
    with stocked() as uow:
        ledger = uow.ledger.load("shop", ["A"])
        ledger.record("A", MovementKind.GRANT, -2, AT)
        uow.ledger.save(ledger)
        uow.commit()
    with stocked() as uow:
        assert [uow.ledger.on_hand_at("shop", "A", p) for p in range(5)] == [0, 5, 5, 3, 3]
        assert uow.ledger.on_hand_at("shop", "C", 4) == 0
        assert uow.ledger.on_hand_at("van", "A", 4) == 0
        assert uow.ledger.stock("shop", "A") == [StockLine("shop", "A", 3)]


def test_on_hand_at_answers_counts_taken_mid_stream(stocked: UnitOfWorkFactory) -> None:
    stock.receive(stocked, "shop", "A", 10, later(0))  # 1
    stock.receive(stocked, "shop", "B", 4, later(1))  # 2
    stock.receive(stocked, "van", "A", 9, later(2))  # another node's ledger, between
    sell(stocked, "shop", "A", 3, later(3))  # 3
    started = stock.ledger_head(stocked, "shop")  # a count of A starts here
    sell(stocked, "shop", "A", 2, later(4))  # 4: sold while counting
    stock.receive(stocked, "shop", "B", 1, later(5))  # 5
    with stocked() as uow:
        ledger = uow.ledger.load("shop", ["A"])
        ledger.record("A", MovementKind.GRANT, -2, later(6))  # 6: rights move, goods stay
        uow.ledger.save(ledger)
        uow.commit()
    stock.receive(stocked, "shop", "C", 2, later(7))  # 7
    sell(stocked, "shop", "C", 2, later(8))  # 8: C back to none
    counted_a = stock.count(stocked, "shop", "A", 6, later(9), position=started)  # 9
    counted_b = stock.count(stocked, "shop", "B", 5, later(10), position=4)  # 10
    assert (started, counted_a.expected, counted_b.expected) == (3, 7, 4)
    assert [c.adjustment and (c.adjustment.seq, c.adjustment.quantity)
            for c in (counted_a, counted_b)] == [(9, -1), (10, 1)]  # fmt: skip
    with stocked() as uow:
        found = {s: [uow.ledger.on_hand_at("shop", s, p) for p in range(12)] for s in "ABC"}
        mine = uow.ledger.movements("shop")
        replayed = {
            s: [sum(m.on_hand_delta for m in mine if m.sku == s and m.seq <= p) for p in range(12)]
            for s in "ABC"
        }
        assert found == replayed
        assert found == {
            "A": [0, 10, 10, 7, 5, 5, 5, 5, 5, 4, 4, 4],
            "B": [0, 0, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6],
            "C": [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0],
        }
        assert [uow.ledger.on_hand_at("van", "A", p) for p in range(3)] == [0, 9, 9]
        assert uow.ledger.on_hand_at("van", "B", 1) == 0


def test_stock_filters_by_node_and_sku(stocked: UnitOfWorkFactory) -> None:
    stock.receive(stocked, "van", "B", 2, AT)
    stock.receive(stocked, "shop", "B", 1, AT)
    stock.receive(stocked, "shop", "A", 4, AT)
    with stocked() as uow:
        assert uow.ledger.stock() == [
            StockLine("shop", "A", 4), StockLine("shop", "B", 1), StockLine("van", "B", 2),
        ]  # fmt: skip
        assert uow.ledger.stock(node="van") == [StockLine("van", "B", 2)]
        assert uow.ledger.stock(sku="B") == [StockLine("shop", "B", 1), StockLine("van", "B", 2)]
        assert uow.ledger.stock("shop", "B") == [StockLine("shop", "B", 1)]
        assert uow.ledger.stock(node="locker") == []
        assert uow.ledger.stock(sku="C") == []


def test_selling_more_than_on_hand_is_refused_and_changes_nothing(
    stocked: UnitOfWorkFactory,
) -> None:
    stock.receive(stocked, "shop", "A", 2, AT)
    with pytest.raises(OutOfStock) as refused:
        sell(stocked, "shop", "A", 3, AT)
    assert refused.value.data() == {"sku": "A", "node": "shop", "requested": 3, "available": 2}
    with pytest.raises(UnknownSku):
        stock.receive(stocked, "shop", "NOT-IN-CATALOG", 1, AT)
    assert stock.ledger_head(stocked, "shop") == 1
    with stocked() as uow:
        assert uow.ledger.stock() == [StockLine("shop", "A", 2)]


def test_a_count_records_the_difference_and_the_count(stocked: UnitOfWorkFactory) -> None:
    stock.receive(stocked, "shop", "A", 10, AT)
    position = stock.ledger_head(stocked, "shop")
    sell(stocked, "shop", "A", 2, AT)  # sold while counting
    result = stock.count(stocked, "shop", "A", 7, later(60), position, "count-1", "ana")
    assert (result.expected, result.variance, result.deficit) == (10, -3, 0)
    assert result.adjustment is not None and result.adjustment.seq == 3
    with stocked() as uow:
        assert uow.ledger.stock("shop") == [StockLine("shop", "A", 5)]
        assert uow.ledger.movement("shop", 3) == result.adjustment


def test_a_count_that_finds_nothing_to_change_leaves_no_trace(stocked: UnitOfWorkFactory) -> None:
    result = stock.count(stocked, "shop", "C", 0, AT)
    assert result.adjustment is None
    with stocked() as uow:
        assert uow.ledger.stock() == []
        assert uow.ledger.load("shop", []).head == 0


def test_set_stock_records_why_each_quantity_changed(stocked: UnitOfWorkFactory) -> None:
    stock.receive(stocked, "shop", "A", 5, AT)
    rows = [stock.StockRow("A", 2), stock.StockRow("B", 4), stock.StockRow("C", 0)]
    made = stock.set_stock(stocked, "shop", rows, AT, "import-1")
    assert [(m.sku, m.kind, m.quantity) for m in made] == [
        ("A", MovementKind.COUNT_ADJUST, -3), ("B", MovementKind.RECEIVE, 4),
    ]  # fmt: skip
    with stocked() as uow:
        assert uow.ledger.stock() == [StockLine("shop", "A", 2), StockLine("shop", "B", 4)]
        assert uow.ledger.load("shop", []).head == 3


def test_every_recorded_movement_goes_to_the_outbox(stocked: UnitOfWorkFactory) -> None:
    """One message per transaction, naming the node and the sequence numbers it appended;
    the movements themselves are read from the ledger (ADR 0012)."""
    made = [stock.receive(stocked, "shop", "A", 5, AT), sell(stocked, "shop", "A", 2, AT)]
    rows = [stock.StockRow("A", 1), stock.StockRow("B", 4)]
    made += stock.set_stock(stocked, "shop", rows, later(1), "file")
    with stocked() as uow:
        messages = [m for m in uow.outbox.after(0) if m.topic == stock.MOVEMENT_TOPIC]
        assert [m.key for m in messages] == ["shop#1", "shop#2", "shop#3-4"]
        assert [m.payload for m in messages] == [
            {"node": "shop", "first": 1, "last": 1},
            {"node": "shop", "first": 2, "last": 2},
            {"node": "shop", "first": 3, "last": 4},
        ]
        told = [
            uow.ledger.movement(m.payload["node"], seq)
            for m in messages
            for seq in range(m.payload["first"], m.payload["last"] + 1)
        ]
    assert told == made


def test_a_movement_read_back_has_the_same_digest_whatever_its_offset(
    stocked: UnitOfWorkFactory,
) -> None:
    paris = datetime(2026, 3, 14, 10, 26, 53, tzinfo=timezone(timedelta(hours=1)))
    made = stock.receive(stocked, "shop", "A", 1, paris)
    with stocked() as uow:
        found = uow.ledger.movement("shop", 1)
    assert found == made  # the same instant, on every adapter
    assert found is not None and found.digest() == made.digest()


def test_sales_sum_a_nodes_sells_by_sku_over_the_span_of_its_ledger(
    stocked: UnitOfWorkFactory,
) -> None:
    """What the hub's first split of a node reads (`LedgerStore.sales`), summed by the store:
    sells only (a write-off or a grant is no sale), over the earliest to the latest movement
    whatever their order in the ledger or the zone they were recorded in."""
    paris = timezone(timedelta(hours=1))
    with stocked() as uow:
        assert uow.ledger.sales("shop") == SalesHistory({}, None, None)
    stock.receive(stocked, "shop", "A", 9, later(60))
    stock.receive(stocked, "shop", "B", 4, later(-3600))  # imported late: earlier in time
    sell(stocked, "shop", "A", 2, later(120))
    sell(stocked, "shop", "A", 1, (AT + timedelta(seconds=7200)).astimezone(paris))
    stock.write_off(stocked, "shop", "B", 1, later(30))
    stock.receive(stocked, "van", "B", 5, later(99_999))  # another node's ledger
    sell(stocked, "van", "B", 5, later(99_999))
    with stocked() as uow:
        found = uow.ledger.sales("shop")
    assert found.sold == {"A": 3}
    assert (found.first, found.last) == (later(-3600), later(7200))
    assert found.span_s == 3 * 3600


@pytest.mark.parametrize(
    "text",
    ["=SUM(A1)", "till (2) <!-- x -->", 'tab\tbell\x07 é 😀 "quoted" \\back', "x" * 300],
)
def test_typed_text_is_stored_as_typed_in_a_batch(stocked: UnitOfWorkFactory, text: str) -> None:
    """References and actors a person typed go into the ledger as typed, in a batch of several
    movements sharing a time (one statement on every store)."""
    entries = [
        stock.Entry("A", MovementKind.RECEIVE, 3, AT, text, text),
        stock.Entry("B", MovementKind.RECEIVE, 2, AT, "", text),
        stock.Entry("A", MovementKind.SELL, -1, later(1), text, ""),
    ]
    made = stock.record_batch(stocked, "shop", entries)
    with stocked() as uow:
        assert uow.ledger.movements("shop") == made
        assert [m.digest() for m in uow.ledger.movements("shop")] == [m.digest() for m in made]
        assert uow.ledger.load("shop", ["A", "B"]).on_hand == {"A": 2, "B": 2}


def test_one_skus_load_reads_its_head_and_on_hand_and_checks_the_catalog(
    stocked: UnitOfWorkFactory,
) -> None:
    """A till's one line (one SKU: the SQLite store reads it without JSON) loads as any
    other: the head and the on-hand, 0 where no row is, None for a SKU the catalog lacks."""
    stock.receive(stocked, "shop", "A", 4, AT)
    with stocked() as uow:
        assert uow.ledger.load_known("shop", ["Z"]) is None
        assert uow.ledger.load("shop", ["Z"]).on_hand == {"Z": 0}
        for loaded in (uow.ledger.load_known("shop", ["A", "A"]), uow.ledger.load("shop", ["A"])):
            assert loaded is not None
            assert (loaded.head, loaded.on_hand) == (1, {"A": 4})
        other = uow.ledger.load_known("van", ["B"])
        assert other is not None and (other.head, other.on_hand) == (0, {"B": 0})
