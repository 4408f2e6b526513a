"""A kit holds no stock of its own (ADR 0009), through the command line: goods received,
imported, counted or sent under a kit's SKU are refused, naming its parts; a product with
stock, open orders or reorder points is not made a kit; a sold kit comes back as its parts."""

import json
from pathlib import Path

from tests.e2e.test_cli import _shop
from tests.e2e.test_cli_kits_purchasing import KIT, KIT_CSV, PARTS, _kits, _on_hand, _stocked, cli

KIT_GTIN = "05069412000041"  # the boxed set's own barcode
REFUSED = f"{KIT} is a kit: it holds no stock of its own; receive its parts instead"


def test_goods_received_under_a_kits_sku_are_refused_naming_its_parts(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    before = _on_hand(ws)
    refused = cli(ws, "stock", "receive", "shop", KIT, "5", ok=False)
    assert REFUSED in refused
    assert "(MUG-TIDE-250, MUG-TIDE-350, BWL-MOSS-S)" in refused
    stock_file = tmp_path / "stock.csv"
    stock_file.write_text(f"sku,quantity\nBWL-MOSS-S,9\n{KIT},5\n", encoding="utf-8")
    assert REFUSED in cli(ws, "stock", "import", "shop", str(stock_file), ok=False)
    counted = cli(ws, "stock", "count", "shop", KIT, "4", ok=False)
    assert f"{KIT} is a kit: it holds no stock of its own; count its parts instead" in counted
    sent = cli(ws, "stock", "transfer", "shop", "van", KIT, "1", ok=False)
    assert f"{KIT} is a kit: it holds no stock of its own; transfer its parts instead" in sent
    requested = cli(ws, "transfer", "request", "shop", "van", f"--line={KIT}:1", ok=False)
    assert "transfer its parts instead" in requested
    assert _on_hand(ws) == before  # nothing moved, the bowls of the file neither
    assert KIT not in _on_hand(ws, "van")
    assert cli(ws, "stock", "count", "shop", KIT, "0")  # counting none is no stock added
    assert _kits(ws)["shop"] == 3


def test_a_product_with_stock_is_not_made_a_kit_until_it_has_none(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    cli(ws, "kit", "remove", KIT)
    cli(ws, "stock", "receive", "shop", KIT, "2")  # boxed sets bought in before it was a kit
    parts = [f"--part={sku}:{quantity}" for sku, quantity in PARTS.items()]
    refused = cli(ws, "kit", "set", KIT, *parts, ok=False)
    assert f"{KIT} has 2 on hand at shop" in refused
    assert json.loads(cli(ws, "kit", "list", "--json")) == []
    cli(ws, "stock", "write-off", "shop", KIT, "2", "--ref", "unboxed into parts")
    cli(ws, "kit", "set", KIT, *parts)
    assert _kits(ws)["shop"] == 3


def test_a_product_with_open_orders_or_reorder_points_is_not_made_a_kit(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    kit = tmp_path / "kit.csv"
    kit.write_text(KIT_CSV + "MUG-A,Mug,9.00,GBP\n", encoding="utf-8")
    cli(ws, "catalog", "import", str(kit))
    cli(ws, "reorder", "set", "shop", KIT, "2")
    refused = cli(ws, "kit", "set", KIT, "--part=MUG-A:2", ok=False)
    assert f"{KIT} has a reorder point at shop" in refused
    cli(ws, "reorder", "remove", "shop", KIT)
    cli(ws, "stock", "receive", "shop", KIT, "1")
    cli(ws, "sync", "--node", "shop")
    line = ("--line", f"{KIT}:1", "--method", "pickup", "--pickup-node", "shop")
    placed = json.loads(cli(ws, "order", "place", *line, "--key", "web-9", "--json"))
    order = placed["id"]
    refused = cli(ws, "kit", "set", KIT, "--part=MUG-A:2", ok=False)
    assert f"{KIT} has 1 on hand at shop; open order {order}:" in refused
    cli(ws, "order", "cancel", order)
    cli(ws, "stock", "write-off", "shop", KIT, "1")
    cli(ws, "kit", "set", KIT, "--part=MUG-A:2")


def test_a_sold_kit_returned_by_its_sku_comes_back_as_its_parts(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    desk = ("--kind", "store", "--name", "Returns desk", "--lat", "51.5", "--lon", "-0.1")
    cli(ws, "node", "add", "desk", *desk, "--return-point")
    cli(ws, "kit", "sell", "shop", KIT, "2", "--ref", "till:7")
    opened = json.loads(
        cli(ws, "returns", "open", "shop", "till:7", KIT, "--reason", "changed-mind", "--json")
    )
    assert {(line["sku"], line["quantity"]) for line in opened["lines"]} == {
        (sku, quantity) for sku, quantity in PARTS.items()
    }
    again = cli(
        ws, "returns", "open", "shop", "till:7", f"{KIT}:2", "--reason", "changed-mind", ok=False
    )
    assert "MUG-TIDE-250" in again  # one kit left to return: two is more than was sold


def test_a_kits_own_barcode_scanned_at_check_in_checks_in_its_parts(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    barcoded = tmp_path / "kit-gtin.csv"
    barcoded.write_text(
        f"sku,gtin,title,price,currency\n{KIT},{KIT_GTIN},Tea set for two,70.00,GBP\n",
        encoding="utf-8",
    )
    cli(ws, "catalog", "import", str(barcoded))
    desk = ("--kind", "store", "--name", "Returns desk", "--lat", "51.5", "--lon", "-0.1")
    cli(ws, "node", "add", "desk", *desk, "--return-point")
    cli(ws, "kit", "sell", "shop", KIT, "1", "--ref", "till:8")
    opened = json.loads(
        cli(ws, "returns", "open", "shop", "till:8", KIT, "--reason", "changed-mind", "--json")
    )
    out = cli(ws, "returns", "check-in", opened["id"], KIT_GTIN)
    assert "MUG-TIDE-250 2 of 2 in" in out and "BWL-MOSS-S 1 of 1 in" in out
    listed = json.loads(cli(ws, "returns", "list", "--json"))
    lines = next(r["lines"] for r in listed if r["id"] == opened["id"])
    assert {(line["sku"], line["received"]) for line in lines} == set(PARTS.items())
    again = cli(ws, "returns", "check-in", opened["id"], KIT_GTIN, ok=False)
    assert "MUG-TIDE-250: 2 of 2 in, cannot add 2" in again  # one kit came back, not two
