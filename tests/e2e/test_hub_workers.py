"""The hub as two processes (`microindex serve`) on one PostgreSQL schema, and three node agents
(`microindex node run`), each in its own folder, syncing over HTTP: requests are spread over
both hub processes (buyers alternate; the van and the locker sync with one, the shopfront with
the other, then the van moves over, so a set-aside promised at one travels down from the
other and a node's pushes land on both).

50 buyers at once for 10 units get exactly 10; every timer run is claimed and run once; after
the agents sync, every node's ledger equals the hub's mirror; searches at both hub processes
and at a node while its agent runs answer. `serve --workers 2` runs two processes on one port,
each answering and running timers (each due run claimed once); on a SQLite hub it is refused
with the reason.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.search.files import open_index
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.bootstrap import bootstrap, hub_timers
from microindex.domain.access import Grant, Role
from microindex.domain.cadence import Every
from microindex.domain.codes import NodeCode
from microindex.domain.movement import Movement
from microindex.domain.node import Capabilities, Location, Node, NodeKind, OpeningHours
from microindex.domain.search.request import Filters, SearchRequest
from microindex.entrypoints.access import token_store
from microindex.entrypoints.cli.app import app
from microindex.service import access
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.indexing import catch_up
from microindex.service.nodes import add_node
from microindex.service.search import search as search_index
from microindex.settings import Settings
from tests.search.conftest import product

CLI = [str(Path(sys.executable).parent / "microindex")]
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # when the catalog and tokens were made
NODES = {"shopfront": (51.545, -0.055), "locker": (51.547, -0.057), "van": (51.543, -0.053)}
CUSTOMER = {"lat": 51.546, "lon": -0.056}
SCARCE = "MUG-1"  # 10 units over three nodes
RECEIVED = {
    "shopfront": {SCARCE: 4, "LMP-1": 3, "RUG-1": 2},
    "locker": {SCARCE: 3, "LMP-1": 3, "SOF-1": 1},
    "van": {SCARCE: 3, "LMP-1": 3, "CHR-1": 1},
}
COUNTED = "LMP-1"  # counted one short, twice: a count is reported to the hub at once


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def eventually(check: Callable[[], bool], seconds: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.2)


def child_env(**extra: str) -> dict[str, str]:
    """This environment without MICROINDEX_ settings, with PYTHONPATH made absolute (so a
    child started in another folder runs this checkout's code)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROINDEX_")}
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(
            str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep)
        )
    return {**env, **extra}


@dataclass
class Running:
    """Processes a test started, stopped (SIGINT, then SIGKILL) in reverse order."""

    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    clients: list[httpx.Client] = field(default_factory=list)
    starting: list[str] = field(default_factory=list)  # addresses to answer before going on

    def listening(self, url: str, wait: bool) -> None:
        """Wait for `url` to answer now, or (not `wait`) with the others in `all_listening`."""
        self.starting.append(url)
        if wait:
            self.all_listening()

    def all_listening(self) -> None:
        """Wait for every process started to answer: they start side by side."""
        for url in self.starting:
            eventually(lambda u=url: _answers(u), what=f"{url} to answer")  # type: ignore[misc]
        self.starting.clear()

    def start(
        self, name: str, args: list[str], env: dict[str, str], within: Sequence[str] = ()
    ) -> subprocess.Popen[bytes]:
        """`microindex ARGS` (`within`: the command it runs under, e.g. `ip netns exec NS`)."""
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [*within, *CLI, *args], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder
        )
        log.close()
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> int:
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return int(process.returncode)

    def stop_all(self) -> None:
        for client in self.clients:
            client.close()
        for process in reversed(self.processes):
            self.stop(process)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    started = Running(tmp_path)
    yield started
    started.stop_all()


@dataclass(frozen=True)
class Shop:
    folder: Path
    url: str  # the hub's PostgreSQL URL, with its schema
    schema: str
    sync_secrets: dict[str, str]
    admin: str
    channel: str


