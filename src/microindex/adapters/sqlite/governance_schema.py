"""Schema of returns, reconciliation and governance (migrations 70-72, 121), beside their store."""

from __future__ import annotations

RETURNS_MIGRATION = (
    70,
    "returns: returns at their return point, their lines and disposition decisions",
    """
    CREATE TABLE returns (
        id           TEXT PRIMARY KEY,
        number       INTEGER NOT NULL UNIQUE,
        return_point TEXT NOT NULL,
        origin_kind  TEXT NOT NULL CHECK (origin_kind IN ('sale', 'order')),
        origin_ref   TEXT NOT NULL,
        origin_node  TEXT NOT NULL,
        reason       TEXT NOT NULL,
        opened_at    TEXT NOT NULL,
        note         TEXT NOT NULL
    );
    CREATE INDEX returns_by_origin ON returns (origin_node, origin_ref);
    CREATE TABLE return_lines (
        return_id TEXT NOT NULL REFERENCES returns (id),
        sku       TEXT NOT NULL,
        quantity  INTEGER NOT NULL CHECK (quantity > 0),
        received  INTEGER NOT NULL CHECK (received >= 0 AND received <= quantity),
        PRIMARY KEY (return_id, sku)
    );
    CREATE TABLE return_decisions (
        return_id    TEXT NOT NULL REFERENCES returns (id),
        n            INTEGER NOT NULL,
        sku          TEXT NOT NULL,
        quantity     INTEGER NOT NULL CHECK (quantity > 0),
        disposition  TEXT NOT NULL CHECK (disposition IN ('restock', 'refurbish', 'write-off')),
        reason       TEXT NOT NULL,
        condition    TEXT NOT NULL,
        at           TEXT NOT NULL,
        actor        TEXT NOT NULL,
        movement_seq INTEGER,
        PRIMARY KEY (return_id, n)
    ) WITHOUT ROWID;
    """,
)

RETURN_SALE_MIGRATION = (
    197,
    "returns: the sale a return is against, by its place in the selling node's ledger",
    "ALTER TABLE returns ADD COLUMN origin_seq INTEGER CHECK (origin_seq >= 1)",
)

COUNTS_MIGRATION = (
    71,
    "reconciliation: submitted counts, the variance history per node and SKU",
    """
    CREATE TABLE count_submissions (
        id           INTEGER PRIMARY KEY,
        node         TEXT NOT NULL,
        sku          TEXT NOT NULL,
        counted      INTEGER NOT NULL CHECK (counted >= 0),
        position     INTEGER NOT NULL CHECK (position >= 0),
        submitted_at TEXT NOT NULL,
        actor        TEXT NOT NULL,
        source       TEXT NOT NULL,
        closed_at    TEXT
    );
    CREATE INDEX count_submissions_open ON count_submissions (node, closed_at);
    CREATE TABLE count_variances (
        id           INTEGER PRIMARY KEY,
        node         TEXT NOT NULL,
        sku          TEXT NOT NULL,
        counted      INTEGER NOT NULL CHECK (counted >= 0),
        position     INTEGER NOT NULL,
        expected     INTEGER NOT NULL,
        unit_cost    TEXT NOT NULL,
        cost_basis   TEXT NOT NULL,
        outcome      TEXT NOT NULL CHECK (
            outcome IN ('matched', 'adjusted', 'flagged', 'approved', 'superseded')
        ),
        at           TEXT NOT NULL,
        movement_seq INTEGER,
        deficit      INTEGER NOT NULL,
        decided_by   TEXT NOT NULL
    );
    CREATE INDEX count_variances_by_sku ON count_variances (node, sku, at);
    """,
)

GOVERNANCE_MIGRATION = (
    72,
    "governance: stock targets per node (accepted triage), scheduled job runs",
    """
    CREATE TABLE stock_targets (
        node        TEXT NOT NULL,
        sku         TEXT NOT NULL,
        target      INTEGER NOT NULL CHECK (target >= 0),
        rank        INTEGER NOT NULL,
        score       REAL NOT NULL,
        accepted_at TEXT NOT NULL,
        PRIMARY KEY (node, sku)
    ) WITHOUT ROWID;
    CREATE TABLE job_runs (
        id          INTEGER PRIMARY KEY,
        job         TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        outcome     TEXT NOT NULL,
        summary     TEXT NOT NULL,
        actor       TEXT NOT NULL
    );
    CREATE INDEX job_runs_by_job ON job_runs (job, id);
    """,
)

RETURN_LINE_ORDER_MIGRATION = (
    121,
    "returns: each line's place in its return (rowid kept it; PostgreSQL has no rowid)",
    """
    ALTER TABLE return_lines ADD COLUMN line INTEGER NOT NULL DEFAULT 0;
    UPDATE return_lines SET line = rowid;
    """,
)


PAST_SALES_MIGRATION = (
    152,
    "triage: past sales a node imported (a Shopify orders export, a plain CSV)",
    """
    CREATE TABLE past_sales (
        node   TEXT NOT NULL,
        sku    TEXT NOT NULL,
        day    TEXT NOT NULL,
        units  INTEGER NOT NULL CHECK (units > 0),
        PRIMARY KEY (node, sku, day)
    ) WITHOUT ROWID;
    """,
)


ARCHIVED_SKUS_MIGRATION = (
    153,
    "pruning: SKUs archived from a node's range (a drop staff accepted)",
    """
    CREATE TABLE archived_skus (
        node   TEXT NOT NULL,
        sku    TEXT NOT NULL,
        at     TEXT NOT NULL,
        actor  TEXT NOT NULL,
        PRIMARY KEY (node, sku)
    ) WITHOUT ROWID;
    """,
)
