"""Schema of the sync and stock-rights tables (migration 10), kept beside their store.

The hub's free rights H are two columns, `h` (what it may still promise) and `owed` (what a
deficit took beyond it), at most one non-zero: H = h - owed, and `CHECK (h >= 0)` holds.
"""

from __future__ import annotations

SYNC_MIGRATION = (
    10,
    "sync: node rights and marks, hub accounts, peers, reservations, requests",
    """
    CREATE TABLE sync_sides (
        node             TEXT PRIMARY KEY,
        rights_head      INTEGER NOT NULL,
        incarnation      INTEGER NOT NULL,
        counter          INTEGER NOT NULL,
        epoch            TEXT NOT NULL,
        acked            INTEGER NOT NULL,
        requests_through INTEGER NOT NULL,
        requests_head    INTEGER NOT NULL,
        catalog_mark     INTEGER NOT NULL,
        next_sync_s      INTEGER NOT NULL,
        low_water        TEXT NOT NULL
    );
    CREATE TABLE node_rights (
        node        TEXT NOT NULL,
        sku         TEXT NOT NULL,
        local       INTEGER NOT NULL CHECK (local >= 0),
        granted     INTEGER NOT NULL CHECK (granted >= 0),
        unavailable INTEGER NOT NULL CHECK (unavailable >= 0),
        reserved    TEXT NOT NULL,
        PRIMARY KEY (node, sku)
    ) WITHOUT ROWID;
    CREATE TABLE sync_applied (
        node TEXT NOT NULL,
        key  TEXT NOT NULL,
        PRIMARY KEY (node, key)
    ) WITHOUT ROWID;
    CREATE TABLE sync_peers (
        node             TEXT PRIMARY KEY,
        incarnation      INTEGER NOT NULL,
        counter          INTEGER NOT NULL,
        requests_through INTEGER NOT NULL,
        next_request     INTEGER NOT NULL,
        last_sync_s      REAL NOT NULL,
        tau_s            REAL NOT NULL,
        overdraft        INTEGER NOT NULL,
        deficit          INTEGER NOT NULL,
        rates            TEXT NOT NULL,
        epoch            TEXT NOT NULL
    );
    CREATE TABLE hub_rights (
        node        TEXT NOT NULL,
        sku         TEXT NOT NULL,
        h           INTEGER NOT NULL CHECK (h >= 0),
        owed        INTEGER NOT NULL CHECK (owed >= 0),
        local       INTEGER NOT NULL,
        granted     INTEGER NOT NULL,
        unavailable INTEGER NOT NULL,
        reserved    TEXT NOT NULL,
        PRIMARY KEY (node, sku),
        CHECK (h = 0 OR owed = 0)
    ) WITHOUT ROWID;
    CREATE INDEX hub_rights_by_sku ON hub_rights (sku, node);
    CREATE TABLE hub_reservations (
        ident      TEXT PRIMARY KEY,
        node       TEXT NOT NULL,
        sku        TEXT NOT NULL,
        quantity   INTEGER NOT NULL CHECK (quantity > 0),
        expires_at TEXT NOT NULL,
        state      TEXT NOT NULL,
        seen_aside INTEGER NOT NULL
    );
    CREATE INDEX hub_reservations_open ON hub_reservations (node, state);
    CREATE TABLE hub_requests (
        node     TEXT NOT NULL,
        seq      INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        sku      TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        ident    TEXT NOT NULL,
        PRIMARY KEY (node, seq)
    ) WITHOUT ROWID;
    CREATE TABLE hub_online_rates (
        sku  TEXT PRIMARY KEY,
        rate REAL NOT NULL,
        at_s REAL NOT NULL
    );
    """,
)

STOCK_REQUESTS_MIGRATION = (
    150,
    "the hub's stock requests to a node that keeps its ledger elsewhere: who asked, their"
    " reference, a count's position or time (and a count of 0)",
    """
    CREATE TABLE hub_requests_150 (
        node      TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        kind      TEXT NOT NULL,
        sku       TEXT NOT NULL,
        quantity  INTEGER NOT NULL CHECK (quantity >= 0),
        ident     TEXT NOT NULL,
        reference TEXT NOT NULL DEFAULT '',
        actor     TEXT NOT NULL DEFAULT '',
        position  INTEGER NOT NULL DEFAULT 0,
        asked_at  TEXT,
        PRIMARY KEY (node, seq)
    ) WITHOUT ROWID;
    INSERT INTO hub_requests_150 (node, seq, kind, sku, quantity, ident)
        SELECT node, seq, kind, sku, quantity, ident FROM hub_requests;
    DROP TABLE hub_requests;
    ALTER TABLE hub_requests_150 RENAME TO hub_requests;
    """,
)

WALK_IN_RATES_MIGRATION = (
    151,
    "walk-in sales rates in their own rows, keyed by node and SKU, out of the peer record",
    """
    CREATE TABLE hub_walk_in_rates (
        node TEXT NOT NULL,
        sku  TEXT NOT NULL,
        rate REAL NOT NULL,
        PRIMARY KEY (node, sku)
    ) WITHOUT ROWID;
    INSERT INTO hub_walk_in_rates (node, sku, rate)
        SELECT p.node, r.key, r.value FROM sync_peers p, json_each(p.rates) r;
    ALTER TABLE sync_peers DROP COLUMN rates;
    """,
)

SPLIT_STATE_MIGRATION = (
    124,
    "sync deltas: the outbox by topic, the reply a node last applied, the hub's split cursor"
    " and rate sum per node, and when (and with what online share) each SKU was last split",
    """
    CREATE INDEX outbox_by_topic ON outbox (topic, id);
    ALTER TABLE sync_sides ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE hub_split_marks (
        node        TEXT PRIMARY KEY,
        split_after TEXT NOT NULL,
        rate_sum    REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE hub_split_rates (
        node   TEXT NOT NULL,
        sku    TEXT NOT NULL,
        online REAL NOT NULL,
        at_s   REAL NOT NULL,
        PRIMARY KEY (node, sku)
    ) WITHOUT ROWID;
    """,
)


WALK_IN_BY_SKU_MIGRATION = (
    176,
    "walk-in rates found by SKU: a promise reads its SKUs' rates at every node",
    "CREATE INDEX hub_walk_in_rates_by_sku ON hub_walk_in_rates (sku, node)",
)

AGENT_REPORTS_MIGRATION = (
    183,
    "the latest version and free disk each node's own agent reported with its push",
    """
    CREATE TABLE hub_agent_reports (
        node        TEXT PRIMARY KEY,
        version     TEXT NOT NULL,
        disk_free   INTEGER NOT NULL,
        reported_s  REAL NOT NULL
    ) WITHOUT ROWID;
    """,
)

SALE_KEYS_MIGRATION = (
    195,
    "walk-in sales' idempotency keys: a till's retry answered with the sale it made (ADR 0058)",
    """
    CREATE TABLE sale_keys (
        node      TEXT NOT NULL,
        key       TEXT NOT NULL,
        asked     TEXT NOT NULL,
        first_seq INTEGER NOT NULL,
        last_seq  INTEGER NOT NULL,
        PRIMARY KEY (node, key)
    ) WITHOUT ROWID;
    """,
)
