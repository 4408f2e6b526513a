"""Kits (made of parts), purchase orders (each kept whole, as a record, with its version), and
reorder points per node."""

KIT_MIGRATION = (
    162,
    "kits: a catalog SKU sold from its parts' stock",
    """
    CREATE TABLE kit_parts (
        kit      TEXT NOT NULL,
        part     TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity >= 1),
        position INTEGER NOT NULL,
        PRIMARY KEY (kit, part)
    );
    CREATE INDEX kit_parts_part ON kit_parts (part);
    """,
)

PURCHASE_ORDER_MIGRATION = (
    163,
    "purchase orders to suppliers, received against into a node's ledger",
    """
    CREATE TABLE purchase_orders (
        id         TEXT PRIMARY KEY,
        node       TEXT NOT NULL,
        supplier   TEXT NOT NULL,
        state      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        version    INTEGER NOT NULL,
        record     TEXT NOT NULL
    );
    CREATE INDEX purchase_orders_state ON purchase_orders (state, created_at);
    """,
)

REORDER_MIGRATION = (
    164,
    "reorder points per node and SKU, each marked while its low-stock alert stands",
    """
    CREATE TABLE reorder_points (
        node   TEXT NOT NULL,
        sku    TEXT NOT NULL,
        point  INTEGER NOT NULL CHECK (point >= 0),
        target INTEGER NOT NULL CHECK (target >= 0),
        alerted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (node, sku)
    );
    """,
)

VAT_MIGRATION = (
    165,
    "VAT: a rate per product, the catalog's standard rate and whether its prices include VAT",
    """
    CREATE TABLE vat_rates (
        sku  TEXT PRIMARY KEY,
        rate TEXT NOT NULL
    );
    CREATE TABLE tax_settings (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        mode     TEXT NOT NULL,
        standard TEXT NOT NULL
    );
    """,
)
