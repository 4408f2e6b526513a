"""The van, popup and counts-today commands, on a root app built as app.py would."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.demo.scenario import NODES
from microindex.entrypoints.cli import rounds
from microindex.entrypoints.cli.app import root
from microindex.service import nodes as node_service
from microindex.settings import Settings
from tests.clock import on_demo_day


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.callback()(root)
    app.add_typer(rounds.van_app, name="van")
    app.add_typer(rounds.popup_app, name="popup")
    app.command("counts-today")(rounds.counts_today)
    return app


def test_a_round_a_popup_a_close_out_and_todays_counts(tmp_path: Path, hub_url: str | None) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "microindex.toml").write_text(Settings(folder, hub_url=hub_url).to_toml())
    ws = bootstrap(Settings.load(folder))
    for node in NODES:
        node_service.add_node(ws.hub, node)
    ws.close()
    runner, app = CliRunner(), _app()

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["-w", str(folder), *args], obj=on_demo_day())
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    run("van", "round", "set", "van", "--stop", "00:00-23:59@51.545,-0.055:All day")
    shown = json.loads(run("van", "round", "show", "van", "--json"))
    assert shown["now"] == {"lat": 51.545, "lon": -0.055}
    run("popup", "add", "market-stall", "--opens", "2026-11-28", "--closes", "2026-11-29",
        "--name", "Market stall", "--at", "51.53,-0.06")  # fmt: skip
    plan = json.loads(run("popup", "plan", "market-stall", "--json", ok=False))  # nothing sold
    assert plan["basis"] == "best sellers" and plan["transfer"] is None
    assert plan["why_nothing"].startswith("nothing to plan from")
    assert json.loads(run("popup", "close", "market-stall", "--json")) == {"transfer": None}
    empty = runner.invoke(app, ["-w", str(folder), "van", "closeout", "van", "--complete"])
    assert empty.exit_code == 1 and "nothing was written off" in empty.output
    assert json.loads(run("counts-today", "van", "--json")) == []
    refused = runner.invoke(app, ["-w", str(folder), "van", "round", "set", "van", "--stop", "x"])
    assert refused.exit_code != 0 and "HH:MM-HH:MM@LAT,LON" in refused.output
