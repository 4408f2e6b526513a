"""Kits and purchase orders through the command line, on a fresh workspace (a Shopify export's
products and stock): a kit of three parts sold at a node moves each part's ledger, all or
none, and is promised online as its parts; a purchase order received in two parts leaves the
right on-hand, refusing what was not ordered."""

import json
from pathlib import Path

from tests.e2e import test_cli
from tests.e2e.test_cli import SHOPIFY, _shop


def cli(workspace: Path, *args: str, ok: bool = True) -> str:
    """What the command printed, its lines (wrapped to the terminal) joined again."""
    return " ".join(test_cli.cli(workspace, *args, ok=ok).split())


KIT = "KIT-TEA-SET"
KIT_CSV = f"sku,title,price,currency\n{KIT},Tea set for two,70.00,GBP\n"
PARTS = {"MUG-TIDE-250": 2, "MUG-TIDE-350": 1, "BWL-MOSS-S": 1}  # shop holds 6, 4, 3


def _stocked(tmp_path: Path) -> Path:
    ws = _shop(tmp_path)
    shopify, kit = tmp_path / "products_export.csv", tmp_path / "kit.csv"
    shopify.write_text(SHOPIFY, encoding="utf-8")
    kit.write_text(KIT_CSV, encoding="utf-8")
    cli(ws, "catalog", "import", str(shopify), "--stock-node", "shop")
    cli(ws, "catalog", "import", str(kit))
    parts = [f"--part={sku}:{quantity}" for sku, quantity in PARTS.items()]
    cli(ws, "kit", "set", KIT, *parts)
    cli(ws, "sync", "--node", "shop")  # the shop is never offline: the hub holds its rights
    return ws


def _on_hand(ws: Path, node: str = "shop") -> dict[str, int]:
    lines = json.loads(test_cli.cli(ws, "stock", "show", "--json"))
    return {line["sku"]: line["on_hand"] for line in lines if line["node"] == node}


def _kits(ws: Path) -> dict[str, int]:
    return {a["node"]: a["on_hand"] for a in json.loads(cli(ws, "kit", "stock", KIT, "--json"))}


