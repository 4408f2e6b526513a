"""A promise on a PostgreSQL hub answers from the hub's rights as they are when it is placed,
whatever a hub process keeps between orders: what another worker's sync or epoch change wrote
between two orders is seen by the next, and two hub processes, each of which has promised
before, never both win the last unit. (ADR 0061 measured a view kept across orders, its
write checked against what changed: without that check the first two fail.)"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.demo.scenario import NODES
from microindex.domain.node import Location
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.service import promise, rights
from tests.promise.conftest import Shop, close_shop, open_shop

pytestmark = pytest.mark.postgres

SKU = "MUG-1"
OTHER = "MUG-2"
HACKNEY = Location(51.5400, -0.0600)


@pytest.fixture
def shop(
    new_postgres_schema: Callable[[], str], postgres_url: str, tmp_path: Path
) -> Iterator[Shop]:
    made = open_shop(PostgresPromiseDatabase(postgres_url, new_postgres_schema()), tmp_path)
    yield made
    close_shop(made)


@pytest.fixture
def other(shop: Shop) -> Iterator[Shop]:
    """Another hub worker on the same database, on its own connections."""
    assert isinstance(shop.hub, PostgresPromiseDatabase)
    worker = PostgresPromiseDatabase(shop.hub.url, shop.hub.schema)
    yield Shop(worker, shop.nodes, shop.now)
    worker.close()


def _asked(shop: Shop, units: int, sku: str = SKU) -> OrderRequest:
    return OrderRequest((OrderLine(sku, units),), Method.LOCAL_DELIVERY, shop.clock(), HACKNEY)


def test_a_sync_another_worker_applies_between_two_orders_is_seen_by_the_next(
    shop: Shop, other: Shop
) -> None:
    shop.stock("shopfront", SKU, 1)
    shop.stock("van", SKU, 5)
    first = promise.place_order(shop.hub, "o-1", _asked(shop, 1), NODES)
    assert set(first.record.order.parts) == {"shopfront"}  # its last unit
    other.stock("shopfront", SKU, 5)  # 5 more there, synced through the other worker
    second = promise.place_order(shop.hub, "o-2", _asked(shop, 1), NODES)
    # as the hub stood after the first order the shopfront held nothing: the van's
    assert set(second.record.order.parts) == {"shopfront"}, second.record.why


def test_an_epoch_renewed_by_another_worker_between_two_orders_is_seen_by_the_next(
    shop: Shop, other: Shop
) -> None:
    shop.stock("shopfront", SKU, 3)
    assert promise.place_order(shop.hub, "o-1", _asked(shop, 1), NODES).created
    rights.renew_epoch(other.hub, "epoch-2")  # a restore: no node heard from since
    with pytest.raises(CannotPromise) as refused:
        promise.place_order(shop.hub, "o-2", _asked(shop, 1), NODES)
    assert refused.value.reasons["shopfront"] == [promise.UNHEARD]


_WORKER = """
import sys
from datetime import datetime
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.demo.scenario import NODES
from microindex.domain.node import Location
from microindex.domain.promise.order import Method, OrderLine, OrderRequest
from microindex.domain.promise.plans import CannotPromise
from microindex.service import promise

url, schema, name, at = sys.argv[1:]
hub = PostgresPromiseDatabase(url, schema)
placed = datetime.fromisoformat(at)
def asked(sku):
    return OrderRequest((OrderLine(sku, 1),), Method.LOCAL_DELIVERY, placed,
        Location(51.54, -0.06))
promise.place_order(hub, f"warm-{name}", asked("MUG-2"), list(NODES))  # each has promised
print("ready", flush=True)
sys.stdin.readline()  # "go": no sleep on the wall clock (the suite also runs with it moved)
try:
    promise.place_order(hub, f"last-{name}", asked("MUG-1"), list(NODES))
    print("won", flush=True)
except CannotPromise:
    print("refused", flush=True)
hub.close()
"""


# Waiting on a process with a timeout sleeps on the wall clock, which the moved clock refuses.
@pytest.mark.realclock
def test_two_hub_processes_promising_the_last_unit_never_both_win(shop: Shop) -> None:
    shop.stock("shopfront", SKU, 1)  # the last unit, at one node
    shop.stock("shopfront", OTHER, 10)
    assert isinstance(shop.hub, PostgresPromiseDatabase)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                shop.hub.url,
                str(shop.hub.schema),
                name,
                shop.clock().isoformat(),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("a", "b")
    ]
    for worker in workers:  # each has promised once, while the last unit was there
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:  # both at once, as near as two pipes allow
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    said = sorted(worker.communicate(timeout=60)[0].strip() for worker in workers)
    assert said == ["refused", "won"]
    with shop.hub() as uow:
        account = uow.accounts.load("shopfront")
    assert account.h(SKU) == 0
    assert [r.quantity for r in account.reservations.values() if r.sku == SKU] == [1]
