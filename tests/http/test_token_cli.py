"""`microindex token ...` and `microindex serve`, through Typer's runner on a demo workspace."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import typer
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.bootstrap import Workspace
from microindex.entrypoints.cli import serve, tokens

runner = CliRunner()


def cli(workspace: Workspace, *args: str, ok: bool = True) -> str:
    env = {"MICROINDEX_WORKSPACE": str(workspace.settings.workspace)}
    result = runner.invoke(tokens.app, list(args), env=env)
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def test_a_token_is_created_listed_and_revoked_from_the_command_line(
    workspace: Workspace, client: TestClient
) -> None:
    made = json.loads(cli(workspace, "create", "--role", "staff", "--node", "van", "--json"))
    assert made["role"] == "staff" and made["node"] == "van" and made["secret"].startswith("mi_")
    headers = {"Authorization": f"Bearer {made['secret']}"}
    assert client.get("/api/v1/nodes/van/head", headers=headers).status_code == 200
    listed = json.loads(cli(workspace, "list", "--json"))
    assert [t["id"] for t in listed] == [made["id"]] and "secret" not in listed[0]
    assert made["id"] in cli(workspace, "revoke", made["id"])
    assert client.get("/api/v1/nodes/van/head", headers=headers).status_code == 401
    assert "revoked" in cli(workspace, "list")


def test_the_secret_is_printed_once_on_its_own_line(workspace: Workspace) -> None:
    out = cli(workspace, "create", "--role", "admin", "--label", "owner")
    assert re.search(r"^mi_[A-Za-z0-9_-]{40,}$", out, re.MULTILINE)
    assert "mi_" not in cli(workspace, "list")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("create", "--role", "staff", "--node", "bench"), "no node with code 'bench'"),
        (("create", "--role", "staff"), "bound to one node"),
        (("revoke", "tok_nope"), "no token with id 'tok_nope'"),
    ],
)
def test_token_mistakes_are_refused_with_a_clear_message(
    workspace: Workspace, args: tuple[str, ...], says: str
) -> None:
    assert says in cli(workspace, *args, ok=False)


def test_serve_prints_a_one_time_dashboard_link_that_signs_in_once(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    app = typer.Typer()
    app.command()(serve.serve)
    env = {"MICROINDEX_WORKSPACE": str(workspace.settings.workspace)}
    result = runner.invoke(app, ["--port", "8123"], env=env)
    assert result.exit_code == 0, result.output
    assert served["port"] == 8123 and served["host"] == "127.0.0.1"
    link = re.search(r"http://localhost:8123(/login/once/\S+)", result.output)
    assert link is not None, result.output
    path = link.group(1)
    with TestClient(served["app"]) as browser:
        assert browser.get(path).url.path == "/"
        assert "Units sold per node" in browser.get("/").text
        browser.cookies.clear()
        assert browser.get(path).status_code == 401
