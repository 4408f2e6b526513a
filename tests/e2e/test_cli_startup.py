"""The command line loads what a command needs when it runs (issue 22), and says what it
prints in one way: `--json` on every command, tables that never cut an id.

Start-up time itself is measured by `bench/cli_startup.py`, not here."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.table import Table
from typer.core import TyperGroup
from typer.testing import CliRunner

from microindex.entrypoints.cli.app import Root, app
from microindex.entrypoints.cli.output import NO_JSON, CliConsole
from tests.clock import on_demo_day

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "reportlab",
    "PIL",
    "av",
    "tantivy",
    "psycopg",
    "psycopg_pool",
)
runner = CliRunner()


def loaded_after(code: str) -> set[str]:
    """The top-level packages and microindex modules a fresh interpreter holds after `code`."""
    probe = f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100"},
        capture_output=True,
        text=True,
        check=True,
    )
    names: list[str] = json.loads(done.stdout.splitlines()[-1])
    return {n if n.startswith("microindex") else n.split(".")[0] for n in names}


def test_importing_the_cli_loads_no_web_pdf_media_or_search_stack() -> None:
    loaded = loaded_after("import microindex.entrypoints.cli.app")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "microindex.bootstrap" not in loaded


def test_the_root_help_lists_every_command_without_loading_one() -> None:
    shown = "from typer.testing import CliRunner\nfrom microindex.entrypoints.cli.app import app\n"
    loaded = loaded_after(shown + "assert CliRunner().invoke(app, ['--help']).exit_code == 0")
    commands = {m for m in loaded if m.startswith("microindex.entrypoints.cli.")}
    assert commands <= {
        f"microindex.entrypoints.cli.{m}" for m in ("app", "context", "lazy", "output")
    }
    assert not loaded & set(HEAVY)
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert all(name in result.output for name in Root.LAZY)


def test_a_catalog_import_loads_no_web_pdf_media_crypto_or_postgresql_stack(
    tmp_path: Path,
) -> None:
    """What `catalog import` needs is the catalog: an embedded hub loads no PostgreSQL driver,
    no capture keys (cryptography) and no media or web stack (issue 21: its memory)."""
    ws, file = tmp_path / "ws", tmp_path / "c.csv"
    file.write_text("sku,title,price,currency\nMUG-1,=Mug (blue) <!--,12.50,GBP\n")
    run = "from microindex.entrypoints.cli.app import app\n"
    loaded_after(run + f"app(['-w', {str(ws)!r}, 'init'], standalone_mode=False)")
    loaded = loaded_after(
        run + f"app(['-w', {str(ws)!r}, 'catalog', 'import', {str(file)!r}], standalone_mode=False)"
    )
    assert "microindex.entrypoints.cli.catalog" in loaded
    assert not loaded & {*HEAVY, "cryptography", "httpx"}, loaded & {*HEAVY, "cryptography"}
    rules = ("promise", "locker", "transfer", "gs1")  # orders, their transfers, GTIN scans
    domain = {m.split(".")[2] for m in loaded if m.startswith("microindex.domain.")}
    assert not domain & set(rules), domain & set(rules)


def every_command() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []

    def walk(path: str, command: Any) -> None:
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(f"{path} {name}".strip(), sub)
        else:
            found.append((path, command))

    walk("", typer.main.get_command(app))
    return found


@pytest.mark.parametrize("name", sorted(Root.LAZY))
def test_the_roots_line_for_a_command_begins_as_its_own_help(name: str) -> None:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    line, own = Root.LAZY[name].help.split(), (command.help or "").split()
    assert command.name == name
    assert own[:3] == line[:3], (line, own)


@pytest.mark.parametrize(("name", "command"), every_command(), ids=lambda v: str(v))
def test_every_command_that_prints_a_result_has_json(name: str, command: Any) -> None:
    if command.name in NO_JSON:
        pytest.skip("runs until Ctrl-C")
    assert any("--json" in p.opts for p in command.params), f"`microindex {name}` has no --json"


def test_a_command_without_its_own_json_says_its_lines_as_json(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    made = runner.invoke(app, ["-w", str(shop), "init", "--json"], obj=on_demo_day())
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout) == {
        "said": [f"workspace ready at {shop} (hub: {shop / 'hub.sqlite'})"],
        "tables": [],
    }


def test_a_table_keeps_its_ids_whole_on_a_narrow_terminal() -> None:
    ident = "popup-in:market-stall:2026-11-28"
    table = Table("transfer", "from", "to", "state", "lines", "discrepancy")
    table.add_row(ident, "shopfront", "market-stall", "received", "BTD-PLUM-1:1, " * 12, "")
    out = io.StringIO()
    CliConsole(file=out, width=80).print(table)
    assert ident in out.getvalue()
    assert "…" not in out.getvalue()  # folded where it must, never cut
    assert max(len(line) for line in out.getvalue().splitlines()) <= 80


def test_a_stock_command_loads_no_web_pdf_video_or_search_stack() -> None:
    loaded = loaded_after("import microindex.entrypoints.cli.stock")
    assert not loaded & {"fastapi", "starlette", "uvicorn", "reportlab", "av", "tantivy"}


def test_python_m_microindex_is_the_command_line() -> None:
    """`python -m microindex` runs the `microindex` script's command line (a user without the
    script on their PATH, a venv not activated, types it so)."""
    done = subprocess.run(
        [sys.executable, "-m", "microindex", "--help"],
        env={"PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and all(name in done.stdout for name in Root.LAZY)
