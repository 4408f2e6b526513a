"""The CLI end to end, in-process, on a real workspace of SQLite files."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app

runner = CliRunner()


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args])
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "shop"
    result = runner.invoke(app, ["demo", "--dir", str(directory), "--seed", "7"])
    assert result.exit_code == 0, result.output
    return directory


def test_the_demo_creates_three_nodes_and_about_200_products_with_stock(demo: Path) -> None:
    nodes = json.loads(cli(demo, "node", "list", "--json"))
    assert [n["code"] for n in nodes] == ["locker", "shopfront", "van"]
    lines = json.loads(cli(demo, "stock", "show", "--json"))
    skus = {line["sku"] for line in lines}
    assert 180 <= len(skus) <= 220
    assert {line["node"] for line in lines} == {"shopfront", "locker", "van"}
    assert all(line["on_hand"] >= 0 and line["title"] for line in lines)


def test_stock_show_prints_a_table_by_sku_and_node(demo: Path) -> None:
    out = cli(demo, "stock", "show", "--node", "locker")
    assert "On hand" in out and "locker" in out and "SKUs" in out


def test_selling_more_than_on_hand_is_refused_with_a_clear_message(demo: Path) -> None:
    line = json.loads(cli(demo, "stock", "show", "--node", "van", "--json"))[0]
    head = cli(demo, "stock", "head", "van").strip()
    result = runner.invoke(
        app, ["-w", str(demo), "stock", "sell", "van", line["sku"], str(line["on_hand"] + 1)]
    )
    assert result.exit_code == 1
    assert f"only {line['on_hand']} on hand" in result.output
    assert cli(demo, "stock", "head", "van").strip() == head


def test_receive_sell_transfer_and_count_move_stock(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    cli(ws, "init")
    cli(
        ws,
        "node",
        "add",
        "shop",
        "--kind",
        "store",
        "--name",
        "Shop",
        "--lat",
        "51.5",
        "--lon",
        "-0.1",
        "--pickup",
    )
    cli(
        ws,
        "node",
        "add",
        "van",
        "--kind",
        "van",
        "--name",
        "Van",
        "--lat",
        "51.5",
        "--lon",
        "-0.05",
        "--delivery-radius-km",
        "8",
    )
    cli(
        ws,
        "node",
        "add",
        "van",
        "--kind",
        "van",
        "--name",
        "Van",
        "--lat",
        "51.5",
        "--lon",
        "-0.05",
        ok=False,
    )
    cli(ws, "stock", "receive", "shop", "MUG-1", "3", ok=False)  # unknown SKU: no catalog yet


def test_bad_node_codes_and_quantities_are_refused(demo: Path) -> None:
    assert "error" in cli(demo, "stock", "receive", "Not A Node", "X", "1", ok=False)
    cli(demo, "stock", "receive", "van", "MUG-X", "-2", ok=False)
    assert "no node" in cli(demo, "stock", "receive", "nowhere", "MUG-X", "1", ok=False)
