"""Files a new seller brings: a catalog of 230 SKUs and past sales in two layouts (a Shopify
orders export and a plain CSV), with the counts a person would make from them by hand."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date, timedelta

SKUS = [f"SKU-{i:03d}" for i in range(230)]
LAST_DAY = date(2026, 11, 20)  # the last day of the imported history: a week before the demo day

SHOPIFY_COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Notes", "Cancelled at",
    "Vendor", "Id",
]  # fmt: skip
HOSTILE = ['=HYPERLINK("x")', 'Mug, "tide" 350ml', "<script>alert(1)</script>", "Tasse à café ☕"]


def catalog_csv() -> str:
    rows = ["sku,title,price,currency,weight_g,size,fragility"]
    for i, sku in enumerate(SKUS):
        fragility = "fragile" if i % 7 == 0 else "sturdy"
        rows.append(f'{sku},"Item {i}, {HOSTILE[i % 4].replace(chr(34), "")}",{10 + i % 30}.00,GBP,'
                    f"300,100x80x60,{fragility}")  # fmt: skip
    return "\n".join(rows) + "\n"


def sales_plan(seed: int = 23) -> list[tuple[date, str, int]]:
    """(day, SKU, units) lines over six weeks: SKU i sells about 240 - i units in all, so the
    ranking is clear but has ties."""
    rng = random.Random(seed)
    lines = []
    for i, sku in enumerate(SKUS):
        total = max(1, (240 - i) // 2 * 2 - (i % 3 == 0))
        while total > 0:
            units = min(total, rng.randint(1, 4))
            lines.append((LAST_DAY - timedelta(days=rng.randint(0, 41)), sku, units))
            total -= units
    rng.shuffle(lines)
    return lines


def hand_count(lines: list[tuple[date, str, int]], limit: int = 200) -> list[str]:
    """The `limit` fastest, counted as a person would: units per SKU, most first, ties by SKU."""
    units: Counter[str] = Counter()
    for _, sku, n in lines:
        units[sku] += n
    return [sku for sku, _ in sorted(units.items(), key=lambda item: (-item[1], item[0]))][:limit]


def shopify_orders(lines: list[tuple[date, str, int]]) -> str:
    """A Shopify orders export of `lines`, two line items to an order where they share a day,
    with a cancelled order, a custom item without a SKU and hostile text around them."""
    out = io.StringIO()
    writer = csv.DictWriter(out, SHOPIFY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    number = 1000
    pending = sorted(lines)
    while pending:
        day, sku, units = pending.pop(0)
        number += 1
        first = _order_row(number, day, sku, units)
        writer.writerow(first)
        if pending and pending[0][0] == day:
            _, sku2, units2 = pending.pop(0)
            writer.writerow({"Name": f"#{number}", "Lineitem quantity": str(units2),
                             "Lineitem sku": sku2, "Lineitem name": HOSTILE[number % 4]})  # fmt: skip
        if number % 50 == 0:  # a custom item: no SKU, nothing the catalog holds
            writer.writerow({"Name": f"#{number}", "Lineitem quantity": "1",
                             "Lineitem sku": "", "Lineitem name": "Gift wrap"})  # fmt: skip
    cancelled = _order_row(9999, LAST_DAY, SKUS[-1], 500)  # would top the list if counted
    cancelled["Cancelled at"] = f"{LAST_DAY} 18:00:00 +0000"
    writer.writerow(cancelled)
    return out.getvalue()


def _order_row(number: int, day: date, sku: str, units: int) -> dict[str, str]:
    return {
        "Name": f"#{number}",
        "Email": "o'brien+shop@example.com",
        "Financial Status": "paid",
        "Paid at": f"{day} 10:15:00 +0000",
        "Fulfillment Status": "fulfilled",
        "Currency": "GBP",
        "Created at": f"{day} 10:14:03 +0000",
        "Lineitem quantity": str(units),
        "Lineitem name": HOSTILE[number % 4],
        "Lineitem price": "12.00",
        "Lineitem sku": sku,
        "Billing Name": 'Zoë "Zed" Ng',
        "Notes": "leave at door;\nring twice",
        "Id": str(5_000_000 + number),
    }


def plain_sales(lines: list[tuple[date, str, int]]) -> str:
    return "date,sku,quantity\n" + "".join(f"{d},{s},{n}\n" for d, s, n in lines)
