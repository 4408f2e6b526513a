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
