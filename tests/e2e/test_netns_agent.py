"""A node agent on its own machine, as near as a test gets: its own network namespace
(iproute2 `ip netns`), reaching the hub only over a veth pair (the hub listens on the host
end's address). The agent is killed with SIGKILL in the middle of a sync and started again,
then the link is cut mid-sync and healed: nothing is lost or doubled, the node's ledger equals
the hub's mirror, every movement once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import psycopg
import pytest

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.movement import MovementKind
from tests.e2e import test_hub_workers as hub_workers
from tests.e2e.test_hub_workers import (
    CATALOG,
    Running,
    Shop,
    child_env,
    eventually,
    mirror,
    node_ledger,
    start_hub,
)

shop, running = hub_workers.shop, hub_workers.running  # the fixtures, here too

pytestmark = [pytest.mark.realclock, pytest.mark.postgres, pytest.mark.slow]

CODE = "van"
SKUS = [p.sku.value for p in CATALOG]
RECEIPTS = 15_000  # per round: three pushes of 5,000
CUT_ATTEMPTS = 4


@dataclass(frozen=True)
class Link:
    namespace: str
    host_end: str  # the veth end left on the host, where the hub listens
    hub_address: str
    node_address: str

    def set(self, state: str) -> None:
        _ip("link", "set", self.host_end, state)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def link() -> Iterator[Link]:
    """A namespace joined to the host by a veth pair; skipped where that cannot be made."""
    if os.geteuid() != 0:
        pytest.skip("needs root: a network namespace and a veth pair are made")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2's `ip` (apt install iproute2)")
    tag = uuid.uuid4().hex[:6]
    octet = int(tag[:2], 16)
    made = Link(f"mi-{tag}", f"mih{tag}", f"10.231.{octet}.1", f"10.231.{octet}.2")
    try:
        _ip("netns", "add", made.namespace)
    except subprocess.CalledProcessError as error:
        pytest.skip(f"`ip netns add` is not allowed here: {error.stderr.decode().strip()}")
    try:
        inside = ("netns", "exec", made.namespace, "ip")
        _ip("link", "add", made.host_end, "type", "veth", "peer", "name", f"min{tag}")
        _ip("link", "set", f"min{tag}", "netns", made.namespace)
        _ip("addr", "add", f"{made.hub_address}/30", "dev", made.host_end)
        _ip("link", "set", made.host_end, "up")
        _ip(*inside, "addr", "add", f"{made.node_address}/30", "dev", f"min{tag}")
        _ip(*inside, "link", "set", f"min{tag}", "up")
        _ip(*inside, "link", "set", "lo", "up")
        yield made
    finally:
        subprocess.run(["ip", "link", "del", made.host_end], capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", made.namespace], capture_output=True, timeout=30)


def start_agent_in(running: Running, shop: Shop, link: Link, hub: str) -> subprocess.Popen[bytes]:
    args = ["-w", str(running.folder / f"agent-{CODE}"), "node", "run", CODE, "--hub", hub]
    env = child_env(MICROINDEX_SYNC_SECRET=shop.sync_secrets[CODE])
    within = ["ip", "netns", "exec", link.namespace]
    return running.start(f"agent-{CODE}", [*args, "--poll", "0.2"], env, within)


def write(node_db: SqliteSyncDatabase, receipts: int, at: datetime) -> None:
    """`receipts` deliveries at the node (the till writes its own ledger) and a unit found
    missing, which the agent reports at once."""
    with node_db() as uow:
        ledger = uow.ledger.load(CODE, SKUS)
        for i in range(receipts):
            ledger.record(SKUS[i % len(SKUS)], MovementKind.RECEIVE, 1, at, f"delivery-{i}")
        ledger.record(SKUS[0], MovementKind.COUNT_ADJUST, -1, at, "counted one short")
        uow.ledger.save(ledger)
        uow.commit()


def soon(check: Callable[[], bool], seconds: float = 60) -> None:
    """As `eventually`, looking often: to act while a sync is under way."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def hub_head(shop: Shop) -> int:
    """How many of the node's movements the hub holds: one count, quick enough to watch a
    sync's batches land one by one (reading the whole mirror takes longer than a batch)."""
    with psycopg.connect(shop.url) as conn:
        row = conn.execute("SELECT count(*) FROM movements WHERE node = %s", (CODE,)).fetchone()
    return int(row[0]) if row else 0


def moved_past(shop: Shop, head: int) -> bool:
    return hub_head(shop) > head


def converged(shop: Shop, folder: Path) -> bool:
    return node_ledger(folder, CODE) == mirror(shop, CODE)


def test_an_agent_in_its_own_namespace_survives_sigkill_and_a_cut_link_mid_sync(
    shop: Shop, running: Running, link: Link
) -> None:
    hub = start_hub(running, shop, "hub", host=link.hub_address)
    folder = running.folder / f"agent-{CODE}" / "nodes"
    folder.mkdir(parents=True)
    node_db = SqliteSyncDatabase(folder / f"{CODE}.sqlite")
    node_db.migrate()
    try:
        # Pushed in batches of 5,000: after the first lands two more are to go, so the kill
        # (and later the cut) lands mid-sync even when a batch is quick.
        write(node_db, RECEIPTS, datetime.now(UTC))
        agent = start_agent_in(running, shop, link, hub)
        soon(lambda: hub_head(shop) > 0)
        agent.send_signal(signal.SIGKILL)
        assert agent.wait(timeout=30) == -signal.SIGKILL
        cut_at = hub_head(shop)
        start_agent_in(running, shop, link, hub)
        eventually(lambda: converged(shop, running.folder), what="the ledgers to agree")
        first = hub_head(shop)
        rounds = 1

        # The cut must land while a push is under way: the batches of one round can all land
        # between two looks on a fast machine, so a cut that came after them is tried again.
        for _ in range(CUT_ATTEMPTS):
            write(node_db, RECEIPTS, datetime.now(UTC))
            before = hub_head(shop)
            soon(partial(moved_past, shop, before))
            link.set("down")  # mid-sync: the push in flight stalls, the next ones fail
            cut_off = hub_head(shop)
            time.sleep(2)  # long enough for the agent to fail and back off
            link.set("up")
            eventually(lambda: converged(shop, running.folder), what="the ledgers to agree again")
            rounds += 1
            if cut_off < hub_head(shop):
                break
    finally:
        node_db.close()
    ledger = mirror(shop, CODE)
    assert [m.seq for m in ledger] == list(range(1, len(ledger) + 1))  # each movement once
    assert 0 < cut_at < first and before < cut_off < len(ledger)  # each fault hit a sync
    receipts = [m.reference for m in ledger if m.kind is MovementKind.RECEIVE]
    assert len(receipts) == rounds * RECEIPTS
