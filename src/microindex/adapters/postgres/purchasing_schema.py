"""Kits (made of parts), purchase orders (each kept whole, as a record, with its version), and
reorder points per node."""

KIT_MIGRATION = (
    162,
    "kits: a catalog SKU sold from its parts' stock",
    """
    CREATE TABLE kit_parts (
        kit      text COLLATE "C" NOT NULL,
        part     text COLLATE "C" NOT NULL,
        quantity integer NOT NULL CHECK (quantity >= 1),
        position integer NOT NULL,
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
        id         text COLLATE "C" PRIMARY KEY,
        node       text COLLATE "C" NOT NULL,
        supplier   text NOT NULL,
        state      text NOT NULL,
        created_at timestamptz NOT NULL,
        version    integer NOT NULL,
        record     jsonb NOT NULL
    );
    CREATE INDEX purchase_orders_state ON purchase_orders (state, created_at);
    """,
)

REORDER_MIGRATION = (
    164,
    "reorder points per node and SKU, each marked while its low-stock alert stands",
    """
    CREATE TABLE reorder_points (
        node   text COLLATE "C" NOT NULL,
        sku    text COLLATE "C" NOT NULL,
        point  integer NOT NULL CHECK (point >= 0),
        target integer NOT NULL CHECK (target >= 0),
        alerted integer NOT NULL DEFAULT 0,
        PRIMARY KEY (node, sku)
    );
    """,
)

VAT_MIGRATION = (
    165,
    "VAT: a rate per product, the catalog's standard rate and whether its prices include VAT",
    """
    CREATE TABLE vat_rates (
        sku  text COLLATE "C" PRIMARY KEY,
        rate numeric NOT NULL CHECK (rate >= 0 AND rate <= 100)
    );
    CREATE TABLE tax_settings (
        id       integer PRIMARY KEY CHECK (id = 1),
        mode     text NOT NULL,
        standard numeric NOT NULL
    );
    """,
)
