"""`microindex demo` run again while one serves: it checks the port before touching anything."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from microindex.entrypoints.cli.serve import port_taken
from tests.clock import on_demo_day


def test_a_second_demo_on_a_busy_port_leaves_the_running_demos_workspace_alone(
    tmp_path: Path,
) -> None:
    running = tmp_path / "demo"
    running.mkdir()
    (running / "hub.sqlite").write_bytes(b"the running demo's hub")
    with socket.socket() as listener:  # the first demo's server
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_taken("127.0.0.1", port)
        result = CliRunner().invoke(
            app, ["demo", "--dir", str(running), "--port", str(port)], obj=on_demo_day()
        )
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert "login" not in result.output
    assert (running / "hub.sqlite").read_bytes() == b"the running demo's hub"
    assert sorted(p.name for p in running.iterdir()) == ["hub.sqlite"]


def test_a_free_port_is_not_taken() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert not port_taken("127.0.0.1", port)