def test_a_kit_of_three_parts_sold_at_a_node_moves_each_parts_ledger(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    assert _kits(ws) == {"shop": 3, "van": 0}  # min(6 // 2, 4 // 1, 3 // 1)
    sold = json.loads(cli(ws, "kit", "sell", "shop", KIT, "1", "--json"))
    assert {(m["sku"], m["kind"], m["quantity"]) for m in sold} == {
        ("MUG-TIDE-250", "sell", -2),
        ("MUG-TIDE-350", "sell", -1),
        ("BWL-MOSS-S", "sell", -1),
    }
    assert _on_hand(ws) == {"MUG-TIDE-250": 4, "MUG-TIDE-350": 3, "BWL-MOSS-S": 2}
    assert KIT not in _on_hand(ws)  # a kit holds no stock of its own
    assert _kits(ws)["shop"] == 2


def test_a_kit_short_of_one_part_sells_none_of_them(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    cli(ws, "stock", "sell", "shop", "BWL-MOSS-S", "3")  # the bowls leave one by one
    assert _kits(ws)["shop"] == 0
    refused = cli(ws, "kit", "sell", "shop", KIT, "1", ok=False)
    assert "BWL-MOSS-S" in refused and "0 on hand" in refused
    assert _on_hand(ws) == {"MUG-TIDE-250": 6, "MUG-TIDE-350": 4, "BWL-MOSS-S": 0}


def test_a_kit_promised_online_holds_its_parts_against_walk_in_sales(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    line = ("--line", f"{KIT}:3", "--method", "pickup", "--pickup-node", "shop")
    placed = json.loads(cli(ws, "order", "place", *line, "--key", "web-1", "--json"))
    lines = {(sku, quantity) for part in placed["parts"] for sku, quantity in part["lines"]}
    assert lines == {("MUG-TIDE-250", 6), ("MUG-TIDE-350", 3), ("BWL-MOSS-S", 3)}
    cli(ws, "sync", "--node", "shop")
    # every bowl is promised to the kits: a walk-in bowl, or a fourth kit, is refused
    assert "promised to online orders" in cli(
        ws, "stock", "sell", "shop", "BWL-MOSS-S", "1", ok=False
    )
    assert "web-1" in cli(ws, "kit", "sell", "shop", KIT, "1", ok=False)
    again = ("--line", f"{KIT}:1", "--method", "pickup", "--pickup-node", "shop")
    cli(ws, "order", "place", *again, "--key", "web-2", ok=False)
    cli(ws, "stock", "sell", "shop", "MUG-TIDE-350", "1")  # the one mug no kit wants
    assert _on_hand(ws) == {"MUG-TIDE-250": 6, "MUG-TIDE-350": 3, "BWL-MOSS-S": 3}


def test_kits_refuse_what_cannot_be_a_kit(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    missing = cli(ws, "kit", "set", "NOPE", "--part", "BWL-MOSS-S:1", ok=False)
    assert "no product with SKU 'NOPE' in the catalog" in missing
    nested = cli(ws, "kit", "set", "MUG-TIDE-250", "--part", f"{KIT}:1", ok=False)
    assert "is a kit itself" in nested
    assert "once per kit" in cli(
        ws, "kit", "set", KIT, "--part", "BWL-MOSS-S:1", "--part", "BWL-MOSS-S:2", ok=False
    )
    assert "SKU:QUANTITY" in cli(ws, "kit", "set", KIT, "--part", "BWL-MOSS-S:=1+1", ok=False)
    assert "no kit 'BWL-MOSS-S'" in cli(ws, "kit", "sell", "shop", "BWL-MOSS-S", ok=False)
    assert "no node with code 'nowhere'" in cli(ws, "kit", "sell", "nowhere", KIT, ok=False)
    assert [k["sku"] for k in json.loads(cli(ws, "kit", "list", "--json"))] == [KIT]


def test_a_purchase_order_received_in_two_parts_leaves_the_right_on_hand(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    supplier = '=HYPERLINK("http://x") Tide <!-- pottery'
    cli(ws, "po", "draft", "PO-1001", "--supplier", supplier, "--node", "shop")
    cli(ws, "po", "add", "PO-1001", "MUG-TIDE-350", "10", "--cost", "4.20")
    cli(ws, "po", "add", "PO-1001", "BWL-MOSS-S", "5", "--cost", "3.10")
    refused = cli(ws, "po", "receive", "PO-1001", "MUG-TIDE-350:1", ok=False)
    assert "only a sent order receives" in refused
    sent = json.loads(cli(ws, "po", "send", "PO-1001", "--json"))
    assert (sent["state"], sent["supplier"]) == ("sent", supplier)

    first = json.loads(cli(ws, "po", "receive", "PO-1001", "MUG-TIDE-350:6", "--json"))
    assert first["order"]["state"] == "partly-received"
    assert [(m["sku"], m["kind"], m["quantity"]) for m in first["movements"]] == [
        ("MUG-TIDE-350", "receive", 6)
    ]
    assert _on_hand(ws)["MUG-TIDE-350"] == 10

    over = cli(ws, "po", "receive", "PO-1001", "MUG-TIDE-350:5", "BWL-MOSS-S:5", ok=False)
    assert "4 of MUG-TIDE-350 outstanding, not 5" in over
    assert _on_hand(ws) == {"MUG-TIDE-250": 6, "MUG-TIDE-350": 10, "BWL-MOSS-S": 3}

    second = ("PO-1001", "MUG-TIDE-350:4", "BWL-MOSS-S:5", "--json")
    done = json.loads(cli(ws, "po", "receive", *second))
    assert done["order"]["state"] == "closed" and done["receipt"] == 2
    assert _on_hand(ws) == {"MUG-TIDE-250": 6, "MUG-TIDE-350": 14, "BWL-MOSS-S": 8}
    closed = cli(ws, "po", "receive", "PO-1001", "BWL-MOSS-S:1", ok=False)
    assert "(closed): only a sent order receives" in closed
    shown = json.loads(cli(ws, "po", "show", "PO-1001", "--json"))
    assert [(ln["sku"], ln["received"], ln["outstanding"]) for ln in shown["lines"]] == [
        ("MUG-TIDE-350", 10, 0),
        ("BWL-MOSS-S", 5, 0),
    ]
    assert [r["number"] for r in shown["receipts"]] == [1, 2]
    assert [o["id"] for o in json.loads(cli(ws, "po", "list", "--state", "closed", "--json"))] == [
        "PO-1001"
    ]


def test_purchase_orders_refuse_bad_input_and_lose_nothing(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    assert "supplier" in cli(
        ws, "po", "draft", "P1", "--supplier", "a\x07b", "--node", "shop", ok=False
    )
    unknown = cli(ws, "po", "draft", "P1", "--supplier", "Tide", "--node", "nowhere", ok=False)
    assert "no node with code 'nowhere'" in unknown
    cli(ws, "po", "draft", "P1", "--supplier", "Tide", "--node", "shop")
    assert "exists already" in cli(
        ws, "po", "draft", "P1", "--supplier", "X", "--node", "shop", ok=False
    )
    assert "not a number" in cli(
        ws, "po", "add", "P1", "BWL-MOSS-S", "2", "--cost", "=1+1", ok=False
    )
    assert "NOPE" in cli(ws, "po", "add", "P1", "NOPE", "2", "--cost", "1", ok=False)
    assert "it has no lines" in cli(ws, "po", "send", "P1", ok=False)
    assert "no purchase order 'P2'" in cli(ws, "po", "show", "P2", ok=False)
    cli(ws, "po", "add", "P1", "BWL-MOSS-S", "2", "--cost", "1")
    cli(ws, "po", "send", "P1")
    assert "not on purchase order P1" in cli(ws, "po", "receive", "P1", "MUG-TIDE-250:1", ok=False)
    assert "SKU:QUANTITY" in cli(ws, "po", "receive", "P1", "BWL-MOSS-S", ok=False)
    closed = json.loads(cli(ws, "po", "close", "P1", "--json"))
    assert closed["state"] == "closed" and closed["lines"][0]["received"] == 0
    assert _on_hand(ws)["BWL-MOSS-S"] == 3


def test_reorder_points_list_what_is_low(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    cli(ws, "reorder", "set", "shop", "BWL-MOSS-S", "2", "--target", "10")
    cli(ws, "reorder", "set", "shop", "MUG-TIDE-250", "1")
    assert json.loads(cli(ws, "reorder", "low", "--json")) == []
    cli(ws, "kit", "sell", "shop", KIT, "1")  # takes a bowl: 2 left, at the point
    low = json.loads(cli(ws, "reorder", "low", "--json"))
    assert low == [{"node": "shop", "sku": "BWL-MOSS-S", "on_hand": 2, "point": 2, "suggested": 8}]
    assert [a["sku"] for a in json.loads(cli(ws, "reorder", "alert", "--json"))] == ["BWL-MOSS-S"]
    assert json.loads(cli(ws, "reorder", "alert", "--json")) == []  # once until restocked
    assert "above the reorder point" in cli(
        ws, "reorder", "set", "shop", "BWL-MOSS-S", "5", "--target", "3", ok=False
    )


def test_a_delivery_received_twice_under_its_key_is_received_once(tmp_path: Path) -> None:
    ws = _stocked(tmp_path)
    cli(ws, "po", "draft", "PO-2002", "--supplier", "Chains Ltd", "--node", "shop")
    cli(ws, "po", "add", "PO-2002", "MUG-TIDE-350", "10", "--cost", "4.20")
    cli(ws, "po", "send", "PO-2002")
    line = ("po", "receive", "PO-2002", "MUG-TIDE-350:4", "--key", "dn-881")
    first = json.loads(cli(ws, *line, "--json"))
    again = json.loads(cli(ws, *line, "--json"))
    assert again["receipt"] == first["receipt"] == 1 and again["movements"] == []
    assert _on_hand(ws)["MUG-TIDE-350"] == 8  # 4 before, 4 came
    assert "already used" in cli(ws, "po", "receive", "PO-2002", "MUG-TIDE-350:5", "--key",
                                 "dn-881", ok=False)  # fmt: skip
    assert _on_hand(ws)["MUG-TIDE-350"] == 8
