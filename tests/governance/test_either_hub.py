"""Governance and returns through the CLI on either hub: its own SQLite file or PostgreSQL.

Nodes keep their SQLite files in the workspace either way; the hub's governance records (job
runs, its packages used) live in the hub's database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap, hub_timers
from microindex.domain.access import Grant, Role
from microindex.entrypoints.access import token_store
from microindex.entrypoints.cli import governance, returns, workspace_cmd
from microindex.entrypoints.cli.app import root
from microindex.entrypoints.cli.context import CliState
from microindex.entrypoints.http import create_app
from microindex.service import access, catalog, stock
from microindex.service.governance import JOBS
from microindex.service.nodes import add_node
from microindex.service.timers import run_due
from microindex.settings import Settings
from tests.clock import Clock, on_demo_day
from tests.governance.conftest import AT, BOWL, MUG, NODES, PRODUCTS
from tests.sales import sell

NOW = AT + timedelta(days=2)
MONDAY_0200 = datetime(2026, 11, 9, 2, 0, 20, tzinfo=UTC)  # the week after the sales
runner = CliRunner()
app = typer.Typer()
app.callback()(root)
app.add_typer(returns.app, name="returns")
app.add_typer(governance.app, name="governance")


@dataclass
class Shop:
    folder: Path

    def cli(self, *args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["-w", str(self.folder), *args], obj=CliState(clock=Clock(NOW)))
        assert (result.exit_code == 0) is ok, result.output
        return result.output


@pytest.fixture
def shop(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    """Three nodes on the governance fixtures' catalog; the van sold two mugs and a bowl."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "microindex.toml").write_text(Settings(folder, hub_url=hub_url).to_toml())
    ws = bootstrap(Settings.load(folder), Clock(NOW))
    for node in NODES:
        add_node(ws.hub, node)
    catalog.import_products(ws.hub, catalog.ParsedCatalog(list(PRODUCTS)), AT)
    van = ws.node("van")
    catalog.pull_catalog(ws.hub, van)
    for sku in (MUG, BOWL):
        stock.receive(van, "van", sku, 5, AT, "delivery")
    sell(van, "van", MUG, 2, AT + timedelta(hours=1), "till:van")
    sell(van, "van", BOWL, 1, AT + timedelta(hours=2), "till:van")
    ws.close()
    yield Shop(folder)


def test_kpis_triage_and_returns_work_on_either_hub(shop: Shop) -> None:
    opened = json.loads(
        shop.cli("returns", "open", "van", "till:van", MUG, "--reason", "changed-mind", "--json")
    )
    listed = json.loads(shop.cli("returns", "list", "--json"))
    assert [r["id"] for r in listed] == [opened["id"]]
    kpis = json.loads(shop.cli("governance", "kpis", "--json"))
    assert {row["node"] for row in kpis if row["node"]} >= {"shopfront", "locker", "van"}
    proposed = json.loads(shop.cli("governance", "triage", "van", "--accept", "--json"))
    assert [p["sku"] for p in proposed][:2] == [MUG, BOWL]


def test_every_job_runs_and_is_recorded_in_the_hubs_history_on_either_hub(shop: Shop) -> None:
    audit = "monthly-health-audit"  # it fails, naming what needs attention: nothing counted
    for name in sorted(JOBS):
        out = shop.cli("governance", "jobs", "run", name, ok=name != audit)
        assert (": failed" if name == audit else ": ok") in out
    runs = json.loads(shop.cli("governance", "jobs", "history", "--json"))
    assert sorted(r["job"] for r in runs) == sorted(JOBS)
    assert {r["job"]: r["outcome"] for r in runs} == {
        name: "failed" if name == audit else "ok" for name in JOBS
    }
    audited = next(r for r in runs if r["job"] == audit)
    assert "no counts in the period" in audited["summary"]


def test_the_nightly_reconciliation_runs_once_from_the_hubs_timers_on_either_hub(
    shop: Shop,
) -> None:
    clock = Clock(MONDAY_0200)
    ws = bootstrap(Settings.load(shop.folder), clock)
    try:
        assert set(JOBS) <= {timer.name for timer in hub_timers(ws)}
        ran = run_due(ws.timers(), ws.timer_claims(), clock(), "hub-0")
        assert [r.outcome for r in ran if r.timer == "nightly-reconciliation"] == ["ok"], ran
        assert run_due(ws.timers(), ws.timer_claims(), clock(), "hub-1") == []
    finally:
        ws.close()
    runs = json.loads(shop.cli("governance", "jobs", "history", "--json"))
    assert [(r["job"], r["actor"], r["outcome"]) for r in runs] == [
        ("nightly-reconciliation", "timer", "ok")
    ]


def test_the_dashboards_kpis_and_todays_counts_are_served_on_either_hub(shop: Shop) -> None:
    ws = bootstrap(Settings.load(shop.folder), Clock(NOW))
    store = token_store(ws)
    admin = access.issue(store, ws.hub, Grant(Role.ADMIN), NOW, "admin").secret
    staff = access.issue(store, ws.hub, Grant(Role.STAFF, "van"), NOW, "van").secret
    try:
        with TestClient(create_app(ws)) as client:
            client.post("/login", content=f"token={admin}".encode(), follow_redirects=False)
            page = client.get("/", follow_redirects=False)
            counts = client.get(
                "/api/v1/nodes/van/counts-today", headers={"Authorization": f"Bearer {staff}"}
            )
    finally:
        ws.close()
    assert page.status_code == 200, page.text
    assert 'id="fill-chart"' in page.text and 'id="returns-chart"' in page.text
    assert counts.status_code == 200, counts.text
    assert {line["sku"] for line in counts.json()} == {MUG, BOWL}


@pytest.mark.postgres
@pytest.mark.parametrize("hub_url", ["postgres"], indirect=True)
def test_the_demo_builds_on_a_postgresql_hub_with_its_governance_history(
    tmp_path: Path, hub_url: str
) -> None:
    """The SQLite demo is built in test_cli_governance.py; on PostgreSQL its packages used,
    returns and orders are read from the hub's database and the nodes' files."""
    folder, env = tmp_path / "shop", {"MICROINDEX_HUB_URL": hub_url}
    demo_app = typer.Typer()
    demo_app.callback()(root)
    demo_app.command("demo")(workspace_cmd.demo)
    built = runner.invoke(
        demo_app, ["demo", "--dir", str(folder), "--no-serve"], obj=on_demo_day(), env=env
    )
    assert built.exit_code == 0, built.output

    def cli(*args: str) -> str:
        result = runner.invoke(app, ["-w", str(folder), *args], obj=on_demo_day(), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert json.loads(cli("returns", "list", "--json"))
    metrics = {row["metric"] for row in json.loads(cli("governance", "kpis", "--json"))}
    assert {"package_return_rate", "fulfilment_median_hours", "fill_rate"} <= metrics
    assert ": ok" in cli("governance", "jobs", "run", "weekly-report")
