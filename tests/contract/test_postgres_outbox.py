"""PostgreSQL only: outbox ids follow commit order, so a reader resuming after a mark skips none."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from microindex.service import stock

from .conftest import Databases
from .samples import AT, product

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("databases", ["postgres"], indirect=True)
def test_a_later_writer_waits_so_ids_follow_commit_order(databases: Databases) -> None:
    database = databases.open()
    first = database()
    first.outbox.add("topic", "first", {}, AT)
    assert [m.key for m in first.outbox.after(0)] == ["first"]  # written, id taken, not committed

    def second_writer() -> None:
        with database() as uow:
            uow.outbox.add("topic", "second", {}, AT)
            uow.commit()

    def read() -> list[str]:
        with database() as uow:
            return [m.key for m in uow.outbox.after(0)]

    with ThreadPoolExecutor(2) as pool:
        second = pool.submit(second_writer)
        time.sleep(0.2)
        assert not second.done()  # waiting for the first writer's commit
        assert pool.submit(read).result() == []  # readers do not wait, and see nothing uncommitted
        first.commit()
        second.result(timeout=10)
    with database() as uow:
        messages = uow.outbox.after(0)
    assert [m.key for m in messages] == ["first", "second"]
    assert messages[0].id < messages[1].id


@pytest.mark.parametrize("databases", ["postgres"], indirect=True)
def test_an_appends_message_written_with_its_ledger_waits_for_an_earlier_writer(
    databases: Databases,
) -> None:
    """An append's outbox message goes in its `ledger_save` call (ADR 0029), under the same
    lock as any other writer's: taken after the ledger's rows, held until commit."""
    database = databases.open()
    with database() as uow:
        uow.catalog.upsert([product("A")])
        uow.commit()
    first = database()
    first.outbox.add("topic", "first", {}, AT)
    assert [m.key for m in first.outbox.after(0)] == ["first"]  # written, locked, not committed

    with ThreadPoolExecutor(1) as pool:
        append = pool.submit(stock.receive, database, "shop", "A", 2, AT)
        time.sleep(0.2)
        assert not append.done()  # its message waits for the first writer's commit
        first.commit()
        append.result(timeout=10)
    with database() as uow:
        messages = uow.outbox.after(0)
        assert [m.key for m in messages] == ["first", "shop#1"]
        assert messages[1].payload == {"node": "shop", "first": 1, "last": 1}
        assert messages[1].created_at == AT
        assert uow.ledger.load("shop", ["A"]).on_hand == {"A": 2}
