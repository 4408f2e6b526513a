"""`catalog import FILE --stock-node N` writes two databases (the hub's catalog, the node's
stock): an error found late changes neither, and an import stopped between the two resumes
when the same file is run again, saying so, and ends as one uninterrupted run would."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day
from tests.e2e.test_cli import SHOPIFY

ROOT = Path(__file__).resolve().parents[2]
FILE_STOCK = {"MUG-TIDE-250": 6, "MUG-TIDE-350": 4, "BWL-MOSS-S": 3}

runner = CliRunner()


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def _shop(tmp_path: Path) -> tuple[Path, Path]:
    """An empty workspace with one node, `shop`, and a Shopify export of three products."""
    ws = tmp_path / "ws"
    cli(ws, "init")
    add = ("node", "add", "shop", "--kind", "store", "--name", "Shop")
    cli(ws, *add, "--lat", "51.5", "--lon", "-0.1", "--pickup")
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    return ws, source


def _catalog(ws: Path) -> list[str]:
    return sorted(
        p["sku"]
        for p in json.loads(cli(ws, "catalog", "list", "--json", "--limit", "500"))["items"]
    )


def _stock(ws: Path) -> dict[str, int]:
    lines = json.loads(cli(ws, "stock", "show", "--node", "shop", "--json"))
    return {line["sku"]: line["on_hand"] for line in lines if line["on_hand"]}


def test_an_import_for_a_node_the_hub_does_not_know_changes_nothing(tmp_path: Path) -> None:
    ws, source = _shop(tmp_path)
    out = cli(ws, "catalog", "import", str(source), "--stock-node", "shpo", ok=False)
    assert "no node with code 'shpo'" in out
    assert _catalog(ws) == []


def _products_at_hub(ws: Path, hub_url: str | None) -> int:
    if hub_url is not None:
        with psycopg.connect(hub_url) as pg:
            found = pg.execute("SELECT count(*) FROM products").fetchone()
        return int(found[0]) if found else 0
    hub = ws / "hub.sqlite"
    with closing(sqlite3.connect(f"file:{hub}?mode=ro", uri=True, timeout=10)) as db:
        return int(db.execute("SELECT count(*) FROM products").fetchone()[0])


def _kill_between_catalog_and_stock(ws: Path, source: Path, hub_url: str | None) -> None:
    """Run the import in a process of its own while the node's file is held by another
    writer; once the hub has the catalog, kill the import with SIGKILL."""
    node_file = ws / "nodes" / "shop.sqlite"
    cli(ws, "stock", "show", "--node", "shop")  # the node's file exists, migrated
    holder = sqlite3.connect(node_file, timeout=10, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the node's writer, busy elsewhere
    command = [sys.executable, "-m", "tests.e2e.import_child", str(ws), str(source), "shop"]
    try:
        with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as child:
            try:
                deadline = time.monotonic() + 60
                while _products_at_hub(ws, hub_url) < len(FILE_STOCK):
                    assert child.poll() is None, "the import ended before it was killed"
                    assert time.monotonic() < deadline, "the hub never got the catalog"
                    time.sleep(0.05)
                child.send_signal(signal.SIGKILL)
            finally:
                child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.realclock  # waits for the child on the wall clock: not under faketime
def test_an_import_killed_between_catalog_and_stock_resumes_when_run_again(
    tmp_path: Path, hub_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if hub_url is not None:  # for this process's commands and the killed one's
        monkeypatch.setenv("MICROINDEX_HUB_URL", hub_url)
    ws, source = _shop(tmp_path)
    _kill_between_catalog_and_stock(ws, source, hub_url)
    assert (ws / "hub.sqlite").exists() is (hub_url is None)  # the hub the test meant
    assert _catalog(ws) == sorted(FILE_STOCK) and _stock(ws) == {}  # what the kill left

    again = cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    assert "resumed" in again and "stopped before the stock at shop" in again, again
    assert _stock(ws) == FILE_STOCK
    once_more = cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    assert "resumed" not in once_more and _stock(ws) == FILE_STOCK  # nothing doubled


@pytest.mark.realclock
def test_an_unfinished_import_is_named_when_another_file_is_imported(tmp_path: Path) -> None:
    ws, source = _shop(tmp_path)
    _kill_between_catalog_and_stock(ws, source, None)
    other = tmp_path / "more.csv"
    other.write_text(SHOPIFY.replace(",6,24.00,", ",9,24.00,"), encoding="utf-8")
    out = cli(ws, "catalog", "import", str(other), "--stock-node", "shop")
    assert "an import of products_export.csv" in out and "stopped before the stock" in out
    assert _stock(ws) == {**FILE_STOCK, "MUG-TIDE-250": 9}
