"""A walk-in sale made without a reference comes back through the command line by the sale
`stock sell` printed (`node#seq`); a reference a person typed is never read as that place, and
a sale returned under both names never takes back more than it sold."""

import json
from pathlib import Path

from tests.e2e.test_cli_kits_purchasing import _on_hand, _stocked, cli

MUG = "MUG-TIDE-250"  # the shop holds 6
BACK = ("--reason", "changed-mind")


def _with_desk(tmp_path: Path) -> Path:
    ws = _stocked(tmp_path)
    desk = ("--kind", "store", "--name", "Returns desk", "--lat", "51.5", "--lon", "-0.1")
    cli(ws, "node", "add", "desk", *desk, "--return-point")
    return ws


def _sold(ws: Path, *args: str) -> str:
    """The sale as `stock sell` printed it: `shop#12: sell -2 MUG-TIDE-250` -> `shop#12`."""
    printed = cli(ws, "stock", "sell", "shop", *args)
    return printed.split(":", 1)[0]


def test_a_sale_made_without_a_reference_is_returned_by_what_stock_sell_printed(
    tmp_path: Path,
) -> None:
    ws = _with_desk(tmp_path)
    sale = _sold(ws, MUG, "2")
    opened = json.loads(
        cli(ws, "returns", "open", "shop", sale, f"{MUG}:1", "--sale", *BACK, "--json")
    )
    assert opened["origin"] == {
        "kind": "sale",
        "reference": "",
        "node": "shop",
        "sale": int(sale[5:]),
    }
    cli(ws, "returns", "check-in", opened["id"], MUG)
    cli(ws, "returns", "disposition", opened["id"], MUG, "--condition", "as-new")
    assert _on_hand(ws, "desk")[MUG] == 1
    seq = sale.split("#")[1]
    cli(ws, "returns", "open", "shop", seq, MUG, "--sale", *BACK)  # its number alone does too
    more = cli(ws, "returns", "open", "shop", sale, MUG, "--sale", *BACK, ok=False)
    assert f"{MUG}: 3 returned against '{sale}' at shop, but only 2 sold under it" in more
    listed = cli(ws, "returns", "list")
    assert sale in listed


def test_a_reference_typed_like_a_sale_is_never_read_as_one(tmp_path: Path) -> None:
    ws = _with_desk(tmp_path)
    sale = _sold(ws, MUG, "1")
    # the sale's place typed as a reference: no sale was made under that reference
    typed = cli(ws, "returns", "open", "shop", sale, MUG, *BACK, ok=False)
    assert "but only 0 sold under it" in typed
    # a sale made under a reference that looks like another sale's place
    _sold(ws, "MUG-TIDE-350", "1", "--ref", sale)
    other = cli(ws, "returns", "open", "shop", sale, MUG, *BACK, ok=False)
    assert "but only 0 sold under it" in other
    nowhere = cli(ws, "returns", "open", "shop", "shop#999", MUG, "--sale", *BACK, ok=False)
    assert "no walk-in sale shop#999" in nowhere
    elsewhere = cli(ws, "returns", "open", "shop", "van#1", MUG, "--sale", *BACK, ok=False)
    assert "write the sale as `stock sell` printed it: shop#12" in elsewhere


def test_a_sale_returned_by_its_reference_and_its_place_mints_no_stock(tmp_path: Path) -> None:
    ws = _with_desk(tmp_path)
    sale = _sold(ws, MUG, "1", "--ref", "till:9")
    cli(ws, "returns", "open", "shop", "till:9", MUG, *BACK)
    twice = cli(ws, "returns", "open", "shop", sale, MUG, "--sale", *BACK, ok=False)
    assert f"{MUG}: 2 returned against '{sale}' at shop, but only 1 sold under it" in twice
    again = _sold(ws, MUG, "1", "--ref", "till:9")
    cli(ws, "returns", "open", "shop", again, MUG, "--sale", *BACK)  # the second sale's unit
    third = cli(ws, "returns", "open", "shop", "till:9", MUG, *BACK, ok=False)
    assert "3 returned against 'till:9' at shop, but only 2 sold under it" in third
