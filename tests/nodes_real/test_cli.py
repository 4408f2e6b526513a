"""The locker, transfer, shelf and reserve commands, on a root app built as app.py would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from microindex.entrypoints.cli import lockers
from microindex.entrypoints.cli.app import root


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.callback()(root)
    app.add_typer(lockers.locker_app, name="locker")
    app.add_typer(lockers.transfer_app, name="transfer")
    app.add_typer(lockers.shelf_app, name="shelf")
    app.command("reserve")(lockers.reserve)
    return app


def _leaves(command: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(command, TyperGroup):
        return [
            leaf
            for name, sub in command.commands.items()
            for leaf in _leaves(sub, f"{prefix} {name}")
        ]
    return [(prefix.strip(), command)]


@pytest.mark.parametrize(("name", "command"), _leaves(typer.main.get_command(_app())))
def test_every_command_has_an_example(name: str, command: Any) -> None:
    assert command.help and "Example:" in command.help, name


def test_compartments_and_transfers_from_the_command_line(tmp_path: Path) -> None:
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
