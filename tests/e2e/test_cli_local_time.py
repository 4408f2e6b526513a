"""Times a bike shop owner in London types and reads, in summer: a van's close-out read
`--since` (and the day it closes) on the UTC clock, where the owner means the van's own clock;
the order list showed UTC times unlabelled."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microindex.bootstrap import bootstrap
from microindex.entrypoints.cli.app import app
from microindex.entrypoints.cli.context import CliState
from microindex.entrypoints.http import create_app
from microindex.settings import Settings
from tests.clock import Clock
from tests.http.conftest import bearer

CATALOG = "sku,title,price,currency\nTUBE-700x25-PV48,Inner tube 700x25c,6.99,GBP\n"
runner = CliRunner()


def _van(tmp_path: Path, clock: Clock) -> tuple[Path, Callable[..., str]]:
    ws = tmp_path / "ws"

    def cli(*args: str) -> str:
        result = runner.invoke(app, ["-w", str(ws), *args], obj=CliState(clock=clock))
        assert result.exit_code == 0, result.output
        return result.output

    cli("init")
    cli("node", "add", "van", "--kind", "van", "--name", "Van", "--lat", "51.54", "--lon",
        "-0.06", "--zone", "Europe/London")  # fmt: skip
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    cli("catalog", "import", str(catalog))
    cli("stock", "receive", "van", "TUBE-700x25-PV48", "10")
    return ws, cli


def test_since_is_the_time_on_the_vans_clock_in_summer(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 7, 15, 6, 0, tzinfo=UTC))
    _, cli = _van(tmp_path, clock)
    clock.set(datetime(2026, 7, 15, 7, 30, tzinfo=UTC))  # 08:30 in London: before the market
    cli("stock", "sell", "van", "TUBE-700x25-PV48", "1")
    clock.set(datetime(2026, 7, 15, 8, 30, tzinfo=UTC))  # 09:30 in London: at the market
    cli("stock", "sell", "van", "TUBE-700x25-PV48", "2")
    clock.set(datetime(2026, 7, 15, 16, 0, tzinfo=UTC))  # 17:00 in London
    day = json.loads(
        cli("van", "closeout", "van", "--count", "TUBE-700x25-PV48:7", "--since", "09:00", "--json")
    )
    assert day["units_sold"] == 2


def test_the_day_closed_is_the_vans_day_after_midnight_in_london(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 7, 15, 6, 0, tzinfo=UTC))
    _, cli = _van(tmp_path, clock)
    clock.set(datetime(2026, 7, 15, 22, 30, tzinfo=UTC))  # 23:30 on the 15th in London
    cli("stock", "sell", "van", "TUBE-700x25-PV48", "1")
    clock.set(datetime(2026, 7, 15, 23, 15, tzinfo=UTC))  # 00:15 on the 16th in London
    cli("stock", "sell", "van", "TUBE-700x25-PV48", "3")
    clock.set(datetime(2026, 7, 15, 23, 45, tzinfo=UTC))
    day = json.loads(cli("van", "closeout", "van", "--count", "TUBE-700x25-PV48:6", "--json"))
    assert day["units_sold"] == 3  # the 16th's, from midnight in London


def test_the_apis_close_out_begins_the_day_at_midnight_on_the_vans_clock(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 7, 15, 6, 0, tzinfo=UTC))
    folder, cli = _van(tmp_path, clock)
    secret = json.loads(cli("token", "create", "--role", "admin", "--json"))["secret"]
    clock.set(datetime(2026, 7, 15, 22, 30, tzinfo=UTC))  # 23:30 on the 15th in London
    cli("stock", "sell", "van", "TUBE-700x25-PV48", "1")
    clock.set(datetime(2026, 7, 15, 23, 15, tzinfo=UTC))  # 00:15 on the 16th in London
    cli("stock", "sell", "van", "TUBE-700x25-PV48", "3")
    clock.set(datetime(2026, 7, 15, 23, 45, tzinfo=UTC))
    ws = bootstrap(Settings.load(folder), clock)
    try:
        client = TestClient(create_app(ws))
        body = {"counts": [{"sku": "TUBE-700x25-PV48", "quantity": 6}]}
        closed = client.post("/api/v1/nodes/van/closeout", json=body, headers=bearer(secret))
    finally:
        ws.close()
    assert closed.status_code == 200, closed.text
    day = closed.json()
    assert day["since"] == "2026-07-15T23:00:00Z" and day["units_sold"] == 3


def test_the_order_list_shows_times_on_the_shops_clock(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 7, 15, 6, 0, tzinfo=UTC))
    _, cli = _van(tmp_path, clock)
    cli("node", "add", "shop", "--kind", "store", "--name", "Shop", "--lat", "51.545", "--lon",
        "-0.055", "--pickup", "--zone", "Europe/London")  # fmt: skip
    cli("stock", "receive", "shop", "TUBE-700x25-PV48", "5")
    cli("sync")
    clock.set(datetime(2026, 7, 15, 10, 5, tzinfo=UTC))  # 11:05 in London
    cli("order", "place", "--line", "TUBE-700x25-PV48:1", "--method", "pickup",
        "--pickup-node", "shop")  # fmt: skip
    listed = " ".join(cli("order", "list").split())
    assert "11:05" in listed and "10:05" not in listed  # placed at 10:05 UTC
