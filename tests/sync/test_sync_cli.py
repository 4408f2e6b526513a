"""`microindex node run`: wired to the HTTP transport, errors mapped to exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from microindex.entrypoints.cli import sync_cmd


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("run")(sync_cmd.run)

    @app.callback()
    def root() -> None:
        """microindex (test root)."""

    return app


def test_node_run_needs_the_nodes_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROINDEX_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("MICROINDEX_SYNC_SECRET", raising=False)
    result = CliRunner().invoke(_app(), ["run", "van", "--hub", "http://127.0.0.1:9"])
    assert result.exit_code == 2


def test_node_run_reports_an_unreachable_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROINDEX_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("MICROINDEX_SYNC_SECRET", "s3cret")
    result = CliRunner().invoke(_app(), ["run", "van", "--hub", "http://127.0.0.1:9", "--once"])
    assert result.exit_code == 1
    assert (tmp_path / "nodes" / "van.sqlite").exists()