def pg_url(base: str, schema: str) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def shop(tmp_path: Path, postgres_url: str, postgres_schema: str) -> Shop:
    """A hub on PostgreSQL with three nodes, a small catalog and tokens (made in-process)."""
    url = pg_url(postgres_url, postgres_schema)
    ws = bootstrap(Settings(tmp_path / "hub", hub_url=url))
    try:
        for code, (lat, lon) in NODES.items():
            add_node(ws.hub, _node(code, lat, lon))
        import_products(ws.hub, ParsedCatalog(CATALOG), AT)
        secrets = {code: ws.secrets.ensure(code).decode() for code in NODES}
        store = token_store(ws)
        admin = access.issue(store, ws.hub, Grant(Role.ADMIN), AT, "test admin").secret
        channel = access.issue(store, ws.hub, Grant(Role.CHANNEL), AT, "web shop").secret
    finally:
        ws.close()
    return Shop(tmp_path / "hub", url, postgres_schema, secrets, admin, channel)


CATALOG = [
    product(SCARCE, "Harlow Stoneware Mug in Navy", "12.00"),
    product("LMP-1", "Brass Arc Floor Lamp", "89.00"),
    product("RUG-1", "Jute Area Rug", "120.00"),
    product("SOF-1", "Linen Three Seater Sofa", "899.00"),
    product("CHR-1", "Wingback Armchair", "349.00"),
]


def _node(code: str, lat: float, lon: float) -> Node:
    kind = {"shopfront": NodeKind.STORE, "locker": NodeKind.LOCKER, "van": NodeKind.VAN}[code]
    return Node(
        code=NodeCode(code),
        kind=kind,
        name=code.title(),
        location=Location(lat, lon),
        opening_hours=OpeningHours.always(),
        capabilities=Capabilities(
            pickup=True, local_delivery_radius_km=10.0, local_delivery_speed_kmh=15.0
        ),
        zone="Europe/London",
        offline_gap_s=0.0,  # always in reach: no walk-in rights kept back, the hub holds all
    )


def start_hub(
    running: Running,
    shop: Shop,
    name: str,
    workers: int = 1,
    host: str = "127.0.0.1",
    wait: bool = True,
) -> str:
    port = free_port()
    args = ["-w", str(shop.folder), "serve", "--host", host, "--port", str(port)]
    args += ["--workers", str(workers)]
    running.start(name, args, child_env(MICROINDEX_HUB_URL=shop.url))
    base = f"http://{host}:{port}"
    running.listening(f"{base}/docs", wait)
    return base


def start_agent(
    running: Running, shop: Shop, code: str, hub: str, wait: bool = True
) -> httpx.Client:
    """The node's agent in its own folder, with its staff page; a client for that page."""
    folder, port = running.folder / f"agent-{code}", free_port()
    folder.mkdir(exist_ok=True)
    staff = f"staff-{code}-token-0123456789abcdef"
    args = ["-w", str(folder), "node", "run", code, "--hub", hub]
    args += ["--serve-port", str(port), "--poll", "0.2"]
    env = child_env(MICROINDEX_SYNC_SECRET=shop.sync_secrets[code], MICROINDEX_STAFF_TOKEN=staff)
    running.start(f"agent-{code}", args, env)
    base = f"http://127.0.0.1:{port}"
    running.listening(f"{base}/staff", wait)
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {staff}"}, timeout=30)
    running.clients.append(client)
    return client


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def receive_when_known(staff: httpx.Client, code: str, sku: str, quantity: int) -> None:
    """A receipt at the node, once its agent has pulled the product from the hub."""

    def received() -> bool:
        body = {"sku": sku, "quantity": quantity}
        answer = staff.post(f"/api/v1/nodes/{code}/receive", json=body)
        assert answer.status_code in (200, 404, 422), answer.text
        return answer.status_code == 200

    eventually(received, what=f"{sku} received at {code}")


