"""A preorder is over at the shop's midnight on its day, on every page a shopper reads: a surf
wax on preorder until 8 December is in stock at 00:30 that day in Auckland (11:30 UTC on the
7th) on its product page, in the Google and Meta feeds, and in what listing accuracy replays."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from tests.zones.shop import AUCKLAND, shop

PREORDER = "sku,title,price,currency,preorder_until\nWAX-9,Cold wax,14.00,NZD,2026-12-08\n"
AFTER_MIDNIGHT = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)  # 00:30 on 8 Dec there


def test_a_preorder_ends_at_the_shops_midnight(tmp_path: Path, hub_url: str | None) -> None:
    with shop(tmp_path, AUCKLAND, datetime(2026, 12, 7, 9, tzinfo=UTC), hub_url) as surf:
        surf.call("POST", "/catalog/import", content=PREORDER.encode())
        surf.call("POST", "/nodes/shop/receive", json={"sku": "WAX-9", "quantity": 5})
        before = surf.client.get("/products/WAX-9", params={"store": "shop"}).text
        surf.at(AFTER_MIDNIGHT)
        page = surf.client.get("/products/WAX-9", params={"store": "shop"}).text
        google = surf.client.get("/feeds/google.tsv", headers=surf.headers).text
        meta = surf.client.get("/feeds/meta.csv", headers=surf.headers).text
    assert "schema.org/PreOrder" in before
    said = [
        json.loads(m)
        for m in re.findall(r'<script type="application/ld\+json">(.+?)</script>', page, re.S)
    ]
    assert "schema.org/InStock" in json.dumps(said) and "PreOrder" not in json.dumps(said), said
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(google), delimiter="\t")}
    assert rows["WAX-9"]["availability"] == "in_stock", rows["WAX-9"]
    items = {r["id"]: r for r in csv.DictReader(io.StringIO(meta.lstrip("\ufeff")))}
    assert items["WAX-9"]["availability"] == "in stock", items["WAX-9"]
