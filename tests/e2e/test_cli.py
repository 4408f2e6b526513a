"""The CLI end to end, in-process, on a real workspace of SQLite files."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["-w", str(workspace), *args], obj=on_demo_day())
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "shop"
    result = runner.invoke(
        app, ["demo", "--dir", str(directory), "--seed", "7", "--no-serve"], obj=on_demo_day()
    )
    assert result.exit_code == 0, result.output
    return directory


def test_the_demo_creates_three_nodes_and_about_200_products_with_stock(demo: Path) -> None:
    nodes = json.loads(cli(demo, "node", "list", "--json"))
    assert [n["code"] for n in nodes] == ["locker", "market-stall", "shopfront", "van"]
    lines = json.loads(cli(demo, "stock", "show", "--json"))
    skus = {line["sku"] for line in lines}
    assert 180 <= len(skus) <= 220
    # the market stall's weekend is over: what it did not sell went home
    assert {line["node"] for line in lines if line["on_hand"]} == {"shopfront", "locker", "van"}
    assert {line["node"] for line in lines} == {"shopfront", "locker", "van", "market-stall"}
    assert all(line["on_hand"] >= 0 and line["title"] for line in lines)


def test_stock_show_prints_a_table_by_sku_and_node(demo: Path) -> None:
    out = cli(demo, "stock", "show", "--node", "locker")
    assert "On hand" in out and "locker" in out and "SKUs" in out


def test_selling_more_than_on_hand_is_refused_with_a_clear_message(demo: Path) -> None:
    line = json.loads(cli(demo, "stock", "show", "--node", "van", "--json"))[0]
    head = cli(demo, "stock", "head", "van").strip()
    result = runner.invoke(
        app,
        ["-w", str(demo), "stock", "sell", "van", line["sku"], str(line["on_hand"] + 1)],
        obj=on_demo_day(),
    )
    assert result.exit_code == 1
    assert f"only {line['on_hand']} on hand" in result.output
    assert cli(demo, "stock", "head", "van").strip() == head


SHOPIFY = """Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Variant Barcode,Image Src
tide-mug,Tide mug,<p>Thrown in <b>Hackney</b>.</p>,Hackney Clay Co.,Mugs,"handmade, blue",Size,250 ml,MUG-TIDE-250,320,6,24.00,,5069412000010,https://example.test/mug.jpg
tide-mug,,,,,,,350 ml,MUG-TIDE-350,410,4,26.00,32.00,5069412000027,
moss-bowl,Moss bowl,<p>Everyday bowl.</p>,Hackney Clay Co.,Bowls,green,Title,Default Title,BWL-MOSS-S,330,3,28.00,,,
"""


def _shop(tmp_path: Path) -> Path:
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
    cli(ws, "node", "set", "shop", "--offline-gap", "0")  # never offline: the hub holds all
    return ws


def test_a_shopify_export_imports_with_its_stock_and_stock_moves(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    cli(ws, "stock", "receive", "shop", "MUG-TIDE-250", "3", ok=False)  # not in the catalog yet
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    assert "imported 3 new" in cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    products = {
        p["sku"]: p
        for p in json.loads(cli(ws, "catalog", "list", "--json", "--limit", "500"))["items"]
    }
    assert products["MUG-TIDE-350"]["price"] == "32.00"
    assert products["MUG-TIDE-350"]["sale_price"] == "26.00"
    assert products["MUG-TIDE-350"]["title"] == "Tide mug - 350 ml"
    cli(ws, "stock", "transfer", "shop", "van", "MUG-TIDE-250", "2")
    cli(ws, "stock", "sell", "van", "MUG-TIDE-250", "1")
    position = cli(ws, "stock", "head", "shop").strip()
    cli(ws, "stock", "sell", "shop", "MUG-TIDE-250", "1")
    counted = json.loads(
        cli(ws, "stock", "count", "shop", "MUG-TIDE-250", "3", "--position", position, "--json")
    )
    assert (counted["expected"], counted["variance"]) == (4, -1)
    stock = {
        (s["node"], s["sku"]): s["on_hand"] for s in json.loads(cli(ws, "stock", "show", "--json"))
    }
    assert stock[("shop", "MUG-TIDE-250")] == 2
    assert stock[("van", "MUG-TIDE-250")] == 1
    assert stock[("shop", "MUG-TIDE-350")] == 4


def test_a_shopify_file_with_a_bad_price_and_a_bad_gtin_changes_nothing(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    bad = SHOPIFY.replace("26.00,32.00", "2x.50,32.00").replace("5069412000010", "5069412000011")
    source = tmp_path / "bad.csv"
    source.write_text(bad, encoding="utf-8")
    out = cli(ws, "catalog", "import", str(source), ok=False)
    assert "nothing changed" in out
    assert "row 2, column 'Variant Barcode'" in out
    assert "row 3, column 'Variant Price'" in out
    assert json.loads(cli(ws, "catalog", "list", "--json", "--limit", "500"))["items"] == []
    out = cli(ws, "catalog", "import", str(source), "--skip-bad-rows")
    assert "skipped" in out
    assert [
        p["sku"]
        for p in json.loads(cli(ws, "catalog", "list", "--json", "--limit", "500"))["items"]
    ] == ["BWL-MOSS-S"]


def test_the_catalog_round_trips_through_both_export_formats(demo: Path, tmp_path: Path) -> None:
    before = json.loads(cli(demo, "catalog", "list", "--json", "--limit", "500"))["items"]
    for fmt in ("plain", "shopify"):
        file = tmp_path / f"{fmt}.csv"
        cli(demo, "catalog", "export", str(file), "--format", fmt)
        ws = tmp_path / f"ws-{fmt}"
        cli(ws, "init")
        cli(ws, "catalog", "import", str(file))
        after = json.loads(cli(ws, "catalog", "list", "--json", "--limit", "500"))["items"]
        if fmt == "plain":
            assert after == before
        else:  # Shopify's model has at most three options and composes variant titles
            keys = ("sku", "gtin", "price", "sale_price", "brand", "weight_g", "media")
            assert [{k: p[k] for k in keys} for p in after] == [
                {k: p[k] for k in keys} for p in before
            ]


def test_bad_node_codes_and_quantities_are_refused(demo: Path) -> None:
    assert "error" in cli(demo, "stock", "receive", "Not A Node", "X", "1", ok=False)
    cli(demo, "stock", "receive", "van", "MUG-X", "-2", ok=False)
    assert "no node" in cli(demo, "stock", "receive", "nowhere", "MUG-X", "1", ok=False)


def test_a_stock_file_with_bad_rows_changes_nothing_and_names_each_row(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source))
    stock_file = tmp_path / "van.csv"
    stock_file.write_text(
        "sku,quantity\nMUG-TIDE-250,4\nNOPE-1,2\nBWL-MOSS-S,-1\nMUG-TIDE-250,1\n", encoding="utf-8"
    )
    out = cli(ws, "stock", "import", "van", str(stock_file), ok=False)
    assert "row 3, column 'sku': not in the catalog" in out
    assert "row 4, column 'quantity'" in out
    assert "row 5, column 'sku'" in out
    assert json.loads(cli(ws, "stock", "show", "--node", "van", "--json")) == []
    good = tmp_path / "good.csv"
    good.write_text("sku,quantity\nMUG-TIDE-250,4\nBWL-MOSS-S,2\n", encoding="utf-8")
    cli(ws, "stock", "import", "van", str(good))
    out_file = tmp_path / "out.csv"
    cli(ws, "stock", "export", "van", str(out_file))
    assert out_file.read_text(encoding="utf-8-sig").splitlines() == [
        "sku,quantity",
        "BWL-MOSS-S,2",
        "MUG-TIDE-250,4",
    ]


def test_an_order_is_promised_followed_and_shown_with_its_reasons(demo: Path) -> None:
    place = ("order", "place", "--line", "CND-PLUM-T:1", "--method", "local_delivery")
    at = ("--lat", "51.54", "--lon", "-0.06", "--key", "web-1", "--json")
    placed = json.loads(cli(demo, *place, *at))
    node = placed["parts"][0]["node"]
    assert placed["why"][0].startswith(f"chose {node}")
    assert any(reason.startswith("not locker") for reason in placed["why"])
    again = json.loads(cli(demo, *place, *at))
    assert again["parts"] == placed["parts"]

    def on_hand() -> int:
        shown = json.loads(
            cli(demo, "stock", "show", "--node", node, "--sku", "CND-PLUM-T", "--json")
        )
        return sum(line["on_hand"] for line in shown)

    before = on_hand()
    for step in ("confirmed", "picked", "packed", "handed_over", "delivered"):
        cli(demo, "order", "advance", "web-1", node, step)
    assert on_hand() == before - 1  # picked: out of the node's stock, once
    assert json.loads(cli(demo, "order", "show", "web-1", "--json"))["step"] == "delivered"
    assert "web-1" not in cli(demo, "order", "list")
    refused = cli(
        demo,
        "order",
        "place",
        "--line",
        "CND-PLUM-T:999",
        "--method",
        "ship",
        "--lat",
        "51.54",
        "--lon",
        "-0.06",
        ok=False,
    )
    assert "no node can fulfil" in refused


def _promised_all_at_shop(tmp_path: Path) -> tuple[Path, str]:
    """The shop's 6 mugs (an import), synced; an order for all of them, collected there ."""
    ws = _shop(tmp_path)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    cli(ws, "sync")
    pickup = ["--method", "pickup", "--pickup-node", "shop"]
    order = cli(ws, "order", "place", "--line", "MUG-TIDE-250:6", *pickup)
    cli(ws, "order", "place", "--line", "MUG-TIDE-250:1", *pickup, ok=False)
    placed = json.loads(cli(ws, "order", "show", order.split()[0], "--json"))
    assert [part["node"] for part in placed["parts"]] == ["shop"]
    return ws, placed["id"]


