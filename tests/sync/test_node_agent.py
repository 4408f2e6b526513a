"""`microindex node run CODE --hub URL --serve-port P`: the node's own staff page and API sell
from its own database with the hub out of reach; when the hub comes up, the sale reaches it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from microindex.bootstrap import Workspace, bootstrap
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.node_app import staff_token
from microindex.settings import Settings

pytestmark = pytest.mark.realclock  # sleeps on the wall clock: not under faketime

CLI = Path(sys.executable).parent / "microindex"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def eventually(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture
def workspace(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    shutil.copytree(pristine_demo, tmp_path / "shop")
    ws = bootstrap(Settings(tmp_path / "shop"))
    yield ws
    ws.close()


@pytest.fixture
def agent(workspace: Workspace) -> Iterator[tuple[int, int]]:
    """The van's agent in its own process, pointed at a hub port nobody listens on yet."""
    hub_port, staff_port = free_port(), free_port()
    workspace.secrets.ensure("van")
    hub = f"http://127.0.0.1:{hub_port}"
    where = ["-w", str(workspace.settings.workspace)]
    serve = ["--poll", "0.2", "--serve-port", str(staff_port)]
    process = subprocess.Popen(
        [str(CLI), *where, "node", "run", "van", "--hub", hub, *serve],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("MICROINDEX_")},
    )
    try:
        yield hub_port, staff_port
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0, process.communicate()[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def receive_and_sell(staff: httpx.Client) -> dict[str, object]:
    """A delivery reaches the van (its rights grow with it), then a walk-in buys one."""
    sku = staff.get("/api/v1/stock", params={"node": "van"}).json()[0]["sku"]
    received = staff.post("/api/v1/nodes/van/receive", json={"sku": sku, "quantity": 2})
    assert received.status_code == 200, received.text
    sold = staff.post("/api/v1/nodes/van/sell", json={"sku": sku, "quantity": 1})
    assert sold.status_code == 200, sold.text
    made: dict[str, object] = sold.json()
    return made


def hub_has(workspace: Workspace, seq: object) -> bool:
    with workspace.hub() as uow:
        return any(m.seq == seq for m in uow.ledger.movements("van", 0, 10**9))


@pytest.mark.slow
def test_the_van_sells_with_the_hub_down_and_the_sale_reaches_it_later(
    workspace: Workspace, agent: tuple[int, int]
) -> None:
    hub_port, staff_port = agent
    token = staff_token(workspace.settings.workspace, "van")
    staff = httpx.Client(
        base_url=f"http://127.0.0.1:{staff_port}", headers={"Authorization": f"Bearer {token}"}
    )
    eventually(lambda: _up(staff))
    page = staff.get("/staff/van")
    assert page.status_code == 200 and "Sign in at van" in page.text
    assert httpx.get(f"http://127.0.0.1:{staff_port}/api/v1/nodes/van/head").status_code == 401
    sale = receive_and_sell(staff)
    assert not hub_has(workspace, sale["seq"])
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), port=hub_port, log_level="error"))
    hub = threading.Thread(target=server.run, daemon=True)
    hub.start()
    try:
        eventually(lambda: hub_has(workspace, sale["seq"]))
    finally:
        server.should_exit = True
        hub.join(timeout=10)
        staff.close()


def _up(client: httpx.Client) -> bool:
    try:
        return client.get("/staff").status_code < 500
    except httpx.HTTPError:
        return False
