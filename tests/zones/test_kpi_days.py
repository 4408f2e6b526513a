"""The KPIs count trading days and weeks on the shop's clock: in Auckland (UTC+13) a day's
trade from 09:00 to 15:00 on 7 December is 20:00 to 02:00 UTC, across two UTC days. Read
through `/api/v1/kpis` (either hub) and the weekly report's `governance kpis --json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from microindex.entrypoints.cli.context import CliState
from tests.zones.shop import AUCKLAND, Shop, shop

DAY_BEFORE = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # 11:00 on 6 Dec in Auckland
WAX_SOLD = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # 09:00 on 7 Dec there
KIT_SOLD = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 15:00 on 7 Dec there
REPORTED = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)  # 00:30 on 8 Dec there


@pytest.fixture
def surf_shop(tmp_path: Path, hub_url: str | None) -> Iterator[Shop]:
    """One unit each of wax and a kit, both on the shelf all of 7 December, both sold then:
    one trading day and nothing lost (on UTC's days: two, and the wax lost on the second)."""
    with shop(tmp_path, AUCKLAND, DAY_BEFORE, hub_url) as found:
        for sku in ("WAX-1", "TACO-1"):
            found.call("POST", "/nodes/shop/receive", json={"sku": sku, "quantity": 1})
        found.at(WAX_SOLD).call("POST", "/nodes/shop/sell", json={"sku": "WAX-1", "quantity": 1})
        found.at(KIT_SOLD).call("POST", "/nodes/shop/sell", json={"sku": "TACO-1", "quantity": 1})
        yield found.at(REPORTED)


def _fill(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {r["metric"]: r["value"] for r in rows if r["node"] == "shop"}


def test_the_fill_rate_counts_the_shops_day_as_one_trading_day(surf_shop: Shop) -> None:
    figures = _fill(surf_shop.call("GET", "/kpis"))
    assert (figures["fill_rate"], figures["lost_sales_estimate"]) == (1.0, 0.0), figures


def test_the_command_lines_kpis_count_the_shops_day(surf_shop: Shop) -> None:
    ws = str(surf_shop.workspace.settings.workspace)
    shown = CliRunner().invoke(
        app, ["-w", ws, "governance", "kpis", "--json"], obj=CliState(clock=surf_shop.clock)
    )
    assert shown.exit_code == 0, shown.output
    figures = _fill(json.loads(shown.output))
    assert (figures["fill_rate"], figures["units_sold"]) == (1.0, 2), figures
