"""`microindex node secret CODE`: a node's sync secret for its agent on its own device, on an
embedded hub (a file beside it) and on a PostgreSQL hub (kept in its database)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.entrypoints.cli.app import app
from microindex.settings import SETTINGS_FILE, Settings
from tests.clock import on_demo_day

runner = CliRunner()
VAN = ("node", "add", "van", "--kind", "van", "--name", "Van", "--lat", "51.5", "--lon", "-0.05")


def _secret_of(ws: Path, code: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-w", str(ws), "node", "secret", code], obj=on_demo_day())
    return result.exit_code, result.stdout, result.stderr


def _check(ws: Path) -> None:
    assert runner.invoke(app, ["-w", str(ws), *VAN], obj=on_demo_day()).exit_code == 0
    code, out, err = _secret_of(ws, "van")
    assert code == 0, err
    hub = bootstrap(Settings.load(ws, environ={}))
    kept = hub.secrets.get("van")
    hub.close()
    assert kept is not None and out == kept.decode() + "\n"  # only the secret on stdout
    assert "van's sync secret" in err
    code, out, err = _secret_of(ws, "vna")
    assert code == 1 and out == ""
    assert err == "error: no node with code 'vna' (did you mean 'van'?)\n"  # as every edge says it


def test_an_embedded_hub_prints_the_secret_beside_it(tmp_path: Path) -> None:
    ws = tmp_path / "shop"
    assert runner.invoke(app, ["-w", str(ws), "init"], obj=on_demo_day()).exit_code == 0
    _check(ws)


@pytest.mark.postgres
def test_a_postgresql_hub_prints_the_secret_it_keeps(
    tmp_path: Path, postgres_url: str, postgres_schema: str
) -> None:
    joiner = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{joiner}options={quote(f'-csearch_path={postgres_schema}')}"
    ws = tmp_path / "hub"
    ws.mkdir()
    (ws / SETTINGS_FILE).write_text(Settings(ws, hub_url=url).to_toml(), encoding="utf-8")
    _check(ws)
    assert not (ws / "keys").exists()
