"""`microindex stock sell --key`: a till's script that runs the same sale again after a timeout
records it once and is shown the sale first made; the key with another sale is refused."""

import json
from pathlib import Path

from tests.e2e.test_cli import SHOPIFY, _shop, cli

SKU = "MUG-TIDE-250"  # 6 in the Shopify file


def _sold_at_shop(ws: Path) -> int:
    lines = json.loads(cli(ws, "stock", "show", "--node", "shop", "--sku", SKU, "--json"))
    return 6 - int(lines[0]["on_hand"])


def test_a_sale_run_again_under_its_key_is_recorded_once(tmp_path: Path) -> None:
    ws = _shop(tmp_path)
    source = tmp_path / "products_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    cli(ws, "catalog", "import", str(source), "--stock-node", "shop")
    sale = ("stock", "sell", "shop", SKU, "2", "--ref", "till 2")
    first = json.loads(cli(ws, *sale, "--key", "till2-0042", "--json"))
    again = json.loads(cli(ws, *sale, "--key", "till2-0042", "--json"))
    assert again == first
    assert _sold_at_shop(ws) == 2
    refused = cli(ws, "stock", "sell", "shop", SKU, "1", "--key", "till2-0042", ok=False)
    assert "sale key 'till2-0042' was already used at shop for a different sale" in refused
    bad = cli(ws, "stock", "sell", "shop", SKU, "1", "--key", "till 2/42", ok=False)
    assert "key: letters, digits and . _ - after a letter or digit" in bad
    cli(ws, *sale)  # no key: a new sale
    assert _sold_at_shop(ws) == 4
