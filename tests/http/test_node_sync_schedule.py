"""Each node's next sync and why: in `microindex node list`, the nodes API and the dashboard."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.bootstrap import Workspace
from microindex.entrypoints.cli import nodes
from tests.clock import DEMO_NOW, Clock
from tests.http.conftest import bearer


def test_the_nodes_api_says_when_each_node_next_syncs_and_why(
    workspace: Workspace, client: TestClient, secrets: dict[str, str]
) -> None:
    listed = client.get("/api/v1/nodes", headers=bearer(secrets["channel"])).json()
    van = next(n for n in listed if n["code"] == "van")
    last, due = datetime.fromisoformat(van["last_sync"]), datetime.fromisoformat(van["next_sync"])
    assert last == DEMO_NOW  # the demo synced at its noon
    assert timedelta(minutes=1) <= due - last <= timedelta(hours=1)  # the advised heartbeat
    assert van["next_sync_why"].startswith("heartbeat every")
    assert isinstance(workspace.clock, Clock)
    workspace.clock.advance(timedelta(hours=3))
    late = client.get("/api/v1/nodes/van", headers=bearer(secrets["admin"])).json()
    assert late["next_sync_why"].startswith("overdue by")


def test_node_list_shows_each_nodes_next_sync_and_why(workspace: Workspace) -> None:
    env = {"MICROINDEX_WORKSPACE": str(workspace.settings.workspace)}
    result = CliRunner().invoke(nodes.app, ["list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    listed = {n["code"]: n for n in json.loads(result.output)}
    assert listed["van"]["next_sync"] and listed["van"]["expected_offline_gap_s"] == 4 * 3600
    assert all(n["next_sync_why"] for n in listed.values())
    table = CliRunner().invoke(nodes.app, ["list"], env=env | {"COLUMNS": "250"})
    assert "next sync" in table.output and "why" in table.output


def test_the_dashboard_shows_each_nodes_next_sync(
    client: TestClient, secrets: dict[str, str]
) -> None:
    body = f"token={secrets['admin']}".encode()
    assert client.post("/login", content=body, follow_redirects=False).status_code == 303
    html = client.get("/").text
    nodes_card = html[html.index('id="nodes"') : html.index('id="nodes-today"')]
    assert "Next sync" in nodes_card and nodes_card.count('class="next-sync"') >= 3
    assert "heartbeat every" in nodes_card or "overdue by" in nodes_card
