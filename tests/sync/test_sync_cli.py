"""`microindex node run`: wired to the HTTP transport, errors mapped to exit codes."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.demo.scenario import NODES
from microindex.entrypoints.cli import sync_cmd
from microindex.entrypoints.http import create_app
from microindex.service.nodes import add_node
from microindex.settings import Settings
from tests.sync.test_node_agent import free_port


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


@pytest.mark.realclock  # a real hub server on a thread
def test_node_run_once_json_prints_the_report_as_an_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = bootstrap(Settings(tmp_path / "hub"))
    add_node(hub.hub, NODES[0])
    code = NODES[0].code.value
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(hub), port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        monkeypatch.setenv("MICROINDEX_WORKSPACE", str(tmp_path / "node"))
        monkeypatch.setenv("MICROINDEX_SYNC_SECRET", hub.secrets.ensure(code).decode())
        url = f"http://127.0.0.1:{port}"
        result = CliRunner().invoke(_app(), ["run", code, "--hub", url, "--once", "--json"])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        hub.close()
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == {"pushed", "exchanges", "acked"}
