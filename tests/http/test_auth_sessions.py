"""Dashboard sessions held by the hub: logout ends one everywhere, a login link works once and
briefly, and `serve` leaves no standing admin token behind."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import typer
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.bootstrap import Workspace
from microindex.entrypoints.cli import serve, tokens
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.session import COOKIE
from microindex.service import access
from tests.clock import Clock, on_demo_day

from .conftest import bearer, login_link_code

runner = CliRunner()


def _sign_in(client: TestClient, secret: str) -> str:
    signed = client.post("/login", content=f"token={secret}".encode(), follow_redirects=False)
    assert signed.status_code == 303, signed.text
    cookie = client.cookies.get(COOKIE)
    assert cookie
    return cookie


def _token_cli(workspace: Workspace, *args: str) -> str:
    env = {"MICROINDEX_WORKSPACE": str(workspace.settings.workspace)}
    result = runner.invoke(tokens.app, list(args), env=env, obj=on_demo_day())
    assert result.exit_code == 0, result.output
    return result.output


def test_logout_ends_the_session_for_its_cookie_and_as_a_bearer_token(
    client: TestClient, secrets: dict[str, str]
) -> None:
    cookie = _sign_in(client, secrets["admin"])
    assert "Units sold per node" in client.get("/").text
    assert client.get("/api/v1/nodes", headers=bearer(cookie)).status_code == 200

    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.set(COOKIE, cookie)  # kept by someone who copied it before the logout
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    refused = client.get("/api/v1/nodes", headers=bearer(cookie))
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    # the admin token that signed in is the user's own: logging out leaves it working
    assert client.get("/api/v1/nodes", headers=bearer(secrets["admin"])).status_code == 200


def test_revoking_a_token_ends_the_sessions_it_signed_in(
    workspace: Workspace, client: TestClient, secrets: dict[str, str]
) -> None:
    cookie = _sign_in(client, secrets["admin"])
    listed = json.loads(_token_cli(workspace, "list", "--json"))
    sessions = [t for t in listed if t["kind"] == "session"]
    admin = next(t for t in listed if t["label"] == "admin")
    assert [s["parent"] for s in sessions] == [admin["id"]]
    _token_cli(workspace, "revoke", admin["id"])
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/v1/nodes", headers=bearer(cookie)).status_code == 401


def test_a_session_is_revoked_by_id_from_the_command_line(
    workspace: Workspace, client: TestClient, secrets: dict[str, str]
) -> None:
    _sign_in(client, secrets["admin"])
    listed = json.loads(_token_cli(workspace, "list", "--json"))
    session = next(t for t in listed if t["kind"] == "session")
    assert "session" in _token_cli(workspace, "list")
    _token_cli(workspace, "revoke", session["id"])
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    listed = json.loads(_token_cli(workspace, "list", "--json"))
    assert session["id"] not in [t["id"] for t in listed]  # an ended session is left out
    ended = json.loads(_token_cli(workspace, "list", "--all", "--json"))
    assert next(t for t in ended if t["id"] == session["id"])["revoked_at"] is not None


def test_a_login_link_signs_in_once(workspace: Workspace, client: TestClient) -> None:
    code = login_link_code(workspace)
    assert client.get(f"/login/once/{code}").url.path == "/"
    assert "Units sold per node" in client.get("/").text
    client.cookies.clear()
    used = client.get(f"/login/once/{code}")
    assert used.status_code == 401 and "used already" in used.text


def test_a_login_link_runs_out_after_fifteen_minutes(
    workspace: Workspace, client: TestClient
) -> None:
    code = login_link_code(workspace)
    assert isinstance(workspace.clock, Clock)
    workspace.clock.advance(access.LOGIN_LINK_VALID + timedelta(seconds=1))
    expired = client.get(f"/login/once/{code}")
    assert expired.status_code == 401 and "expired" in expired.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_login_link_made_by_one_hub_process_is_taken_once_by_any(workspace: Workspace) -> None:
    code = login_link_code(workspace)
    with TestClient(create_app(workspace)) as first, TestClient(create_app(workspace)) as second:
        assert second.get(f"/login/once/{code}").url.path == "/"
        assert first.get(f"/login/once/{code}").status_code == 401


def test_serve_mints_no_standing_token_only_a_one_time_link(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    app = typer.Typer()
    app.command()(serve.serve)
    env = {"MICROINDEX_WORKSPACE": str(workspace.settings.workspace)}
    result = runner.invoke(app, ["--port", "8123"], env=env, obj=on_demo_day())
    assert result.exit_code == 0, result.output
    assert json.loads(_token_cli(workspace, "list", "--json")) == []
    link = re.search(r"http://localhost:8123(/login/once/\S+)", result.output)
    assert link is not None and "15 min" in result.output, result.output
    with TestClient(served["app"]) as browser:
        assert browser.get(link.group(1)).url.path == "/"
    kinds = [t["kind"] for t in json.loads(_token_cli(workspace, "list", "--json"))]
    assert kinds == ["session"]  # the visit's own, ended by logout


def test_token_login_link_prints_a_link_that_signs_in_once(
    workspace: Workspace, client: TestClient
) -> None:
    out = _token_cli(workspace, "login-link", "--url", "https://hub.example.com/")
    link = re.fullmatch(r"https://hub\.example\.com(/login/once/[\w-]+)\n", out)
    assert link is not None, out
    assert client.get(link.group(1)).url.path == "/"
    client.cookies.clear()
    assert client.get(link.group(1)).status_code == 401
    made = json.loads(_token_cli(workspace, "login-link", "--json"))
    assert made["url"].startswith("http://localhost:8000/login/once/")
    assert made["expires_at"] == (workspace.clock() + access.LOGIN_LINK_VALID).isoformat()
