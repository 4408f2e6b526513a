"""A pop-up after its last day, through the command line: a walk-in sale (of a product or a
kit), goods received there and transfers to it are refused, saying it closed; what is left
still goes home."""

from pathlib import Path

from tests.e2e.test_cli import _shop, cli

CATALOG = "sku,title,price,currency\nMUG-A,Mug,9.00,GBP\nBOWL-A,Bowl,7.00,GBP\nKIT-A,Mug and bowl,15.00,GBP\n"
STALL = ("--home", "shop", "--name", "Stall", "--at", "51.51,-0.09")


def _closed_stall(tmp_path: Path) -> Path:
    """A stall that traded from 20 to 22 November with a mug and a bowl left (today: the 26th)."""
    ws = _shop(tmp_path)
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    cli(ws, "catalog", "import", str(catalog))
    cli(ws, "kit", "set", "KIT-A", "--part", "MUG-A:1", "--part", "BOWL-A:1")
    cli(ws, "popup", "add", "stall", "--opens", "2026-11-20", "--closes", "2026-11-30", *STALL)
    for sku in ("MUG-A", "BOWL-A"):
        cli(ws, "stock", "receive", "stall", sku, "3")
    cli(
        ws,
        "popup",
        "add",
        "stall",
        "--opens",
        "2026-11-20",
        "--closes",
        "2026-11-22",
        "--home",
        "shop",
    )
    return ws


def test_a_closed_pop_up_sells_nothing_and_takes_nothing_in(tmp_path: Path) -> None:
    ws = _closed_stall(tmp_path)
    said = "stall is a pop-up that closed on 2026-11-22: it cannot"
    sold = " ".join(cli(ws, "stock", "sell", "stall", "MUG-A", "1", ok=False).split())
    assert f"{said} sell after it closed (give it new dates first: popup add)" in sold
    kit = " ".join(cli(ws, "kit", "sell", "stall", "KIT-A", "1", ok=False).split())
    assert f"{said} sell after it closed" in kit
    received = " ".join(cli(ws, "stock", "receive", "stall", "MUG-A", "2", ok=False).split())
    assert f"{said} receive goods after it closed" in received
    sent = " ".join(cli(ws, "stock", "transfer", "shop", "stall", "MUG-A", "1", ok=False).split())
    assert f"{said} take in a transfer after it closed" in sent
    asked = cli(ws, "transfer", "request", "shop", "stall", "--line", "MUG-A:1", ok=False)
    assert f"{said} take in a transfer" in " ".join(asked.split())
    cli(ws, "stock", "transfer", "stall", "shop", "MUG-A", "3")  # what is left goes home
    cli(ws, "stock", "write-off", "stall", "BOWL-A", "1", "--ref", "chipped packing up")
