"""Schema of the orders the hub promised (migrations 80, 81, 94, 95), kept beside their store."""

from __future__ import annotations

from microindex.adapters.open_orders import OPEN_PARTS_INDEX

ORDER_MIGRATION = (
    80,
    "orders: promised orders, their parts per node, and every step as an event",
    """
    CREATE TABLE orders (
        ident       TEXT PRIMARY KEY,
        digest      TEXT NOT NULL,
        method      TEXT NOT NULL,
        placed_at   TEXT NOT NULL,
        promised_by TEXT NOT NULL,
        lease_until TEXT NOT NULL,
        request     TEXT NOT NULL,
        why         TEXT NOT NULL
    );
    CREATE TABLE order_parts (
        ident      TEXT NOT NULL REFERENCES orders (ident),
        node       TEXT NOT NULL,
        lines      TEXT NOT NULL,
        step       TEXT NOT NULL,
        ready_by   TEXT,
        arrives_by TEXT,
        PRIMARY KEY (ident, node)
    ) WITHOUT ROWID;
    CREATE INDEX order_parts_by_node ON order_parts (node, step);
    CREATE TABLE order_events (
        id    INTEGER PRIMARY KEY,
        ident TEXT NOT NULL REFERENCES orders (ident),
        node  TEXT NOT NULL,
        step  TEXT NOT NULL,
        at    TEXT NOT NULL,
        actor TEXT NOT NULL
    );
    CREATE INDEX order_events_by_time ON order_events (at);
    CREATE INDEX orders_by_lease ON orders (lease_until)
    """,
)

PART_TRANSFER_MIGRATION = (
    81,
    "orders: a part whose goods travel to the pickup node, and when they arrived there",
    """
    ALTER TABLE order_parts ADD COLUMN transfer_to TEXT;
    ALTER TABLE order_parts ADD COLUMN arrived_at TEXT
    """,
)

# After migration 90, which makes the transfers table.
TRANSFER_ORDER_MIGRATION = (
    94,
    "transfers: the order a transfer carries to its pickup node",
    """
    ALTER TABLE transfers ADD COLUMN order_ref TEXT;
    CREATE INDEX transfers_by_order ON transfers (order_ref) WHERE order_ref IS NOT NULL
    """,
)

AT_RISK_MIGRATION = (
    95,
    "orders: a part at risk (why), and why the hub took a step on its own (a re-promise)",
    """
    ALTER TABLE order_parts ADD COLUMN at_risk TEXT NOT NULL DEFAULT '';
    ALTER TABLE order_events ADD COLUMN note TEXT NOT NULL DEFAULT ''
    """,
)

AT_RISK_INDEX_MIGRATION = (
    170,
    "orders: the parts at risk, by node, as the hub's retries read them",
    "CREATE INDEX order_parts_at_risk ON order_parts (node) WHERE at_risk <> ''",
)

ORDER_HISTORY_INDEX_MIGRATION = (
    186,
    "orders: an order's events by order, as its history reads them (it scanned every event)",
    "CREATE INDEX order_events_by_order ON order_events (ident, id)",
)

# (ADR 0046) `open_at` read every part not ended, delivered ones included, and loaded each
# order: the live parts' index holds only parts that can keep an order open. It replaces
# `order_parts_by_node (node, step)`, which no query read (as on PostgreSQL, ADR 0042), so a
# promise writes as many index entries as before
OPEN_PARTS_INDEX_MIGRATION = (
    193,
    "orders: the parts that can keep an order open, by order, as open orders are read",
    "DROP INDEX order_parts_by_node;\n" + OPEN_PARTS_INDEX,
)