def test_a_walk_in_sale_of_units_promised_online_needs_an_override(tmp_path: Path) -> None:
    ws, order = _promised_all_at_shop(tmp_path)
    out = cli(ws, "stock", "sell", "shop", "MUG-TIDE-250", "1", ok=False)
    assert "promised to online orders" in out and "--override REASON" in out
    sold = cli(ws, "stock", "sell", "shop", "MUG-TIDE-250", "1", "--override", "paid", "--json")
    recorded = json.loads(sold)
    assert (recorded["tag"], recorded["reference"]) == ("overdraft", "(override: paid)")
    cli(ws, "sync", "--node", "shop")  # the hub hears of it: nowhere else has mugs
    shown = cli(ws, "order", "show", order)
    assert "AT RISK" in shown  # 1 unit gone; the other 5 stay set aside for the order
    assert "at risk: 1 of the 6 MUG-TIDE-250 set aside at shop are gone" in shown
    assert "the rest is still set aside there" in shown
    listed = " ".join(cli(ws, "order", "list", "--node", "shop").split())
    assert listed.count("RISK") == 2  # the order and its part, not only in `order show`


def test_a_pick_of_goods_that_are_not_there_leaves_the_order_where_it_was(tmp_path: Path) -> None:
    ws, order = _promised_all_at_shop(tmp_path)
    cli(ws, "stock", "write-off", "shop", "MUG-TIDE-250", "6", "--ref", "shelf collapsed")
    out = cli(ws, "order", "advance", order, "shop", "picked", ok=False)
    assert "cannot take 6 of MUG-TIDE-250 at shop: only 0 on hand" in " ".join(out.split())
    assert json.loads(cli(ws, "order", "show", order, "--json"))["step"] == "promised"
    cli(ws, "order", "advance", order, "shop", "handed_over", ok=False)
    assert json.loads(cli(ws, "order", "show", order, "--json"))["step"] == "promised"


