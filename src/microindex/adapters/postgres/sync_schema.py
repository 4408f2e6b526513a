"""PostgreSQL schema of the sync and stock-rights tables (migration 10), as in SQLite.

The hub's free rights are two columns: `h` (what it may still promise) and `owed` (what a
deficit or an adopted set-aside took beyond it). At most one is non-zero, so the escrow test is
one conditional UPDATE, `SET h = h - r WHERE h >= r`, backed by `CHECK (h >= 0)`.
"""

from __future__ import annotations

SYNC_MIGRATION = (
    10,
    "sync: node rights and marks, hub accounts, peers, reservations, requests",
    """
    CREATE TABLE sync_sides (
        node             text COLLATE "C" PRIMARY KEY,
        rights_head      bigint NOT NULL,
        incarnation      integer NOT NULL,
        counter          bigint NOT NULL,
        epoch            text NOT NULL,
        acked            bigint NOT NULL,
        requests_through bigint NOT NULL,
        requests_head    bigint NOT NULL,
        catalog_mark     bigint NOT NULL,
        next_sync_s      integer NOT NULL,
        low_water        jsonb NOT NULL
    );
    CREATE TABLE node_rights (
        node        text COLLATE "C" NOT NULL,
        sku         text COLLATE "C" NOT NULL,
        local       integer NOT NULL CHECK (local >= 0),
        granted     integer NOT NULL CHECK (granted >= 0),
        unavailable integer NOT NULL CHECK (unavailable >= 0),
        reserved    jsonb NOT NULL,
        PRIMARY KEY (node, sku)
    );
    CREATE TABLE sync_applied (
        node text COLLATE "C" NOT NULL,
        key  text COLLATE "C" NOT NULL,
        PRIMARY KEY (node, key)
    );
    CREATE TABLE sync_peers (
        node             text COLLATE "C" PRIMARY KEY,
        incarnation      integer NOT NULL,
        counter          bigint NOT NULL,
        requests_through bigint NOT NULL,
        next_request     bigint NOT NULL,
        last_sync_s      double precision NOT NULL,
        tau_s            double precision NOT NULL,
        overdraft        integer NOT NULL,
        deficit          integer NOT NULL,
        rates            jsonb NOT NULL,
        epoch            text NOT NULL
    );
    CREATE TABLE hub_rights (
        node        text COLLATE "C" NOT NULL,
        sku         text COLLATE "C" NOT NULL,
        h           integer NOT NULL CHECK (h >= 0),
        owed        integer NOT NULL CHECK (owed >= 0),
        local       integer NOT NULL,
        granted     integer NOT NULL,
        unavailable integer NOT NULL,
        reserved    jsonb NOT NULL,
        PRIMARY KEY (node, sku),
        CHECK (h = 0 OR owed = 0)
    );
    CREATE INDEX hub_rights_by_sku ON hub_rights (sku, node);
    CREATE TABLE hub_reservations (
        ident      text COLLATE "C" PRIMARY KEY,
        node       text COLLATE "C" NOT NULL,
        sku        text COLLATE "C" NOT NULL,
        quantity   integer NOT NULL CHECK (quantity > 0),
        expires_at timestamptz NOT NULL,
        state      text NOT NULL,
        seen_aside boolean NOT NULL
    );
    CREATE INDEX hub_reservations_open ON hub_reservations (node, state);
    CREATE TABLE hub_requests (
        node     text COLLATE "C" NOT NULL,
        seq      bigint NOT NULL,
        kind     text NOT NULL,
        sku      text COLLATE "C" NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        ident    text NOT NULL,
        PRIMARY KEY (node, seq)
    );
    CREATE TABLE hub_online_rates (
        sku  text COLLATE "C" PRIMARY KEY,
        rate double precision NOT NULL,
        at_s double precision NOT NULL
    );
    """,
)

STOCK_REQUESTS_MIGRATION = (
    150,
    "the hub's stock requests to a node that keeps its ledger elsewhere: who asked, their"
    " reference, a count's position or time (and a count of 0)",
    """
    ALTER TABLE hub_requests DROP CONSTRAINT hub_requests_quantity_check;
    ALTER TABLE hub_requests ADD CONSTRAINT hub_requests_quantity_check CHECK (quantity >= 0);
    ALTER TABLE hub_requests ADD COLUMN reference text NOT NULL DEFAULT '';
    ALTER TABLE hub_requests ADD COLUMN actor text NOT NULL DEFAULT '';
    ALTER TABLE hub_requests ADD COLUMN position bigint NOT NULL DEFAULT 0;
    ALTER TABLE hub_requests ADD COLUMN asked_at timestamptz;
    """,
)

WALK_IN_RATES_MIGRATION = (
    151,
    "walk-in sales rates in their own rows, keyed by node and SKU, out of the peer record",
    """
    CREATE TABLE hub_walk_in_rates (
        node text COLLATE "C" NOT NULL,
        sku  text COLLATE "C" NOT NULL,
        rate double precision NOT NULL,
        PRIMARY KEY (node, sku)
    );
    INSERT INTO hub_walk_in_rates (node, sku, rate)
        SELECT p.node, r.key, r.value::double precision
        FROM sync_peers p, jsonb_each_text(p.rates) r;
    ALTER TABLE sync_peers DROP COLUMN rates;
    """,
)

SPLIT_STATE_MIGRATION = (
    124,
    "sync deltas: the outbox by topic, the reply a node last applied, the hub's split cursor"
    " and rate sum per node, and when (and with what online share) each SKU was last split",
    """
    CREATE INDEX outbox_by_topic ON outbox (topic, id);
    ALTER TABLE sync_sides ADD COLUMN answered bigint NOT NULL DEFAULT 0;
    CREATE TABLE hub_split_marks (
        node        text COLLATE "C" PRIMARY KEY,
        split_after text COLLATE "C" NOT NULL,
        rate_sum    double precision NOT NULL
    );
    CREATE TABLE hub_split_rates (
        node   text COLLATE "C" NOT NULL,
        sku    text COLLATE "C" NOT NULL,
        online double precision NOT NULL,
        at_s   double precision NOT NULL,
        PRIMARY KEY (node, sku)
    );
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
        node        text COLLATE "C" PRIMARY KEY,
        version     text NOT NULL,
        disk_free   bigint NOT NULL,
        reported_s  double precision NOT NULL
    );
    """,
)

SALE_KEYS_MIGRATION = (
    195,
    "walk-in sales' idempotency keys: a till's retry answered with the sale it made (ADR 0058)",
    """
    CREATE TABLE sale_keys (
        node      text COLLATE "C" NOT NULL,
        key       text COLLATE "C" NOT NULL,
        asked     text NOT NULL,
        first_seq bigint NOT NULL,
        last_seq  bigint NOT NULL,
        PRIMARY KEY (node, key)
    );
    """,
)
