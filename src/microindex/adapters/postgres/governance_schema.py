"""Schema of packaging, returns, reconciliation and governance on a PostgreSQL hub (migrations
120-123): the SQLite tables of migrations 30 and 70-72 (adapters/sqlite/governance_schema.py)
with PostgreSQL types, and the order of a return's lines in `line` (on SQLite too, from 121)."""

from __future__ import annotations

PACKAGING_MIGRATION = (
    120,
    "packaging: package templates per node, the package each order used",
    """
    CREATE TABLE package_templates (
        node            text COLLATE "C" NOT NULL,
        code            text COLLATE "C" NOT NULL,
        name            text NOT NULL,
        inner_length_mm integer NOT NULL CHECK (inner_length_mm > 0),
        inner_width_mm  integer NOT NULL CHECK (inner_width_mm > 0),
        inner_height_mm integer NOT NULL CHECK (inner_height_mm > 0),
        max_weight_g    integer NOT NULL CHECK (max_weight_g > 0),
        cost            numeric NOT NULL,
        currency        text NOT NULL,
        padding_mm      integer NOT NULL CHECK (padding_mm >= 0),
        low_waste       boolean NOT NULL,
        tare_g          integer NOT NULL CHECK (tare_g >= 0),
        PRIMARY KEY (node, code)
    );
    CREATE TABLE packages_used (
        order_ref    text COLLATE "C" PRIMARY KEY,
        node         text COLLATE "C" NOT NULL,
        package_type text COLLATE "C" NOT NULL,
        low_waste    boolean NOT NULL,
        weight_g     integer NOT NULL,
        items        integer NOT NULL,
        at           timestamptz NOT NULL
    );
    CREATE INDEX packages_used_by_type ON packages_used (package_type, node);
    """,
)

RETURN_SALE_MIGRATION = (
    197,
    "returns: the sale a return is against, by its place in the selling node's ledger",
    "ALTER TABLE returns ADD COLUMN origin_seq bigint CHECK (origin_seq >= 1)",
)

RETURNS_MIGRATION = (
    121,
    "returns: returns at their return point, their lines and disposition decisions",
    """
    CREATE TABLE returns (
        id           text COLLATE "C" PRIMARY KEY,
        number       integer NOT NULL UNIQUE,
        return_point text COLLATE "C" NOT NULL,
        origin_kind  text NOT NULL CHECK (origin_kind IN ('sale', 'order')),
        origin_ref   text COLLATE "C" NOT NULL,
        origin_node  text COLLATE "C" NOT NULL,
        reason       text NOT NULL,
        opened_at    timestamptz NOT NULL,
        note         text NOT NULL
    );
    CREATE INDEX returns_by_origin ON returns (origin_node, origin_ref);
    CREATE TABLE return_lines (
        return_id text COLLATE "C" NOT NULL REFERENCES returns (id),
        sku       text COLLATE "C" NOT NULL,
        quantity  integer NOT NULL CHECK (quantity > 0),
        received  integer NOT NULL CHECK (received >= 0 AND received <= quantity),
        line      integer NOT NULL,
        PRIMARY KEY (return_id, sku)
    );
    CREATE TABLE return_decisions (
        return_id    text COLLATE "C" NOT NULL REFERENCES returns (id),
        n            integer NOT NULL,
        sku          text COLLATE "C" NOT NULL,
        quantity     integer NOT NULL CHECK (quantity > 0),
        disposition  text NOT NULL CHECK (disposition IN ('restock', 'refurbish', 'write-off')),
        reason       text NOT NULL,
        condition    text NOT NULL,
        at           timestamptz NOT NULL,
        actor        text NOT NULL,
        movement_seq bigint,
        PRIMARY KEY (return_id, n)
    );
    """,
)

COUNTS_MIGRATION = (
    122,
    "reconciliation: submitted counts, the variance history per node and SKU",
    """
    CREATE TABLE count_submissions (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        node         text COLLATE "C" NOT NULL,
        sku          text COLLATE "C" NOT NULL,
        counted      integer NOT NULL CHECK (counted >= 0),
        position     bigint NOT NULL CHECK (position >= 0),
        submitted_at timestamptz NOT NULL,
        actor        text NOT NULL,
        source       text NOT NULL,
        closed_at    timestamptz
    );
    CREATE INDEX count_submissions_open ON count_submissions (node, closed_at);
    CREATE TABLE count_variances (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        node         text COLLATE "C" NOT NULL,
        sku          text COLLATE "C" NOT NULL,
        counted      integer NOT NULL CHECK (counted >= 0),
        position     bigint NOT NULL,
        expected     integer NOT NULL,
        unit_cost    numeric NOT NULL,
        cost_basis   text NOT NULL,
        outcome      text NOT NULL CHECK (
            outcome IN ('matched', 'adjusted', 'flagged', 'approved', 'superseded')
        ),
        at           timestamptz NOT NULL,
        movement_seq bigint,
        deficit      integer NOT NULL,
        decided_by   text NOT NULL
    );
    CREATE INDEX count_variances_by_sku ON count_variances (node, sku, at);
    """,
)

GOVERNANCE_MIGRATION = (
    123,
    "governance: stock targets per node (accepted triage), scheduled job runs",
    """
    CREATE TABLE stock_targets (
        node        text COLLATE "C" NOT NULL,
        sku         text COLLATE "C" NOT NULL,
        target      integer NOT NULL CHECK (target >= 0),
        rank        integer NOT NULL,
        score       double precision NOT NULL,
        accepted_at timestamptz NOT NULL,
        PRIMARY KEY (node, sku)
    );
    CREATE TABLE job_runs (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        job         text COLLATE "C" NOT NULL,
        started_at  timestamptz NOT NULL,
        finished_at timestamptz,
        outcome     text NOT NULL,
        summary     text NOT NULL,
        actor       text NOT NULL
    );
    CREATE INDEX job_runs_by_job ON job_runs (job, id);
    """,
)