def test_a_node_takes_the_workspaces_time_zone_unless_given_one_and_can_move(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "ws"
    cli(ws, "init")
    place = ["--kind", "store", "--name", "Shop", "--lat", "51.5", "--lon", "-0.1"]
    cli(ws, "node", "add", "shop", *place)
    cli(ws, "node", "add", "nyc", *place, "--zone", "America/New_York")
    assert "IANA time zone" in cli(ws, "node", "add", "x", *place, "--zone", "Nowhere", ok=False)
    zones = {n["code"]: n["zone"] for n in json.loads(cli(ws, "node", "list", "--json"))}
    assert zones == {"shop": "Europe/London", "nyc": "America/New_York"}
    assert "America/Chicago" in cli(ws, "node", "set", "shop", "--zone", "America/Chicago")
    assert "IANA time zone" in cli(ws, "node", "set", "shop", "--zone", "Mars/Base", ok=False)
    assert "no node" in cli(ws, "node", "set", "none", "--zone", "UTC", ok=False)
    zones = {n["code"]: n["zone"] for n in json.loads(cli(ws, "node", "list", "--json"))}
    assert zones["shop"] == "America/Chicago"


def test_the_node_a_seller_ranks_first_gets_the_order_where_plans_tie(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    place = ("--kind", "van", "--lat", "51.5", "--lon", "-0.05", "--delivery-radius-km", "8")
    cli(ws, "node", "add", "van-2", "--name", "Second van", *place)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source))
    for van in ("van", "van-2"):
        cli(ws, "node", "set", van, "--offline-gap", "0")
        cli(ws, "stock", "receive", van, "BWL-MOSS-S", "3")
    cli(ws, "sync")
    order = ("order", "place", "--line", "BWL-MOSS-S:1", "--method", "local_delivery")
    near = ("--lat", "51.51", "--lon", "-0.05", "--json")
    first = json.loads(cli(ws, *order, *near))
    assert [p["node"] for p in first["parts"]] == ["van"]  # the two vans tie on every rule
    assert "ranked 1 (1 first)" in cli(ws, "node", "set", "van-2", "--priority", "1")
    second = json.loads(cli(ws, *order, *near))
    assert [p["node"] for p in second["parts"]] == ["van-2"]
    ranks = {n["code"]: n["priority"] for n in json.loads(cli(ws, "node", "list", "--json"))}
    assert ranks == {"shop": 100, "van": 100, "van-2": 1}
    shown = cli(ws, "node", "list")  # 80 columns: a record a node, van-2's the last
    record = [
        [c.strip() for c in line.split("│")] for line in shown[shown.index("van-2") :].splitlines()
    ]
    rank = next(cells for cells in record if cells[1:2] == ["rank"])
    assert rank[2] == "1", shown
    refused = cli(ws, "node", "set", "van", "--priority", "0", ok=False)
    assert "greater than or equal to 1" in refused
