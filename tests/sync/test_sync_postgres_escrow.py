"""On a PostgreSQL hub with several workers, no two of them spend the same rights."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.domain.sync.account import NotEnoughRights
from microindex.domain.sync.messages import Peer
from microindex.domain.sync.rights import Rights
from microindex.service import promise, rights
from microindex.sync_sim.nodes import CENTRE, sim_nodes

pytestmark = pytest.mark.postgres
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def hub(postgres_url: str, postgres_schema: str) -> Iterator[PostgresPromiseDatabase]:
    database = PostgresPromiseDatabase(postgres_url, postgres_schema)
    database.migrate()
    rights.renew_epoch(database, "e1")
    with database() as uow:  # the van has granted the hub 5 and synced in this epoch
        account = uow.accounts.load("van")
        account.held["MUG-1"] = 5
        account.mirror["MUG-1"] = Rights(granted=5)
        account.touched_skus.add("MUG-1")
        uow.accounts.save(account)
        uow.accounts.save_peer(Peer("van", epoch="e1"))
        uow.commit()
    yield database
    database.close()


def _place(hub: PostgresPromiseDatabase, key: str, quantity: int) -> promise.Placed:
    asked = OrderRequest((OrderLine("MUG-1", quantity),), Method.SHIP, AT, CENTRE)
    return promise.place_order(hub, key, asked, sim_nodes(("van",)))


def _promise(hub: PostgresPromiseDatabase) -> Callable[[int], bool]:
    def one(i: int) -> bool:
        try:
            _place(hub, f"web-{i}", 1)
        except CannotPromise:
            return False
        return True

    return one


def test_concurrent_workers_promise_exactly_the_rights_held(hub: PostgresPromiseDatabase) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        promised = sum(pool.map(_promise(hub), range(20)))
    assert promised == 5
    with hub() as uow:
        assert uow.accounts.held("MUG-1") == {"van": 0}


def test_the_escrow_update_refuses_rights_spent_by_another_worker(
    hub: PostgresPromiseDatabase,
) -> None:
    with hub() as stale:
        account = stale.accounts.load("van")
        stale.rollback()  # lets the other worker in, as a worker without the row lock would
        with ThreadPoolExecutor(max_workers=1) as other:
            other.submit(_place, hub, "web-1", 4).result()
        account.reserve("web-2", "MUG-1", 3, AT)  # its stale view still says 5
        with pytest.raises(NotEnoughRights):
            stale.accounts.save(account)
    with hub() as uow:
        assert uow.accounts.held("MUG-1") == {"van": 1}
