"""A hub restored from a backup: `microindex restored` starts a new epoch, every node re-sends
what the hub lost, and nothing is lost or doubled (the hub's mirror equals each node's ledger)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.entrypoints.cli.app import app
from microindex.settings import Settings
from tests.clock import on_demo_day

runner = CliRunner()
ORDER = ("--method", "local_delivery", "--lat", "51.51", "--lon", "-0.05")


def cli(ws: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(ws), *args], obj=on_demo_day())
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def _hub_and_van(ws: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The van's ledger (SKU, on hand), as the hub mirrors it and as the van holds it."""
    opened = bootstrap(Settings.load(ws, environ={}))
    try:
        seen = []
        for database in (opened.hub, opened.node("van")):
            with database() as uow:
                seen.append(sorted((s.sku, s.on_hand) for s in uow.ledger.stock("van")))
        return seen[0], seen[1]
    finally:
        opened.close()


def test_a_hub_put_back_from_a_backup_hears_again_what_it_lost(tmp_path: Path) -> None:
    ws = tmp_path / "shop"
    cli(ws, "init")
    place = ("--lat", "51.5", "--lon", "-0.05", "--delivery-radius-km", "8")
    cli(ws, "node", "add", "van", "--kind", "van", "--name", "Van", *place)
    source = tmp_path / "catalog.csv"
    source.write_text("sku,title,price\nMUG-1,Mug,12.00\nBOWL-1,Bowl,18.00\n", encoding="utf-8")
    cli(ws, "catalog", "import", str(source))
    cli(ws, "node", "set", "van", "--offline-gap", "0")  # the hub holds every unit's rights
    cli(ws, "stock", "receive", "van", "MUG-1", "6")
    cli(ws, "sync")
    backup = tmp_path / "hub-backup.sqlite"
    shutil.copy(ws / "hub.sqlite", backup)  # the nightly backup (the hub is idle)
    cli(ws, "order", "place", "--line", "MUG-1:2", *ORDER)  # lost with the hub's disk
    cli(ws, "stock", "receive", "van", "BOWL-1", "4")
    cli(ws, "stock", "sell", "van", "MUG-1", "1")
    cli(ws, "sync")
    mirrored, held = _hub_and_van(ws)
    assert mirrored == held == [("BOWL-1", 4), ("MUG-1", 5)]  # 2 of them set aside
    shutil.copy(backup, ws / "hub.sqlite")  # the disk died: put back last night's hub
    for suffix in ("-wal", "-shm"):
        (ws / f"hub.sqlite{suffix}").unlink(missing_ok=True)
    assert _hub_and_van(ws)[0] == [("MUG-1", 6)]  # last night's view of the van
    assert "new epoch" in cli(ws, "restored")
    refused = cli(ws, "order", "place", "--line", "MUG-1:5", *ORDER, ok=False)
    assert "van: not heard from since the hub was restored" in " ".join(refused.split())
    cli(ws, "sync")
    assert _hub_and_van(ws) == (held, held)
    cli(ws, "order", "place", "--line", "MUG-1:1", *ORDER)


def test_an_order_before_any_node_synced_says_which_node_it_waits_for(tmp_path: Path) -> None:
    """It said "no node can fulfil this order ()": a node never synced gave no reason."""
    ws = tmp_path / "shop"
    cli(ws, "init")
    place = ("--lat", "51.5", "--lon", "-0.05", "--delivery-radius-km", "8")
    cli(ws, "node", "add", "van", "--kind", "van", "--name", "Van", *place)
    source = tmp_path / "catalog.csv"
    source.write_text("sku,title,price\nMUG-1,Mug,12.00\n", encoding="utf-8")
    cli(ws, "catalog", "import", str(source))
    refused = " ".join(cli(ws, "order", "place", "--line", "MUG-1:1", *ORDER, ok=False).split())
    assert "()" not in refused
    assert "van: has not synced with the hub yet" in refused
