"""A real workspace for the API tests: the demo shop on SQLite (`pristine_demo`), copied fresh
for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import access_stores, token_store
from microindex.entrypoints.http import create_app
from microindex.service import access
from tests.demo import open_copy


def issue_secrets(workspace: Workspace) -> dict[str, str]:
    """A token secret for each kind of caller, one of them revoked."""
    store = token_store(workspace)
    now = workspace.clock()
    grants = {
        "admin": Grant(Role.ADMIN),
        "staff_van": Grant(Role.STAFF, "van"),
        "staff_locker": Grant(Role.STAFF, "locker"),
        "channel": Grant(Role.CHANNEL),
        "revoked": Grant(Role.ADMIN),
    }
    issued = {name: access.issue(store, workspace.hub, g, now, name) for name, g in grants.items()}
    access.revoke(store, issued["revoked"].token.id, now)
    return {name: i.secret for name, i in issued.items()}


def login_link_code(workspace: Workspace) -> str:
    """The code of a new one-time admin login link (`/login/once/{code}`)."""
    links = access_stores(workspace).links
    return access.issue_login_link(links, workspace.clock()).code


@pytest.fixture
def workspace(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(pristine_demo, tmp_path / "shop")
    yield ws
    ws.close()


@pytest.fixture
def secrets(workspace: Workspace) -> dict[str, str]:
    return issue_secrets(workspace)


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def shared_workspace(
    pristine_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    """One workspace for a whole module whose tests tolerate each other's writes."""
    ws = open_copy(pristine_demo, tmp_path_factory.mktemp("shared") / "shop")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def shared_secrets(shared_workspace: Workspace) -> dict[str, str]:
    return issue_secrets(shared_workspace)


@pytest.fixture(scope="module")
def shared_client(shared_workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(shared_workspace)) as test_client:
        yield test_client


def app_of(client: TestClient) -> FastAPI:
    """The app the client serves (`create_app`'s), to read or set its state."""
    assert isinstance(client.app, FastAPI)
    return client.app


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def shopfront_only_sku(client: TestClient, headers: dict[str, str]) -> str:
    """A SKU the shopfront holds more than one of and the locker none: a pickup of it at the
    locker is filled by a transfer from the shopfront."""
    stock = client.get("/api/v1/stock", headers=headers).json()
    at_locker = {line["sku"] for line in stock if line["node"] == "locker"}
    return str(
        min(
            line["sku"]
            for line in stock
            if line["node"] == "shopfront" and line["on_hand"] > 1 and line["sku"] not in at_locker
        )
    )
