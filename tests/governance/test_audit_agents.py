"""The monthly audit checks each node's agent (issue 23): the version it runs against the hub's
and the free disk of its workspace against `[audit] min_free_disk_mb`. An agent on its own
machine reports both with each push (wire format 7); the hub keeps the latest per node and
shows it in `node list` and the nodes API; for a node whose ledger the hub's workspace holds,
the hub measures its own disk. Driven through the CLI and the API, on both hubs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex import __version__
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.agent_report import reporter
from microindex.adapters.sync.http import HttpTransport
from microindex.bootstrap import bootstrap
from microindex.demo.scenario import NODES
from microindex.domain.access import Grant, Role
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.domain.sync.messages import AgentReport
from microindex.entrypoints.access import token_store
from microindex.entrypoints.cli.app import app as cli
from microindex.entrypoints.cli.context import CliState
from microindex.entrypoints.http import create_app
from microindex.service import access, sync
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import AuditSettings, Settings
from tests.clock import Clock
from tests.http.conftest import bearer

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MB = 2**20
OLD = AgentReport("0.0.9", 50 * MB)  # an agent left behind, on a nearly full card
runner = CliRunner()


@dataclass
class Shop:
    folder: Path
    client: TestClient
    admin: dict[str, str]

    def cli(self, *args: str, ok: bool = True) -> str:
        done = runner.invoke(cli, ["-w", str(self.folder), *args], obj=CliState(clock=Clock(AT)))
        assert (done.exit_code == 0) is ok, done.output
        return str(done.output)

    def api(self, path: str) -> Any:
        answer = self.client.get(f"/api/v1{path}", headers=self.admin)
        assert answer.status_code == 200, answer.text
        return answer.json()


def _settings(folder: Path, hub_url: str | None, min_free_mb: int) -> None:
    text = Settings(folder, hub_url=hub_url, audit=AuditSettings(min_free_mb)).to_toml()
    (folder / "microindex.toml").write_text(text)


@pytest.fixture
def shop(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    """The van's agent runs in its own folder and measures it; the locker's agent is an older
    one on a small disk; the van-less `silent` setup is in its own test. The shopfront's
    ledger is in the hub's workspace."""
    folder = tmp_path / "ws"
    folder.mkdir()
    _settings(folder, hub_url, 100)
    ws = bootstrap(Settings.load(folder), clock=Clock(AT))
    for node in NODES:
        add_node(ws.hub, node)
    import_products(
        ws.hub, ParsedCatalog([Product(Sku("MUG"), "Mug", Money(Decimal(5), "GBP"))]), AT
    )
    sync.sync_node(ws.node("shopfront"), "shopfront", ws.link("shopfront"), AT)
    admin = bearer(access.issue(token_store(ws), ws.hub, Grant(Role.ADMIN), AT).secret)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    reports = {"van": reporter(elsewhere), "locker": lambda: OLD}
    with TestClient(create_app(ws)) as client:
        for code, report in reports.items():
            own = SqliteSyncDatabase(elsewhere / f"{code}.sqlite")
            own.migrate()
            secret = ws.secrets.ensure(code)
            link = HttpTransport("http://testserver", code, secret, client, report=report)
            sync.sync_node(own, code, link, AT)
            own.close()
        yield Shop(folder, client, admin)
    ws.close()


def _findings(out: str) -> dict[str, str]:
    """Each node's part of the audit's summary."""
    summary = " ".join(out.split("\n", 1)[1].split())
    parts = [part.strip() for part in summary.split(";")]
    return {part.split(":", 1)[0]: part.split(":", 1)[1] for part in parts if ":" in part}


def test_the_audit_raises_an_agent_on_another_version_or_short_of_disk(shop: Shop) -> None:
    out = shop.cli("governance", "jobs", "run", "monthly-health-audit", ok=False)
    found = _findings(out)
    assert f"agent version '0.0.9', the hub runs '{__version__}'" in found["locker"]
    assert "50 MB free disk, below 100 MB" in found["locker"]
    for node in ("van", "shopfront"):  # the van's own disk and the hub's, well above 100 MB
        assert "agent" not in found[node] and "free disk" not in found[node]


def test_node_list_and_the_nodes_api_show_what_each_agent_reported(shop: Shop) -> None:
    listed = {row["code"]: row for row in json.loads(shop.cli("node", "list", "--json"))}
    assert listed["locker"]["agent_version"] == "0.0.9"
    assert listed["locker"]["agent_disk_free_mb"] == 50
    assert listed["van"]["agent_version"] == __version__
    assert listed["van"]["agent_disk_free_mb"] > 100
    assert listed["shopfront"]["agent_version"] is None  # its ledger is in the hub's workspace
    assert shop.api("/nodes/locker")["agent_disk_free_mb"] == 50
    by_code = {row["code"]: row for row in shop.api("/nodes")}
    assert by_code["van"]["agent_version"] == __version__


def test_the_hub_measures_its_own_disk_for_the_nodes_it_holds(
    shop: Shop, hub_url: str | None
) -> None:
    _settings(shop.folder, hub_url, 10**12)  # more than any disk here holds
    found = _findings(shop.cli("governance", "jobs", "run", "monthly-health-audit", ok=False))
    assert "MB free disk, below 1000000000000 MB" in found["shopfront"]
    assert "agent version" not in found["shopfront"]
    assert "MB free disk, below" in found["van"]  # measured by the van's agent


def test_an_agent_that_never_reported_is_raised(tmp_path: Path, hub_url: str | None) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    _settings(folder, hub_url, 0)
    ws = bootstrap(Settings.load(folder), clock=Clock(AT))
    for node in NODES:
        add_node(ws.hub, node)
    own = SqliteSyncDatabase(tmp_path / "van.sqlite")
    own.migrate()
    with TestClient(create_app(ws)) as client:
        link = HttpTransport("http://testserver", "van", ws.secrets.ensure("van"), client)
        sync.sync_node(own, "van", link, AT)  # says nothing of itself
    own.close()
    ws.close()
    done = runner.invoke(
        cli, ["-w", str(folder), "governance", "jobs", "run", "monthly-health-audit"]
    )
    assert done.exit_code == 1
    found = _findings(done.output)
    assert "its agent has not reported its version and free disk" in found["van"]
    assert "agent" not in found["shopfront"]
