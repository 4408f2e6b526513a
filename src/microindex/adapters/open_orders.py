"""Which order parts keep an order open, spelt as SQL for both hubs' `open_at` and for the
partial index that serves it (migration 193, ADR 0046).

An order is open while one of its parts not ended is at a step before its method's last
(`Order.open`): promised to packed for any method, and handed over for a delivery (on its
way). So every open order has a part at one of `LIVE_STEPS`, and an index over those parts
holds the open orders and the handed-over pickups, not the history of delivered and ended
ones. tests/contract/test_order_store.py holds these texts to the domain's steps."""

from __future__ import annotations

from typing import LiteralString

LIVE_STEPS: LiteralString = "'promised', 'confirmed', 'picked', 'packed', 'handed_over'"
ENDED_STEPS: LiteralString = "'released', 'cancelled', 'rerouted'"
# a part at one of `LIVE_STEPS`, spelt as comparisons: SQLite evaluates a partial index's
# `step IN (...)` at every insert by building a table of its values (30,000 instructions a
# promise, measured), and uses the index for a query holding the same term
LIVE_PART: LiteralString = (
    "(step = 'promised' OR step = 'confirmed' OR step = 'picked' OR step = 'packed'"
    " OR step = 'handed_over')"
)
# a live part `p` of order `o` that keeps it open: before its method's last step
BEFORE_LAST: LiteralString = "(p.step <> 'handed_over' OR o.method <> 'pickup')"

OPEN_PARTS_INDEX: LiteralString = (
    "CREATE INDEX order_parts_live ON order_parts (ident) WHERE " + LIVE_PART
)


def open_idents(node: LiteralString = "") -> LiteralString:
    """The open orders' idents in order; given `node` (a placeholder), those at that node: a
    part of the order not ended is there or its goods travel there. Read from the live
    parts' index and each order's own rows (primary keys), never from every part ever
    promised. (Two texts, not `node IS NULL OR ...`: PostgreSQL plans that OR as a scan.)"""
    at_node: LiteralString = ""
    if node:
        at_node = (
            " AND EXISTS (SELECT 1 FROM order_parts q WHERE q.ident = p.ident"
            " AND q.step NOT IN (" + ENDED_STEPS + ")"
            " AND (q.node = " + node + " OR q.transfer_to = " + node + "))"
        )
    return (
        "SELECT DISTINCT p.ident FROM order_parts p JOIN orders o ON o.ident = p.ident"
        " WHERE " + LIVE_PART + " AND " + BEFORE_LAST + at_node + " ORDER BY p.ident"
    )
