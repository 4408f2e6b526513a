"""The catalog import bench's baseline stores what the import stores: its target (import CPU at
most 3x a plain executemany) is judged against a plain insert of the same rows, not of fewer
columns. A generated catalog goes through the real CLI and through the bench's plain script;
the products tables must match, row for row and column for column."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.catalog import generate
from bench.catalog_import import PLAIN
from typer.testing import CliRunner

from microindex.adapters.csvio import write_plain
from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()


def stored(workspace: Path) -> list[Any]:
    with closing(sqlite3.connect(workspace / "hub.sqlite")) as db:
        return db.execute("SELECT * FROM products ORDER BY sku").fetchall()


def hub(workspace: Path) -> Path:
    result = runner.invoke(app, ["-w", str(workspace), "init"], obj=on_demo_day())
    assert result.exit_code == 0, result.output
    return workspace


def plain(workspace: Path, file: Path, mode: str) -> list[Any]:
    subprocess.run([sys.executable, "-c", PLAIN, str(hub(workspace)), str(file), mode], check=True)
    return stored(workspace)


def test_the_baseline_stores_the_rows_the_import_stores(tmp_path: Path) -> None:
    stream = io.BytesIO()
    write_plain(generate(300), stream)
    file = tmp_path / "catalog.csv"
    file.write_bytes(stream.getvalue())
    imported = hub(tmp_path / "import")
    result = runner.invoke(app, ["-w", str(imported), "catalog", "import", str(file)],
                           obj=on_demo_day())  # fmt: skip
    assert result.exit_code == 0, result.output
    ours = stored(imported)
    assert len(ours) == 300
    assert plain(tmp_path / "plain", file, "keys") == ours
    assert plain(tmp_path / "cells", file, "cells") != ours  # the keys left empty
