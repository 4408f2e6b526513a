"""A kit holds no stock of its own (ADR 0009), through the command line: goods received,
imported, counted or sent under a kit's SKU are refused, naming its parts."""

from pathlib import Path

from tests.e2e.test_cli_kits_purchasing import KIT, _kits, _on_hand, _stocked, cli

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
