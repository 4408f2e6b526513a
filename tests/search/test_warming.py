"""The hub builds a search index never built in the background, from start-up: a search
meanwhile is answered at once with `index_warming` and its progress, then from the index."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.adapters.search.files import index_path, search_dir
from microindex.adapters.search.tantivy_index import LOCK_SUFFIX
from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import access_stores
from microindex.entrypoints.http import create_app
from microindex.service import access
from microindex.settings import Settings

pytestmark = pytest.mark.realclock  # the app's timer thread and the build run on the wall clock


@pytest.fixture
def workspace(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    shutil.copytree(pristine_demo, tmp_path / "shop")
    shutil.rmtree(search_dir(tmp_path / "shop"), ignore_errors=True)  # never built
    ws = bootstrap(Settings(tmp_path / "shop"))
    yield ws
    ws.close()


def test_a_search_during_the_first_build_says_warming_at_once_then_finds(
    workspace: Workspace,
) -> None:
    root = workspace.settings.workspace
    secret = access.issue(
        access_stores(workspace).tokens, workspace.hub, Grant(Role.ADMIN), workspace.clock(), "o"
    ).secret
    hub = index_path(root, None)
    hub.parent.mkdir(parents=True, exist_ok=True)
    held = os.open(hub.with_name(hub.name + LOCK_SUFFIX), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(held, fcntl.LOCK_EX)  # another process writing: the build must wait
    try:
        with TestClient(create_app(workspace, timers=True)) as client:
            client.headers["Authorization"] = f"Bearer {secret}"
            started = time.monotonic()
            warming = client.get("/api/v1/search", params={"q": "mug"})
            # The build cannot finish while this test holds the lock, so an answer at all shows
            # the search was not held for it; the bound is loose for a loaded machine.
            assert time.monotonic() - started < 30.0
            assert warming.status_code == 503, warming.text
            assert warming.json()["error"]["code"] == "index_warming"
            os.close(held)  # lets the build go
            held = -1
            deadline = time.monotonic() + 60
            while (found := client.get("/api/v1/search", params={"q": "mug"})).status_code == 503:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert found.status_code == 200, found.text
            assert found.json()["total"] > 0
    finally:
        if held >= 0:
            os.close(held)
