"""A node's agent restarted from a backup of its SQLite file taken before its last push,
over real HTTP: the hub holds movements of the node the copy lacks. Taking the hub's
checkpoint as its own would have the copy record its next sales under seqs the hub already
holds, marked as sent: they would never reach the hub. The copy's sync is refused by name
instead, nothing applied, and what it records stays unsent until it is put right."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.domain.sync.messages import PushRefused, Refusal
from microindex.domain.sync.node import LedgerBehindHub
from microindex.entrypoints.http.node_app import NodeSite, create_node_app
from microindex.service import sync
from tests.sync.test_offline_van_http import SKU, STAFF_SECRET, Scene, scene

__all__ = ["scene"]  # the fixture: the hub's API and the van's own agent over its database


def _copy(source: Path, to: Path) -> None:
    """`sqlite3 van.sqlite ".backup ..."`, as docs/deploy.md says to back a node up."""
    with sqlite3.connect(source) as live, sqlite3.connect(to) as backup:
        live.backup(backup)
    live.close()
    backup.close()


def test_an_agent_restored_from_a_backup_older_than_its_last_push_is_refused_by_name(
    scene: Scene, tmp_path: Path
) -> None:
    admin = {"Authorization": f"Bearer {scene.admin}"}
    arrived = scene.van.post("/api/v1/nodes/van/receive", json={"sku": SKU, "quantity": 5})
    assert arrived.status_code == 200, arrived.text
    scene.sync()
    _copy(tmp_path / "van" / "van.sqlite", tmp_path / "backup.sqlite")  # last night's backup
    scene.now[0] += timedelta(minutes=5)
    assert scene.sell(1).status_code == 200  # sold after the backup, and pushed
    scene.sync()

    def on_hand() -> int:
        shown = scene.hub.get("/api/v1/stock", params={"node": "van"}, headers=admin).json()
        return int(next(line["on_hand"] for line in shown if line["sku"] == SKU))

    assert on_hand() == 4

    # the van's disk dies; its agent is started again on the backup
    restored = SqliteSyncDatabase(tmp_path / "backup.sqlite")
    restored.migrate()
    site = NodeSite(restored, "van", tmp_path / "van2", STAFF_SECRET, lambda: scene.now[0], "Van")
    agent = create_node_app(site)
    with TestClient(agent) as van:
        van.headers["Authorization"] = f"Bearer {STAFF_SECRET}"
        with restored() as uow:
            head = uow.ledger.load("van", []).head
        with pytest.raises(LedgerBehindHub) as behind:
            sync.sync_node(restored, "van", scene.link, scene.ws.clock())
        assert str(behind.value) == (
            f"the hub holds van's ledger up to van#{head + 1} but this copy of it ends at "
            f"van#{head}: restored from a backup older than its last sync? Restore the copy "
            "taken last, or ask for help; nothing was sent or applied"
        )
        scene.now[0] += timedelta(minutes=5)
        body = {"sku": SKU, "quantity": 1, "reference": "till"}
        sold = van.post("/api/v1/nodes/van/sell", json=body)
        assert sold.status_code == 200, sold.text
        with pytest.raises(PushRefused) as clash:  # its seq is the hub's sale's: refused
            sync.sync_node(restored, "van", scene.link, scene.ws.clock())
        assert clash.value.reason is Refusal.CONFLICT
        assert str(clash.value) == (  # the agent's log line, its reason said once
            f"push from 'van' refused: conflict movement van#{head + 1} already recorded "
            "with different content"
        )
        with restored() as uow:
            side = sync.load_side(uow, "van")
        assert side.acked <= head  # the sale after the restore is not taken as sent
    assert on_hand() == 4  # the hub's mirror is the van's real ledger, untouched
    agent.state.index.close()
    restored.close()
