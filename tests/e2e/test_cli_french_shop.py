"""A bilingual spice and tea shop in Marseille, through the CLI: SKUs and titles it types,
French and Arabic, prices in euros, the files its French Excel writes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()

CATALOG = """\
sku,gtin,title,price,currency,attr:vat
EPI-RAS-100G,37601234500201,Ras el hanout 100 g,6.90,EUR,5.5
THE-MENTHE-250,37601234500218,Thé vert à la menthe – شاي بالنعناع,12.50,EUR,5.5
ZAATAR-200,37601234500225,زعتر Zaâtar du Liban 200 g,8.40,EUR,5.5
"""


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert (result.exit_code == 0) is ok, result.output
    return result.output


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """Épices Zaâtar: a shop in Noailles that takes returns, three products, some stock."""
    ws = tmp_path / "ws"
    cli(ws, "init", "--currency", "EUR")
    add = ("node", "add", "noailles", "--kind", "store", "--name", "Épices Zaâtar – Noailles")
    cli(ws, *add, "--lat", "43.297", "--lon", "5.381", "--pickup", "--return-point")
    catalog = tmp_path / "catalogue.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    cli(ws, "catalog", "import", str(catalog))
    cli(ws, "stock", "receive", "noailles", "ZAATAR-200", "5")
    return ws


def _iso(text: str) -> datetime:
    """A time as ISO 8601 writes it for a machine: a 'T' and an offset."""
    assert "T" in text, text
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, text
    return moment


def test_json_times_of_returns_and_job_runs_are_iso_8601_with_an_offset(shop: Path) -> None:
    cli(shop, "stock", "sell", "noailles", "ZAATAR-200", "1", "--ref", "T-001")
    cli(shop, "returns", "open", "noailles", "T-001", "ZAATAR-200", "--reason", "changed-mind")
    (opened,) = json.loads(cli(shop, "returns", "list", "--json"))
    _iso(opened["opened_at"])
    cli(shop, "governance", "jobs", "run", "nightly-reconciliation")
    (run,) = json.loads(cli(shop, "governance", "jobs", "history", "--json"))
    assert _iso(run["started"]) <= _iso(run["finished"])


def test_a_sku_with_an_accent_is_refused_naming_its_row_what_is_allowed_and_a_sku_to_use(
    shop: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "nouveautés.csv"
    catalog.write_text(
        "sku,title,price\nÉPI-RAS-100G,Ras el hanout,6.90\nTHE-NOIR-100,Thé noir,5.20\n",
        encoding="utf-8",
    )
    said = " ".join(cli(shop, "catalog", "import", str(catalog), ok=False).split())
    assert "row 2, column 'sku'" in said
    assert "letters A-Z without accents" in said and "'É' is not one" in said
    assert "try 'EPI-RAS-100G'" in said
    said = " ".join(cli(shop, "catalog", "import", str(catalog), "--skip-bad-rows").split())
    assert "imported 1 new" in said and "skipped row 2, column 'sku'" in said
    stock = tmp_path / "stock.csv"
    stock.write_text("sku,quantity\nZAATAR-200,4\nÉPI-RAS-100G,3\n", encoding="utf-8")
    said = " ".join(cli(shop, "stock", "import", "noailles", str(stock), ok=False).split())
    assert "row 3, column 'sku'" in said and "try 'EPI-RAS-100G'" in said
