"""Tables on an 80-column terminal: a table too wide to keep each word whole is shown one
record at a time, never cut at the terminal's edge."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()


def cli(workspace: Path, *args: str, columns: int) -> str:
    result = runner.invoke(
        app, ["-w", str(workspace), *args], obj=on_demo_day(), env={"COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_node_list_on_80_columns_shows_every_field_of_every_node(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    cli(ws, "init", columns=80)
    cli(ws, "node", "add", "shop", "--kind", "store", "--name", "Cog & Crema", "--lat", "51.5",
        "--lon", "-0.1", "--pickup", columns=80)  # fmt: skip
    cli(ws, "node", "add", "van", "--kind", "van", "--name", "Crema van", "--lat", "51.52",
        "--lon", "-0.08", "--delivery-radius-km", "5", columns=80)  # fmt: skip
    nodes = json.loads(cli(ws, "node", "list", "--json", columns=80))
    shown = cli(ws, "node", "list", columns=80)
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80
    words = " ".join(" ".join(line.replace("│", " ").split()) for line in lines)
    for node in nodes:
        for value in (node["code"], node["name"], node["zone"], node["next_sync_why"]):
            assert value in words, f"{value!r} cut from the table:\n{shown}"
    assert "agent" in words  # the last column is there too
    wide = cli(ws, "node", "list", columns=250)
    assert max(len(line) for line in wide.splitlines()) > 80  # a wide terminal: one table
    assert wide.count("next sync") == 1
