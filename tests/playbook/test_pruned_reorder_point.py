"""A SKU pruning drops from a node's range is not suggested for reordering there again."""

from __future__ import annotations

import json
from pathlib import Path

from tests.playbook.test_playbook_cli import cli, fresh_shop


def test_a_sku_dropped_by_pruning_is_no_longer_suggested_for_reordering(tmp_path: Path) -> None:
    shop = fresh_shop(tmp_path)
    cli(shop, "stock", "receive", "shop", "SKU-002", "4")
    cli(shop, "stock", "receive", "shop", "SKU-003", "4")
    cli(shop, "stock", "sell", "shop", "SKU-003", "4")  # sold out: wanted again
    cli(shop, "reorder", "set", "shop", "SKU-002", "5", "--target", "12")
    cli(shop, "reorder", "set", "shop", "SKU-003", "1", "--target", "6")
    cli(shop, "sync")
    low = json.loads(cli(shop, "reorder", "low", "--json"))
    assert [(item["sku"], item["suggested"]) for item in low] == [("SKU-002", 8), ("SKU-003", 6)]
    found = json.loads(cli(shop, "governance", "prune", "--json", hours_later=1))
    assert [(p["node"], p["sku"], p["action"]) for p in found] == [("shop", "SKU-002", "drop")]
    cli(shop, "governance", "prune", "--accept", "--dry-run", hours_later=1)
    assert json.loads(cli(shop, "reorder", "low", "--json")) == low  # a dry run changes nothing
    done = json.loads(cli(shop, "governance", "prune", "--accept", "--json", hours_later=1))
    assert done["archived"] == {"shop": ["SKU-002"]}
    low = json.loads(cli(shop, "reorder", "low", "--json"))
    assert [item["sku"] for item in low] == ["SKU-003"]  # the dropped SKU: none to order
