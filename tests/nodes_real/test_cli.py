"""The locker, transfer, shelf and reserve commands, on a root app built as app.py would."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import typer
from typer.testing import CliRunner

from microindex.bootstrap import Workspace, bootstrap
from microindex.demo.nodes_real import SHELF_BIN, SHELF_GLN
from microindex.demo.scenario import NODES
from microindex.domain.codes import Sku
from microindex.domain.movement import MovementKind
from microindex.entrypoints.cli import lockers
from microindex.entrypoints.cli.app import app as root_app
from microindex.entrypoints.cli.app import root
from microindex.service import sync
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.clock import on_demo_day
from tests.nodes_real.conftest import LAMP, MUG


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.callback()(root)
    app.add_typer(lockers.locker_app, name="locker")
    app.add_typer(lockers.transfer_app, name="transfer")
    app.add_typer(lockers.shelf_app, name="shelf")
    app.command("reserve")(lockers.reserve)
    return app


def _shop(folder: Path) -> Workspace:
    """A workspace with the demo's nodes and the products these tests move."""
    ws = bootstrap(Settings(folder))
    for node in NODES:
        add_node(ws.hub, node)
    jug = replace(MUG, sku=Sku("JUG"), title="Stoneware jug", gtin=None)
    with ws.hub() as uow:
        uow.catalog.upsert([MUG, LAMP, jug])
        uow.commit()
    return ws


def test_compartments_and_transfers_from_the_command_line(tmp_path: Path) -> None:
    _shop(tmp_path / "ws").close()
    runner, app, ws = CliRunner(), _app(), ["-w", str(tmp_path / "ws")]

    def run(*args: str) -> str:
        result = runner.invoke(app, [*ws, *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("locker", "compartments", "add", "locker", "S1", "200x150x100")
    listed = json.loads(run("locker", "compartments", "list", "locker", "--json"))
    assert listed == [{"code": "S1", "inner": "200x150x100", "order": None}]
    run("transfer", "request", "shopfront", "van", "--line", "MUG:3", "--id", "t-1")
    run("transfer", "pack", "t-1")
    found = json.loads(run("transfer", "list", "--json"))
    assert [(t["id"], t["state"]) for t in found] == [("t-1", "packed")]
    refused = runner.invoke(app, [*ws, "locker", "open", "123456"])
    assert refused.exit_code != 0 and "opens no compartment" in refused.output
    assert "0 swept" in run("locker", "sweep")


def test_a_transfer_of_several_skus_pooled_at_the_hub_ships_from_the_command_line(
    tmp_path: Path,
) -> None:
    ws = _shop(tmp_path / "ws")
    lines = {"JUG": 2, "LAMP": 3, "MUG": 3}
    with ws.node("shopfront")() as uow:
        ledger = uow.ledger.load("shopfront", list(lines))
        for sku, quantity in lines.items():
            ledger.record(sku, MovementKind.RECEIVE, quantity, ws.clock())
        uow.ledger.save(ledger)
        uow.commit()
    sync.sync_node(ws.node("shopfront"), "shopfront", ws.link("shopfront"), ws.clock())
    with ws.node("shopfront")() as uow:  # with no demand yet the rights pool at the hub
        assert sync.load_side(uow, "shopfront").get("MUG").local < 3
    ws.close()
    runner, app, where = CliRunner(), _app(), ["-w", str(tmp_path / "ws")]

    def run(*args: str) -> str:
        result = runner.invoke(app, [*where, *args])
        assert result.exit_code == 0, result.output
        return result.output

    asked = [arg for sku, q in lines.items() for arg in ("--line", f"{sku}:{q}")]
    run("transfer", "request", "shopfront", "van", *asked, "--id", "t-1")
    run("transfer", "ship", "t-1")
    (shipped,) = json.loads(run("transfer", "list", "--json"))
    assert (shipped["state"], shipped["shipped"]) == ("in_transit", lines)


def test_a_hold_from_the_command_line_says_until_when_on_the_shops_clock(
    pristine_demo: Path, tmp_path: Path
) -> None:
    shutil.copytree(pristine_demo, tmp_path / "shop")
    shelf = f"https://example.com/414/{SHELF_GLN}/254/{SHELF_BIN}"
    result = CliRunner().invoke(
        root_app, ["-w", str(tmp_path / "shop"), "reserve", shelf], obj=on_demo_day()
    )
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("until 2026-11-26 12:30 GMT")  # the demo's noon + 30 min
