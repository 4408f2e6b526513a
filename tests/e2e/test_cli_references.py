"""The CLI keeps a typed reference as text: a receipt whose `--ref` reads like the hub's
cancel of a reservation cancels nothing, so the order cannot be oversold."""

import json
from pathlib import Path

from tests.e2e.test_cli import SHOPIFY, _shop, cli

SKU = "MUG-TIDE-250"  # 6 in the Shopify file


def _place(ws: Path, key: str, units: int, ok: bool = True) -> str:
    line = ("--line", f"{SKU}:{units}", "--method", "pickup", "--pickup-node", "shop")
    return cli(ws, "order", "place", *line, "--key", key, "--json", ok=ok)


def test_a_receipt_referenced_like_a_cancel_leaves_the_order_set_aside(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    cli(ws, "sync", "--node", "shop")
    placed = json.loads(_place(ws, "web-1", 4))
    assert [part["node"] for part in placed["parts"]] == ["shop"]
    cli(ws, "sync", "--node", "shop")  # the shop sets the four aside
    typed = f"unsetaside:web-1/shop/{SKU}"
    made = json.loads(cli(ws, "stock", "receive", "shop", SKU, "1", "--ref", typed, "--json"))
    assert (made["reference"], made["tag"]) == (typed, None)
    cli(ws, "sync", "--node", "shop")
    # 7 on hand, 4 of them set aside for web-1: 4 more cannot be promised, 3 can
    assert "no node can fulfil" in _place(ws, "web-2", 4, ok=False)
    _place(ws, "web-3", 3)
    assert json.loads(cli(ws, "order", "show", "web-1", "--json"))["step"] == "promised"
