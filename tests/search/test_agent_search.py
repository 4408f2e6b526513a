"""A node agent runs (syncing, its staff page writing stock and searching its index) while the
CLI and the hub's API search the same node's index: no error anywhere, and each answer is
current with the last committed stock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from microindex.bootstrap import Workspace
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import access_stores
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.node_app import staff_token
from microindex.service import access
from tests.sync.test_node_agent import CLI, _up, eventually, free_port
from tests.sync.test_node_agent import workspace as workspace

pytestmark = [pytest.mark.realclock, pytest.mark.slow]
ROUNDS = 4
IN_STOCK = ("--in-stock", "--json", "--limit", "100")


@pytest.fixture
def running(workspace: Workspace) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The hub serving in this process, the van's agent in its own, serving its staff page;
    a client for each."""
    hub_port, staff_port = free_port(), free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), port=hub_port, log_level="error"))
    hub_thread = threading.Thread(target=server.run, daemon=True)
    hub_thread.start()
    workspace.secrets.ensure("van")
    where = ["-w", str(workspace.settings.workspace)]
    serve = ["--poll", "0.2", "--serve-port", str(staff_port)]
    agent = subprocess.Popen(
        [str(CLI), *where, "node", "run", "van", "--hub", f"http://127.0.0.1:{hub_port}", *serve],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("MICROINDEX_")},
    )
    secret = access.issue(
        access_stores(workspace).tokens, workspace.hub, Grant(Role.ADMIN), workspace.clock(), "o"
    ).secret
    token = staff_token(workspace.settings.workspace, "van")
    staff = httpx.Client(
        base_url=f"http://127.0.0.1:{staff_port}", headers={"Authorization": f"Bearer {token}"}
    )
    hub = httpx.Client(
        base_url=f"http://127.0.0.1:{hub_port}", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        eventually(lambda: _up(staff))
        yield staff, hub
        agent.send_signal(signal.SIGINT)
        assert agent.wait(timeout=30) == 0, agent.communicate()[0]
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        assert agent.stdout is not None
        agent.stdout.close()
        server.should_exit = True
        hub_thread.join(timeout=10)
        staff.close()
        hub.close()


def _cli_in_stock(workspace: Path, text: str) -> set[str]:
    done = subprocess.run(
        [str(CLI), "-w", str(workspace), "search", "find", text, "--node", "van", *IN_STOCK],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {h["sku"] for h in json.loads(done.stdout)["hits"]}


def _api_in_stock(client: httpx.Client, text: str) -> set[str]:
    found = client.get("/api/v1/search", params={"q": text, "node": "van", "in_stock": True})
    assert found.status_code == 200, found.text
    return {h["sku"] for h in found.json()["hits"]}


def test_cli_hub_and_staff_searches_run_beside_the_agent_and_see_the_last_commit(
    workspace: Workspace,
    running: tuple[httpx.Client, httpx.Client],
) -> None:
    staff, hub = running
    root = workspace.settings.workspace
    catalog = hub.get("/api/v1/products", params={"limit": ROUNDS}).json()["items"]
    assert len(catalog) == ROUNDS
    for product in catalog:
        sku, text = product["sku"], product["title"]
        received = staff.post("/api/v1/nodes/van/receive", json={"sku": sku, "quantity": 3})
        assert received.status_code == 200, received.text
        with ThreadPoolExecutor(4) as pool:  # all at once, on the index the agent writes
            cli = pool.submit(_cli_in_stock, root, text)
            api = pool.submit(_api_in_stock, hub, text)
            mine = pool.submit(_api_in_stock, staff, text)
            sold = pool.submit(
                staff.post, "/api/v1/nodes/van/sell", json={"sku": sku, "quantity": 1}
            )
            assert sold.result().status_code == 200, sold.result().text
            assert sku in cli.result() and sku in api.result() and sku in mine.result()
