"""Servers keep their search index current in the background: a catalog import through the API
starts the hub index's catch-up as it commits, and a node's staff page, while a catch-up runs
(a pulled catalog compared with what the index holds), answers from the last commit instead of doing it."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.adapters.search.files import index_path, open_index, search_dir
from microindex.adapters.search.tantivy_index import LOCK_SUFFIX
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase
from microindex.bootstrap import Workspace, bootstrap
from microindex.domain.access import Grant, Role
from microindex.domain.search.request import SearchRequest
from microindex.entrypoints.access import access_stores
from microindex.entrypoints.http import create_app
from microindex.entrypoints.http.api import search as search_api
from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service import access
from microindex.service.search import search
from microindex.service.stock import receive
from microindex.settings import Settings

pytestmark = pytest.mark.realclock  # background threads run on the wall clock
STAFF_SECRET = "van-staff-secret"


@pytest.fixture
def workspace(pristine_demo: Path, tmp_path: Path) -> Iterator[Workspace]:
    shutil.copytree(pristine_demo, tmp_path / "shop")
    shutil.rmtree(search_dir(tmp_path / "shop"), ignore_errors=True)  # never built
    ws = bootstrap(Settings(tmp_path / "shop"))
    yield ws
    ws.close()


def _admin(workspace: Workspace) -> str:
    tokens = access_stores(workspace).tokens
    return access.issue(tokens, workspace.hub, Grant(Role.ADMIN), workspace.clock(), "o").secret


def test_a_catalog_import_starts_the_hub_index_catch_up_without_a_search(
    workspace: Workspace,
) -> None:
    root = workspace.settings.workspace
    with TestClient(create_app(workspace, timers=False)) as client:  # nothing warms at start
        client.headers["Authorization"] = f"Bearer {_admin(workspace)}"
        csv = "sku,title,price,currency\nZRB-1,Zorblax enamel teapot,12.00,GBP\n"
        done = client.post("/api/v1/catalog/import", content=csv.encode())
        assert done.status_code == 200 and done.json()["created"] == 1, done.text
        kept = search_api._indexes[index_path(root, None)]
        kept.settle()
    # Another reader of the index directory sees the product: the import's catch-up committed.
    other = open_index(root, None)
    try:
        found = search(other, SearchRequest("zorblax teapot"))
        assert [h.sku for h in found.hits] == ["ZRB-1"]
    finally:
        other.close()


def test_the_staff_page_answers_from_the_last_commit_while_a_catch_up_runs(
    workspace: Workspace,
) -> None:
    site = NodeSite(
        workspace.node("van"),
        "van",
        workspace.settings.workspace,
        STAFF_SECRET,
        workspace.clock,
        "Van",
    )
    app = create_node_app(site)
    kept = app.state.index
    kept.start()
    kept.settle()  # built, as the agent builds it from its start
    before = search(kept.index, SearchRequest("mug")).total
    assert before > 0
    lock = index_path(workspace.settings.workspace, "van")
    held = os.open(lock.with_name(lock.name + LOCK_SUFFIX), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(held, fcntl.LOCK_EX)  # another process writing the van's index
    try:
        kept.start()  # as after a sync: the catch-up waits for that writer in the background
        with TestClient(app, headers={"Authorization": f"Bearer {STAFF_SECRET}"}) as client:
            answer = client.get("/api/v1/search", params={"q": "mug"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == before
        assert kept.busy()  # the request did not wait for (or do) the catch-up
    finally:
        os.close(held)
        kept.close()


def _not_at_van(workspace: Workspace) -> str:
    """A SKU of the catalog with nothing on hand at the van."""
    with workspace.node("van")() as uow:
        held = {line.sku for line in uow.ledger.stock("van") if line.on_hand > 0}
        return next(p.sku.value for p in uow.catalog.all() if p.sku.value not in held)


def test_a_staff_search_after_a_commit_waits_for_the_catch_up_that_includes_it_never_stale(
    workspace: Workspace,
) -> None:
    """Under load the background catch-up can run long, or another process keeps the writer:
    a request waits for the catch-up that includes what was committed before it arrived, and
    past its ceiling answers `index_warming` (503); it never answers the last commit silently."""
    site = NodeSite(
        workspace.node("van"), "van", workspace.settings.workspace, STAFF_SECRET,
        workspace.clock, "Van",
    )  # fmt: skip
    app = create_node_app(site)
    kept = app.state.index
    kept.ceiling_s = 0.3  # a test does not wait the generous default
    kept.start()
    kept.settle()  # built
    sku = _not_at_van(workspace)
    lock = index_path(workspace.settings.workspace, "van")
    held = os.open(lock.with_name(lock.name + LOCK_SUFFIX), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(held, fcntl.LOCK_EX)  # another process writing the van's index, for long
    try:
        receive(workspace.node("van"), "van", sku, 3, workspace.clock())
        with TestClient(app, headers={"Authorization": f"Bearer {STAFF_SECRET}"}) as client:
            ask: dict[str, str | bool] = {"q": sku, "in_stock": True}
            late = client.get("/api/v1/search", params=ask)
            assert late.status_code == 503, late.text  # not the last commit, without the SKU
            assert late.json()["error"]["code"] == "index_warming"
            os.close(held)  # the other process is done: the catch-up that includes it runs
            held = -1
            kept.ceiling_s = 60.0
            answer = client.get("/api/v1/search", params=ask)
        assert answer.status_code == 200, answer.text
        assert [h["sku"] for h in answer.json()["hits"]] == [sku]
    finally:
        if held >= 0:
            os.close(held)
        kept.close()


def test_closing_the_workspace_waits_for_the_index_catch_up_on_its_databases(
    workspace: Workspace,
) -> None:
    root = workspace.settings.workspace
    with TestClient(create_app(workspace, timers=False)) as client:
        client.headers["Authorization"] = f"Bearer {_admin(workspace)}"
        assert client.get("/api/v1/search", params={"q": "mug"}).status_code in (200, 503)
    kept = search_api._indexes[index_path(root, None)]
    kept.settle()
    lock = index_path(root, None)
    held = os.open(lock.with_name(lock.name + LOCK_SUFFIX), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(held, fcntl.LOCK_EX)  # the catch-up below waits for this writer
    try:
        kept.start()
        closing = threading.Thread(target=workspace.close)
        closing.start()
    finally:
        os.close(held)
    closing.join()
    assert not kept.busy()  # it finished before the hub's database closed


def test_a_staff_search_never_waits_for_the_database_writer(workspace: Workspace) -> None:
    """The node agent's sync holds the van database's write lock while it applies a large
    reply: a staff search meanwhile answers from the index, current to the last commit,
    without waiting for that writer (its freshness check only reads)."""
    site = NodeSite(
        workspace.node("van"), "van", workspace.settings.workspace, STAFF_SECRET,
        workspace.clock, "Van",
    )  # fmt: skip
    app = create_node_app(site)
    kept = app.state.index
    kept.start()
    kept.settle()  # built and current
    van = workspace.node("van")
    assert isinstance(van, SqliteDatabase)  # a node's own file
    writer = sqlite3.connect(van.path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # the agent, mid-way through a long write
    answered_while_held = threading.Event()
    ended = threading.Timer(5.0, writer.execute, ("ROLLBACK",))
    try:
        with TestClient(app, headers={"Authorization": f"Bearer {STAFF_SECRET}"}) as client:
            ended.start()  # so a search that waits for the writer is not stuck for good
            answer = client.get("/api/v1/search", params={"q": "mug"})
            if ended.is_alive():
                answered_while_held.set()
            ended.cancel()
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] > 0
        assert answered_while_held.is_set(), "the search waited for the database's writer"
    finally:
        ended.join()
        if writer.in_transaction:
            writer.execute("ROLLBACK")
        writer.close()
        kept.close()
