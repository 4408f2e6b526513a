"""Several writers on one node's ledger: no sequence number twice, no stock below zero."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from microindex.domain.errors import OutOfStock
from microindex.service import stock
from tests.sales import sell

from .conftest import Databases
from .samples import AT, product

OPENING_STOCK = 5
ROUNDS = 25  # per thread: every fifth a delivery of 2, the rest single sales


def test_concurrent_appenders_never_reuse_a_seq_or_oversell(databases: Databases) -> None:
    threads = 2 if databases.kind == "sqlite" else 4
    database = databases.open()
    with database() as uow:
        uow.catalog.upsert([product("A")])
        uow.commit()
    stock.receive(database, "shop", "A", OPENING_STOCK, AT)
    start = threading.Barrier(threads, timeout=30)

    def till(n: int) -> tuple[int, int, int]:
        """One till's session: units received, units sold, sales refused."""
        received = sold = refused = 0
        start.wait()
        for i in range(ROUNDS):
            if i % 5 == 4:
                stock.receive(database, "shop", "A", 2, AT, f"t{n}-{i}")
                received += 2
                continue
            try:
                sell(database, "shop", "A", 1, AT, f"t{n}-{i}")
                sold += 1
            except OutOfStock:
                refused += 1
        return received, sold, refused

    with ThreadPoolExecutor(threads) as pool:
        results = [future.result() for future in [pool.submit(till, n) for n in range(threads)]]
    received, sold, refused = (sum(column) for column in zip(*results, strict=True))

    with database() as uow:
        movements = uow.ledger.movements("shop", limit=10_000)
        head = uow.ledger.load("shop", []).head
        on_hand = uow.ledger.stock("shop", "A")[0].on_hand
        replayed = uow.ledger.on_hand_at("shop", "A", head)
    appended = 1 + received // 2 + sold
    assert [m.seq for m in movements] == list(range(1, appended + 1))
    assert head == appended
    assert refused > 0  # demand outran supply, so the floor was really tested
    assert on_hand == OPENING_STOCK + received - sold >= 0
    assert on_hand == sum(m.quantity for m in movements) == replayed
    assert len({m.reference for m in movements}) == appended


def test_a_reading_unit_of_work_never_holds_up_a_writer(databases: Databases) -> None:
    """A search index's build reads the whole catalog and ledger in one reading unit of work:
    a sale or delivery meanwhile commits at once (it does not wait for the read to end), and
    the read goes on seeing the commit it began with."""
    database = databases.open()
    with database() as uow:
        uow.catalog.upsert([product("A")])
        uow.commit()
    stock.receive(database, "shop", "A", OPENING_STOCK, AT)
    committed = threading.Event()

    def deliver() -> None:
        stock.receive(database, "shop", "A", 2, AT, "during-the-read")
        committed.set()

    with database.reading() as reading:
        before = {line.sku: line.on_hand for line in reading.ledger.stock("shop")}
        writer = threading.Thread(target=deliver)
        writer.start()
        writer.join(timeout=8.0)  # the busy timeout (10 s) is longer: a wait would show
        assert committed.is_set(), "the delivery waited for the reading unit of work"
        again = {line.sku: line.on_hand for line in reading.ledger.stock("shop")}
    assert before == again == {"A": OPENING_STOCK}
    with database.reading() as later:
        assert {line.sku: line.on_hand for line in later.ledger.stock("shop")} == {
            "A": OPENING_STOCK + 2
        }
    writer.join()