def count(staff: httpx.Client, code: str, sku: str, counted: int) -> None:
    answer = staff.post(f"/api/v1/nodes/{code}/count", json={"sku": sku, "counted": counted})
    assert answer.status_code == 200, answer.text


def hub_rights(shop: Shop, sku: str) -> int:
    with psycopg.connect(shop.url) as conn:
        row = conn.execute("SELECT coalesce(sum(h), 0) FROM hub_rights WHERE sku = %s", (sku,))
        return int(row.fetchone()[0])  # type: ignore[index]


def mirror(shop: Shop, code: str) -> list[Movement]:
    """The hub's copy of the node's ledger, every movement in sequence."""
    database = PostgresPromiseDatabase(shop.url)
    try:
        with database() as uow:
            return uow.ledger.movements(code, 0, 10**9)
    finally:
        database.close()


def node_ledger(folder: Path, code: str) -> list[Movement]:
    """The node's own ledger, in its agent's folder."""
    database = SqliteSyncDatabase(folder / f"agent-{code}" / "nodes" / f"{code}.sqlite")
    try:
        with database() as uow:
            return uow.ledger.movements(code, 0, 10**9)
    finally:
        database.close()


def search_beside_the_agent(folder: Path, code: str, text: str) -> list[str]:
    """What `search find --node CODE` does in the agent's folder while the agent runs (and
    has searched its index): catch the node's index up, then search it."""
    index = open_index(folder / f"agent-{code}", code)
    database = SqliteSyncDatabase(folder / f"agent-{code}" / "nodes" / f"{code}.sqlite")
    try:
        catch_up(index, database, code)  # no LockBusy beside the agent's writer
        request = SearchRequest(text, Filters(in_stock=True))
        return [hit.sku for hit in search_index(index, request, code).hits]
    finally:
        index.close()
        database.close()


def buy_at_once(hubs: list[str], channel: str, buyers: int) -> list[httpx.Response]:
    """`buyers` threads, released together, each ordering one SCARCE; hub i % len(hubs)."""
    start = threading.Barrier(buyers)
    answers: list[Any] = [None] * buyers

    def buy(i: int) -> None:
        order = {
            "lines": [{"sku": SCARCE, "quantity": 1}],
            "method": "local_delivery",
            "customer": CUSTOMER,
        }
        headers = {"Authorization": f"Bearer {channel}", "Idempotency-Key": f"buyer-{i}"}
        with httpx.Client(base_url=hubs[i % len(hubs)], timeout=60) as client:
            start.wait()
            answers[i] = client.post("/api/v1/orders", json=order, headers=headers)

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.mark.realclock
@pytest.mark.postgres
@pytest.mark.slow
def test_two_hub_processes_and_three_agents_promise_ten_units_once_and_converge(
    shop: Shop, running: Running
) -> None:
    hubs = [start_hub(running, shop, name, wait=False) for name in ("hub-a", "hub-b")]
    at = {"shopfront": hubs[1], "locker": hubs[0], "van": hubs[0]}
    staff = {code: start_agent(running, shop, code, at[code], wait=False) for code in NODES}
    running.all_listening()
    for code, lines in RECEIVED.items():
        for sku, quantity in lines.items():
            receive_when_known(staff[code], code, sku, quantity)
        count(staff[code], code, COUNTED, 2)
    eventually(lambda: hub_rights(shop, SCARCE) == 10, what="the hub to hold 10 rights")

    answers = buy_at_once(hubs, shop.channel, 50)
    promised = [a for a in answers if a.status_code == 201]
    assert len(promised) == 10, [a.text for a in answers if a.status_code != 409][:3]
    assert {a.status_code for a in answers} == {201, 409}
    by_node: dict[str, int] = {}
    for answer in promised:
        for part in answer.json()["parts"]:
            by_node[part["node"]] = by_node.get(part["node"], 0) + part["lines"][0]["quantity"]
    assert by_node == {code: lines[SCARCE] for code, lines in RECEIVED.items()}

    assert running.stop(running.processes[4]) == 0  # the van's agent moves to the other hub
    staff["van"] = start_agent(running, shop, "van", hubs[1])  # process: counters are stored
    for code in NODES:
        count(staff[code], code, COUNTED, 1)  # and the set-asides come down in the reply
    for code in NODES:
        eventually(
            lambda c=code: node_ledger(running.folder, c) == mirror(shop, c),  # type: ignore[misc]
            what=f"{code}'s ledger to equal the hub's mirror",
        )
        assert [m.seq for m in mirror(shop, code)] == list(range(1, len(mirror(shop, code)) + 1))

    search = {"Authorization": f"Bearer {shop.admin}"}
    for hub in hubs:
        found = httpx.get(f"{hub}/api/v1/search", params={"q": "floor lamp"}, headers=search)
        assert found.status_code == 200, found.text
        assert found.json()["hits"][0]["stock"] == dict.fromkeys(NODES, 1)
    at_node = staff["van"].get("/api/v1/search", params={"q": "armchair", "in_stock": True})
    assert at_node.status_code == 200 and at_node.json()["total"] == 1
    assert search_beside_the_agent(running.folder, "van", "armchair") == ["CHR-1"]

    for process in reversed(running.processes):
        assert running.stop(process) == 0  # the agents, then the hubs (no run left going)
    pids = {process.pid for process in running.processes[:2]}
    runs = timer_runs(shop)
    every = periodic_timers(shop)  # due at every moment (a cron job only near its slot)
    assert every <= {timer for timer, _, _ in runs if timer}
    assert all(outcome == "ok" for timer, _, outcome in runs if timer in every), runs
    assert {int(by.rsplit(":", 1)[1]) for _, by, _ in runs} <= pids  # one claim per due


