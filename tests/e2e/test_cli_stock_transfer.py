"""`microindex stock transfer` is a transfer order done at once: units set aside for an order
stay where they are, with a refusal that names the SKU, the node, what was asked and what
could leave."""

import json
from pathlib import Path

from tests.e2e.test_cli import SHOPIFY, _shop, cli

SKU = "MUG-TIDE-250"  # 6 in the Shopify file


def test_a_stock_transfer_of_units_set_aside_for_an_order_is_refused(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    cli(ws, "sync", "--node", "shop")
    line = ("--line", f"{SKU}:6", "--method", "pickup", "--pickup-node", "shop")
    cli(ws, "order", "place", *line, "--key", "web-1")
    cli(ws, "sync", "--node", "shop")  # all six set aside at the shop
    refused = cli(ws, "stock", "transfer", "shop", "van", SKU, "6", ok=False)
    assert f"only 0 of {SKU} in stock rights at shop, not 6" in refused
    stock = {
        (s["node"], s["sku"]): s["on_hand"] for s in json.loads(cli(ws, "stock", "show", "--json"))
    }
    assert (stock[("shop", SKU)], stock.get(("van", SKU), 0)) == (6, 0)
    assert json.loads(cli(ws, "order", "show", "web-1", "--json"))["step"] == "promised"
    cli(ws, "sync", "--node", "shop")
    moved = json.loads(cli(ws, "stock", "transfer", "shop", "van", "MUG-TIDE-350", "2", "--json"))
    assert (moved["state"], moved["arrived"]) == ("received", {"MUG-TIDE-350": 2})
    listed = {t["id"]: t["state"] for t in json.loads(cli(ws, "transfer", "list", "--json"))}
    assert sorted(listed.values()) == ["cancelled", "received"]  # the refused one called off
    assert listed[moved["id"]] == "received"
