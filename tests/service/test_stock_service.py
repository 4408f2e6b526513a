"""Stock use cases through the in-memory fake and the SQLite adapter."""

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microindex.adapters.memory import MemoryDatabase
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.domain.codes import Sku
from microindex.domain.errors import InvalidValue, OutOfStock, UnknownSku
from microindex.domain.money import Money
from microindex.domain.movement import MovementKind
from microindex.domain.product import Product
from microindex.service import catalog, stock
from microindex.service.ports import CatalogHub, UnitOfWorkFactory
from tests.sales import sell

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SKUS = ("MUG-TIDE-350", "BWL-MOSS-S", "VAS-PLUM-M")


def product(sku: str) -> Product:
    return Product(Sku(sku), f"Product {sku}", Money(Decimal("20.00"), "GBP"))


def with_catalog(factory: CatalogHub) -> CatalogHub:
    catalog.import_products(factory, catalog.ParsedCatalog([product(s) for s in SKUS]), AT)
    return factory


@pytest.fixture(params=["memory", "sqlite"])
def node_db(request: pytest.FixtureRequest, tmp_path: Path) -> UnitOfWorkFactory:
    if request.param == "memory":
        return with_catalog(MemoryDatabase())
    database = SqliteDatabase(tmp_path / "van.sqlite")
    database.migrate()
    request.addfinalizer(database.close)
    return with_catalog(database)


def on_hand(factory: UnitOfWorkFactory, node: str, sku: str) -> int:
    with factory() as uow:
        return uow.ledger.load(node, [sku]).available(sku)


def test_selling_more_than_on_hand_is_refused_and_the_ledger_is_unchanged(
    node_db: UnitOfWorkFactory,
) -> None:
    stock.receive(node_db, "van", "MUG-TIDE-350", 2, AT)
    with pytest.raises(OutOfStock, match="only 2 on hand"):
        sell(node_db, "van", "MUG-TIDE-350", 3, AT)
    with node_db() as uow:
        assert [m.seq for m in uow.ledger.movements("van")] == [1]
        assert len(uow.outbox.after(0)) == len(SKUS) + 1  # products + the one receive
    assert on_hand(node_db, "van", "MUG-TIDE-350") == 2


def test_an_unknown_sku_is_refused(node_db: UnitOfWorkFactory) -> None:
    with pytest.raises(UnknownSku):
        stock.receive(node_db, "van", "NOPE-1", 1, AT)


def test_every_movement_is_written_to_the_outbox_in_the_same_transaction(
    node_db: UnitOfWorkFactory,
) -> None:
    stock.receive(node_db, "van", "MUG-TIDE-350", 5, AT)
    sell(node_db, "van", "MUG-TIDE-350", 1, AT, reference="till:1")
    with node_db() as uow:
        moves = [m for m in uow.outbox.after(0) if m.topic == stock.MOVEMENT_TOPIC]
    assert [m.key for m in moves] == ["van#1", "van#2"]
    assert moves[1].payload == {"node": "van", "first": 2, "last": 2}
    with node_db() as uow:
        sold = uow.ledger.movement("van", moves[1].payload["first"])
    assert sold is not None and sold.reference == "till:1"


def test_a_batch_is_all_or_nothing(node_db: UnitOfWorkFactory) -> None:
    entries = [
        stock.Entry("MUG-TIDE-350", MovementKind.RECEIVE, 2, AT),
        stock.Entry("MUG-TIDE-350", MovementKind.SELL, -3, AT),
    ]
    with pytest.raises(OutOfStock):
        stock.record_batch(node_db, "van", entries)
    assert on_hand(node_db, "van", "MUG-TIDE-350") == 0
    assert stock.ledger_head(node_db, "van") == 0


def test_a_count_taken_while_sales_continue_keeps_those_sales(
    node_db: UnitOfWorkFactory,
) -> None:
    stock.receive(node_db, "van", "MUG-TIDE-350", 10, AT)
    position = stock.ledger_head(node_db, "van")
    sell(node_db, "van", "MUG-TIDE-350", 2, AT)
    result = stock.count(node_db, "van", "MUG-TIDE-350", 9, AT, position=position)
    assert (result.expected, result.variance) == (10, -1)
    assert on_hand(node_db, "van", "MUG-TIDE-350") == 7


def test_set_stock_records_why_each_figure_changed(node_db: UnitOfWorkFactory) -> None:
    stock.receive(node_db, "van", "BWL-MOSS-S", 4, AT)
    made = stock.set_stock(
        node_db,
        "van",
        [stock.StockRow("MUG-TIDE-350", 6), stock.StockRow("BWL-MOSS-S", 3)],
        AT,
        "import:1",
    )
    assert [(m.sku, m.kind, m.quantity) for m in made] == [
        ("MUG-TIDE-350", MovementKind.RECEIVE, 6),
        ("BWL-MOSS-S", MovementKind.COUNT_ADJUST, -1),
    ]


operations = st.lists(
    st.tuples(
        st.sampled_from(SKUS), st.sampled_from(["receive", "sell", "write_off"]), st.integers(1, 6)
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=operations)
def test_stored_on_hand_equals_the_sum_of_stored_movements(
    tmp_path_factory: pytest.TempPathFactory, plan: list[tuple[str, str, int]]
) -> None:
    database = SqliteDatabase(tmp_path_factory.mktemp("ledger") / "node.sqlite")
    database.migrate()
    factory = with_catalog(database)
    ops: dict[str, Callable[..., object]] = {
        "receive": stock.receive,
        "sell": sell,
        "write_off": stock.write_off,
    }
    for sku, op, quantity in plan:
        with contextlib.suppress(OutOfStock):
            ops[op](factory, "van", sku, quantity, AT)
    with factory() as uow:
        movements = uow.ledger.movements("van", limit=10_000)
        lines = {line.sku: line.on_hand for line in uow.ledger.stock("van")}
    for sku in SKUS:
        total = sum(m.quantity for m in movements if m.sku == sku)
        assert lines.get(sku, 0) == total >= 0
    assert [m.seq for m in movements] == list(range(1, len(movements) + 1))
    database.close()


def test_a_stock_file_names_a_badly_spelt_sku_before_an_unknown_one(
    node_db: UnitOfWorkFactory,
) -> None:
    """Only the SKUs the catalog lacks are spell-checked, yet the answer is the same: a SKU no
    SKU could be is named first, wherever it stands, then the first missing one."""
    rows = [stock.StockRow("MUG-NONE-1", 1), stock.StockRow("has space", 1)]
    with pytest.raises(InvalidValue, match="has space"):
        stock.set_stock(node_db, "van", [stock.StockRow(SKUS[0], 2), *rows], AT, "file")
    with pytest.raises(UnknownSku, match="MUG-NONE-1"):
        stock.set_stock(node_db, "van", [stock.StockRow(SKUS[0], 2), rows[0]], AT, "file")
    assert on_hand(node_db, "van", SKUS[0]) == 0
