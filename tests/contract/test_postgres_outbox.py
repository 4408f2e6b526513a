"""PostgreSQL only: outbox ids follow commit order, so a reader resuming after a mark skips none."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import Databases
from .samples import AT

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
