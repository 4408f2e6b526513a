"""A real crash: the process applying a batch to a SQLite file is killed mid-transaction."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.codec import encode_push
from microindex.adapters.sync.transport import HubEndpoint
from microindex.domain.movement import MovementKind
from microindex.service import rights, sync

pytestmark = pytest.mark.realclock  # sleeps on the wall clock: not under faketime

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"van": b"van-secret"}
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _van_with_movements(path: Path, count: int) -> SqliteSyncDatabase:
    van = SqliteSyncDatabase(path)
    van.migrate()
    with van() as uow:
        ledger = uow.ledger.load("van", [])
        for i in range(count):
            ledger.record(f"SKU-{i % 50}", MovementKind.RECEIVE, 1 + i % 3, AT)
        uow.ledger.save(ledger)
        uow.commit()
    return van


def _kill_inside_apply(hub_file: Path, frame_file: Path) -> None:
    command = [sys.executable, "-m", "tests.sync.crash_child", str(hub_file), str(frame_file)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "inside"
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_a_hub_killed_mid_apply_restarts_consistent_and_the_batch_applies_once(
    tmp_path: Path,
) -> None:
    van = _van_with_movements(tmp_path / "van.sqlite", 3000)
    hub = SqliteSyncDatabase(tmp_path / "hub.sqlite")
    hub.migrate()
    rights.renew_epoch(hub, "epoch-1")
    hub.close()
    frame_file = tmp_path / "push.bin"
    frame_file.write_bytes(encode_push(sync.prepare_push(van, "van"), SECRETS["van"]))

    _kill_inside_apply(tmp_path / "hub.sqlite", frame_file)

    check = sqlite3.connect(tmp_path / "hub.sqlite")
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.execute("SELECT count(*) FROM movements").fetchone() == (0,)
    assert check.execute("SELECT count(*) FROM sync_peers").fetchone() == (0,)
    check.close()

    restarted = SqliteSyncDatabase(tmp_path / "hub.sqlite")
    HubEndpoint(restarted, SECRETS, lambda: AT).handle(frame_file.read_bytes())
    with restarted() as uow:
        mirrored = uow.ledger.movements("van", 0, 10**6)
    with van() as uow:
        local = uow.ledger.movements("van", 0, 10**6)
    assert [m.digest() for m in mirrored] == [m.digest() for m in local]
    restarted.close()
    van.close()