def timer_runs(shop: Shop) -> list[tuple[str, str, str]]:
    """(timer, claimed by, outcome) of every run claimed; (timer, due) is the table's key."""
    with psycopg.connect(shop.url) as conn:
        rows = conn.execute("SELECT timer, claimed_by, outcome FROM timer_runs").fetchall()
    return [(str(t), str(b), str(o)) for t, b, o in rows]


def periodic_timers(shop: Shop) -> set[str]:
    ws = bootstrap(Settings(shop.folder, hub_url=shop.url))
    try:
        return {t.name for t in hub_timers(ws) if isinstance(t.due, Every)}
    finally:
        ws.close()


def test_several_workers_on_a_sqlite_hub_are_refused_with_the_reason(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-w", str(tmp_path / "shop"), "serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "--workers 2 needs a PostgreSQL hub" in " ".join(result.output.split())


def _children(pid: int) -> set[int]:
    """The worker processes uvicorn spawned under `pid` (not multiprocessing's helpers)."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid and b"spawn_main" in command:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.postgres
@pytest.mark.realclock
@pytest.mark.slow
def test_two_workers_on_one_port_answer_and_claim_each_timer_run_once(
    shop: Shop, running: Running
) -> None:
    base = start_hub(running, shop, "hub", workers=2)
    serve = running.processes[0]
    eventually(lambda: len(_children(serve.pid)) == 2, what="two worker processes")
    workers = _children(serve.pid)
    admin = {"Authorization": f"Bearer {shop.admin}"}
    for _ in range(20):  # a new connection each: the kernel hands them to either worker
        assert httpx.get(f"{base}/api/v1/nodes", headers=admin).status_code == 200

    every = periodic_timers(shop)
    eventually(lambda: every <= {t for t, _, o in timer_runs(shop) if o == "ok"}, what="timer runs")
    assert running.stop(serve) == 0
    runs = timer_runs(shop)
    assert {int(by.rsplit(":", 1)[1]) for _, by, _ in runs} <= workers
    periodic = [t for t, _, _ in runs if t in every]
    assert len(periodic) <= 2 * len(every)  # one due time each, two if a minute turned
