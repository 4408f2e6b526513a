"""Ordered, numbered schema migrations, recorded in `schema_migrations`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from microindex.adapters import movement_tags
from microindex.adapters.sqlite.access_schema import RATE_LIMIT_MIGRATION, SESSION_MIGRATION
from microindex.adapters.sqlite.accuracy_schema import ACCURACY_DAYS_MIGRATION
from microindex.adapters.sqlite.catalog_schema import PRODUCT_KEYS_MIGRATION, fill_product_keys
from microindex.adapters.sqlite.governance_schema import (
    ARCHIVED_SKUS_MIGRATION,
    COUNTS_MIGRATION,
    GOVERNANCE_MIGRATION,
    PAST_SALES_MIGRATION,
    RETURN_LINE_ORDER_MIGRATION,
    RETURN_SALE_MIGRATION,
    RETURNS_MIGRATION,
)
from microindex.adapters.sqlite.nodes_real_schema import (
    LOCKER_GUARD_MIGRATION,
    NODES_REAL_MIGRATION,
)
from microindex.adapters.sqlite.order_schema import (
    AT_RISK_INDEX_MIGRATION,
    AT_RISK_MIGRATION,
    OPEN_PARTS_INDEX_MIGRATION,
    ORDER_HISTORY_INDEX_MIGRATION,
    ORDER_MIGRATION,
    PART_TRANSFER_MIGRATION,
    TRANSFER_ORDER_MIGRATION,
)
from microindex.adapters.sqlite.purchasing_schema import (
    KIT_MIGRATION,
    PURCHASE_ORDER_MIGRATION,
    REORDER_MIGRATION,
    VAT_MIGRATION,
)
from microindex.adapters.sqlite.rounds_schema import ROUNDS_MIGRATION
from microindex.adapters.sqlite.served_schema import SERVED_FILES_MIGRATION
from microindex.adapters.sqlite.sync_schema import (
    AGENT_REPORTS_MIGRATION,
    SALE_KEYS_MIGRATION,
    SPLIT_STATE_MIGRATION,
    STOCK_REQUESTS_MIGRATION,
    SYNC_MIGRATION,
    WALK_IN_BY_SKU_MIGRATION,
    WALK_IN_RATES_MIGRATION,
)
from microindex.adapters.sqlite.timer_schema import TIMER_MIGRATION
from microindex.adapters.sqlite.webhook_schema import WEBHOOK_MIGRATION

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "catalog, nodes, ledgers, outbox",
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE nodes (
            code          TEXT PRIMARY KEY,
            kind          TEXT NOT NULL,
            name          TEXT NOT NULL,
            lat           REAL NOT NULL,
            lon           REAL NOT NULL,
            opening_hours TEXT NOT NULL,
            capabilities  TEXT NOT NULL
        );
        CREATE TABLE products (
            sku             TEXT PRIMARY KEY,
            gtin            TEXT UNIQUE,
            title           TEXT NOT NULL,
            description     TEXT NOT NULL,
            brand           TEXT NOT NULL,
            category        TEXT NOT NULL,
            attributes      TEXT NOT NULL,
            price           TEXT NOT NULL,
            sale_price      TEXT,
            currency        TEXT NOT NULL,
            media           TEXT NOT NULL,
            weight_g        INTEGER,
            size            TEXT,
            fragility       TEXT NOT NULL,
            limited_edition INTEGER NOT NULL,
            preorder_until  TEXT,
            tags            TEXT NOT NULL,
            handle          TEXT NOT NULL
        );
        CREATE TABLE ledger_heads (
            node TEXT PRIMARY KEY,
            head INTEGER NOT NULL CHECK (head >= 0)
        );
        CREATE TABLE movements (
            node      TEXT NOT NULL,
            seq       INTEGER NOT NULL CHECK (seq >= 1),
            sku       TEXT NOT NULL,
            quantity  INTEGER NOT NULL,
            kind      TEXT NOT NULL,
            at        TEXT NOT NULL,
            reference TEXT NOT NULL,
            actor     TEXT NOT NULL,
            PRIMARY KEY (node, seq)
        ) WITHOUT ROWID;
        CREATE INDEX movements_by_sku ON movements (node, sku, seq);
        CREATE TABLE on_hand (
            node     TEXT NOT NULL,
            sku      TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity >= 0),
            PRIMARY KEY (node, sku)
        ) WITHOUT ROWID;
        CREATE TABLE stock_counts (
            id             INTEGER PRIMARY KEY,
            node           TEXT NOT NULL,
            sku            TEXT NOT NULL,
            counted        INTEGER NOT NULL CHECK (counted >= 0),
            position       INTEGER NOT NULL,
            expected       INTEGER NOT NULL,
            adjustment_seq INTEGER,
            deficit        INTEGER NOT NULL,
            at             TEXT NOT NULL,
            actor          TEXT NOT NULL
        );
        CREATE TABLE outbox (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            topic      TEXT NOT NULL,
            key        TEXT NOT NULL,
            payload    TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        30,
        "packaging: package templates per node, the package each order used",
        """
        CREATE TABLE package_templates (
            node            TEXT NOT NULL,
            code            TEXT NOT NULL,
            name            TEXT NOT NULL,
            inner_length_mm INTEGER NOT NULL CHECK (inner_length_mm > 0),
            inner_width_mm  INTEGER NOT NULL CHECK (inner_width_mm > 0),
            inner_height_mm INTEGER NOT NULL CHECK (inner_height_mm > 0),
            max_weight_g    INTEGER NOT NULL CHECK (max_weight_g > 0),
            cost            TEXT NOT NULL,
            currency        TEXT NOT NULL,
            padding_mm      INTEGER NOT NULL CHECK (padding_mm >= 0),
            low_waste       INTEGER NOT NULL,
            tare_g          INTEGER NOT NULL CHECK (tare_g >= 0),
            PRIMARY KEY (node, code)
        ) WITHOUT ROWID;
        CREATE TABLE packages_used (
            order_ref    TEXT PRIMARY KEY,
            node         TEXT NOT NULL,
            package_type TEXT NOT NULL,
            low_waste    INTEGER NOT NULL,
            weight_g     INTEGER NOT NULL,
            items        INTEGER NOT NULL,
            at           TEXT NOT NULL
        );
        CREATE INDEX packages_used_by_type ON packages_used (package_type, node);
        """,
    ),
    (
        50,
        "access tokens: role, node, label, the secret's hash; revocable",
        """
        CREATE TABLE access_tokens (
            id          TEXT PRIMARY KEY,
            secret_hash TEXT NOT NULL UNIQUE,
            role        TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'channel')),
            node        TEXT,
            label       TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            expires_at  TEXT,
            revoked_at  TEXT,
            CHECK ((role = 'staff') = (node IS NOT NULL))
        );
        """,
    ),
    SYNC_MIGRATION,
    ORDER_MIGRATION,
    PART_TRANSFER_MIGRATION,
    (
        40,
        "capture: media assets, their renditions, capture templates per node",
        """
        CREATE TABLE media_assets (
            id            TEXT PRIMARY KEY,
            kind          TEXT NOT NULL CHECK (kind IN ('photo', 'clip')),
            original_name TEXT NOT NULL,
            node          TEXT NOT NULL,
            author        TEXT NOT NULL,
            ingested_at   TEXT NOT NULL,
            sku           TEXT,
            shot          TEXT NOT NULL,
            facts         TEXT NOT NULL,
            private       TEXT NOT NULL,
            state         TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
            decided_by    TEXT NOT NULL,
            decided_at    TEXT,
            reason        TEXT NOT NULL,
            parent_id     TEXT REFERENCES media_assets (id)
        );
        CREATE INDEX media_assets_by_sku ON media_assets (sku, state);
        CREATE TABLE media_renditions (
            asset_id   TEXT NOT NULL REFERENCES media_assets (id),
            name       TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            media_type TEXT NOT NULL,
            width      INTEGER NOT NULL,
            height     INTEGER NOT NULL,
            byte_size  INTEGER NOT NULL,
            signed     INTEGER NOT NULL,
            PRIMARY KEY (asset_id, name)
        );
        CREATE INDEX media_renditions_by_sha ON media_renditions (sha256);
        CREATE TABLE capture_templates (
            node       TEXT PRIMARY KEY,
            background TEXT NOT NULL,
            angle      TEXT NOT NULL,
            shots      TEXT NOT NULL
        );
        """,
    ),
    RETURNS_MIGRATION,
    COUNTS_MIGRATION,
    GOVERNANCE_MIGRATION,
    (
        60,
        "channels: every payload sent per item, what channels were read back showing",
        """
        CREATE TABLE channel_pushes (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL,
            kind    TEXT NOT NULL,
            at      TEXT NOT NULL,
            items   INTEGER NOT NULL CHECK (items >= 0),
            done    INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX channel_pushes_by_channel ON channel_pushes (channel, at);
        CREATE TABLE channel_items (
            push_id INTEGER NOT NULL REFERENCES channel_pushes (id),
            key     TEXT NOT NULL,
            digest  TEXT NOT NULL,
            fields  TEXT NOT NULL,
            PRIMARY KEY (push_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX channel_items_by_key ON channel_items (key, push_id);
        CREATE TABLE channel_latest (
            channel TEXT NOT NULL,
            key     TEXT NOT NULL,
            digest  TEXT NOT NULL,
            push_id INTEGER NOT NULL,
            PRIMARY KEY (channel, key)
        ) WITHOUT ROWID;
        """,
    ),
    NODES_REAL_MIGRATION,
    ROUNDS_MIGRATION,
    (
        92,
        "hub reservations by node and SKU, as promising reads them",
        "CREATE INDEX hub_reservations_by_sku ON hub_reservations (node, sku);",
    ),
    LOCKER_GUARD_MIGRATION,
    TRANSFER_ORDER_MIGRATION,  # 94: after 90, which makes the transfers table
    AT_RISK_MIGRATION,
    (
        movement_tags.VERSION,
        movement_tags.NAME,
        ";\n".join(movement_tags.statements("TEXT", "instr")),
    ),
    (
        111,
        "each node's IANA time zone (its opening hours are local times there)",
        "ALTER TABLE nodes ADD COLUMN zone TEXT NOT NULL DEFAULT 'UTC';",
    ),
    TIMER_MIGRATION,
    (
        113,
        "a node's expected time offline (NULL: the default for its kind)",
        "ALTER TABLE nodes ADD COLUMN offline_gap_s REAL",
    ),
    (
        114,
        "the seller's ranking of each node, lower first where plans tie",
        "ALTER TABLE nodes ADD COLUMN priority INTEGER NOT NULL DEFAULT 100",
    ),
    RETURN_LINE_ORDER_MIGRATION,
    (
        131,
        "media blobs by content hash in the hub's database",
        """
        CREATE TABLE media_blobs (
            sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            data   BLOB NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        132,
        "hub secrets: node sync secrets, the capture CA and signing keys, kept by the hub",
        """
        CREATE TABLE hub_secrets (
            name  TEXT PRIMARY KEY,
            value BLOB NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        133,
        "channels: the units the availability rule's safety buffer held back from each item sent",
        "ALTER TABLE channel_items ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0)",
    ),
    PRODUCT_KEYS_MIGRATION,
    SESSION_MIGRATION,
    RATE_LIMIT_MIGRATION,
    STOCK_REQUESTS_MIGRATION,
    WALK_IN_RATES_MIGRATION,
    SPLIT_STATE_MIGRATION,
    SERVED_FILES_MIGRATION,
    WEBHOOK_MIGRATION,
    PAST_SALES_MIGRATION,
    ARCHIVED_SKUS_MIGRATION,
    KIT_MIGRATION,
    PURCHASE_ORDER_MIGRATION,
    REORDER_MIGRATION,
    VAT_MIGRATION,
    AT_RISK_INDEX_MIGRATION,
    WALK_IN_BY_SKU_MIGRATION,
    (
        177,
        "the ledger keeps no index by SKU: a count's on-hand is read from its position on",
        "DROP INDEX movements_by_sku",
    ),
    AGENT_REPORTS_MIGRATION,
    ORDER_HISTORY_INDEX_MIGRATION,
    ACCURACY_DAYS_MIGRATION,
    OPEN_PARTS_INDEX_MIGRATION,
    SALE_KEYS_MIGRATION,
    RETURN_SALE_MIGRATION,
]

# Data a migration computes in Python, run in the migration's transaction after its statements.
_FILLS: dict[int, Callable[[sqlite3.Connection], None]] = {
    PRODUCT_KEYS_MIGRATION[0]: fill_product_keys
}


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the migrations this file lacks, each in its own transaction. Returns those applied.

    Several processes may open the same file at once (a hub's workers, a node's agent beside
    its CLI): each migration is checked again inside its write transaction, so one that another
    process applied since the versions were first read is passed over, not run twice."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    applied: list[int] = []
    for version, name, sql in sorted(MIGRATIONS):
        if version in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _applied(conn, version):  # by another process meanwhile
                conn.execute("COMMIT")
                continue
            for statement in filter(str.strip, sql.split(";")):
                conn.execute(statement)
            if version in _FILLS:
                _FILLS[version](conn)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                (version, name, datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


def _applied(conn: sqlite3.Connection, version: int) -> bool:
    found = conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,))
    return found.fetchone() is not None
