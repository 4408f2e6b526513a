"""Ordered, numbered schema migrations, recorded in `schema_migrations`.

The tables mirror the SQLite schema (adapters/sqlite/migrations.py) with PostgreSQL types:
jsonb for JSON, timestamptz for times, numeric for prices, and the "C" collation on codes and
SKUs so that they sort by code point, as they do in SQLite and in Python.
"""

from __future__ import annotations

from collections.abc import Callable

from psycopg import sql

from microindex.adapters import movement_tags
from microindex.adapters.postgres.access_schema import RATE_LIMIT_MIGRATION, SESSION_MIGRATION
from microindex.adapters.postgres.accuracy_schema import ACCURACY_DAYS_MIGRATION
from microindex.adapters.postgres.asset_schema import ASSET_MIGRATION
from microindex.adapters.postgres.blob_schema import BLOB_MIGRATION
from microindex.adapters.postgres.catalog_schema import PRODUCT_KEYS_MIGRATION, fill_product_keys
from microindex.adapters.postgres.connection import Connection
from microindex.adapters.postgres.governance_schema import (
    COUNTS_MIGRATION,
    GOVERNANCE_MIGRATION,
    PACKAGING_MIGRATION,
    RETURN_SALE_MIGRATION,
    RETURNS_MIGRATION,
)
from microindex.adapters.postgres.ledger_schema import (
    LEDGER_APPEND_MIGRATION,
    LEDGER_ONE_MIGRATION,
    LEDGER_SAVE_MIGRATION,
)
from microindex.adapters.postgres.nodes_real_schema import (
    LOCKER_GUARD_MIGRATION,
    NODES_REAL_MIGRATION,
)
from microindex.adapters.postgres.order_schema import (
    AT_RISK_INDEX_MIGRATION,
    AT_RISK_MIGRATION,
    OPEN_PARTS_INDEX_MIGRATION,
    ORDER_HISTORY_INDEX_MIGRATION,
    ORDER_MIGRATION,
    PART_TRANSFER_MIGRATION,
    TRANSFER_ORDER_MIGRATION,
)
from microindex.adapters.postgres.promise_schema import (
    ORDER_ADD_MIGRATION,
    PROMISE_INDEXES_MIGRATION,
    PROMISE_READ_RATES_MIGRATION,
    PROMISE_VIEW_MIGRATION,
    PROMISE_WRITE_MIGRATION,
    RIGHTS_SPEND_MIGRATION,
)
from microindex.adapters.postgres.purchasing_schema import (
    KIT_MIGRATION,
    PURCHASE_ORDER_MIGRATION,
    REORDER_MIGRATION,
    VAT_MIGRATION,
)
from microindex.adapters.postgres.rounds_schema import ROUNDS_MIGRATION
from microindex.adapters.postgres.secret_schema import SECRET_MIGRATION
from microindex.adapters.postgres.served_schema import SERVED_FILES_MIGRATION
from microindex.adapters.postgres.sync_schema import (
    AGENT_REPORTS_MIGRATION,
    SALE_KEYS_MIGRATION,
    SPLIT_STATE_MIGRATION,
    STOCK_REQUESTS_MIGRATION,
    SYNC_MIGRATION,
    WALK_IN_BY_SKU_MIGRATION,
    WALK_IN_RATES_MIGRATION,
)
from microindex.adapters.postgres.timer_schema import TIMER_MIGRATION
from microindex.adapters.postgres.webhook_schema import WEBHOOK_MIGRATION

# Any constant works: it only keeps two workers from migrating the same database at once.
_MIGRATION_LOCK = 0x6D69_6372_6F69_6478  # "microidx"

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "catalog, nodes, ledgers, outbox",
        """
        CREATE TABLE meta (
            key   text COLLATE "C" PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE nodes (
            code          text COLLATE "C" PRIMARY KEY,
            kind          text NOT NULL,
            name          text NOT NULL,
            lat           double precision NOT NULL,
            lon           double precision NOT NULL,
            opening_hours text NOT NULL,
            capabilities  jsonb NOT NULL
        );
        CREATE TABLE products (
            sku             text COLLATE "C" PRIMARY KEY,
            gtin            text UNIQUE,
            title           text NOT NULL,
            description     text NOT NULL,
            brand           text NOT NULL,
            category        text NOT NULL,
            attributes      jsonb NOT NULL,
            price           numeric NOT NULL,
            sale_price      numeric,
            currency        text NOT NULL,
            media           jsonb NOT NULL,
            weight_g        integer,
            size            text,
            fragility       text NOT NULL,
            limited_edition boolean NOT NULL,
            preorder_until  date,
            tags            jsonb NOT NULL,
            handle          text NOT NULL
        );
        CREATE TABLE ledger_heads (
            node text COLLATE "C" PRIMARY KEY,
            head bigint NOT NULL CHECK (head >= 0)
        );
        CREATE TABLE movements (
            node      text COLLATE "C" NOT NULL,
            seq       bigint NOT NULL CHECK (seq >= 1),
            sku       text COLLATE "C" NOT NULL,
            quantity  integer NOT NULL,
            kind      text NOT NULL,
            at        timestamptz NOT NULL,
            reference text NOT NULL,
            actor     text NOT NULL,
            PRIMARY KEY (node, seq)
        );
        CREATE INDEX movements_by_sku ON movements (node, sku, seq);
        CREATE TABLE on_hand (
            node     text COLLATE "C" NOT NULL,
            sku      text COLLATE "C" NOT NULL,
            quantity integer NOT NULL CHECK (quantity >= 0),
            PRIMARY KEY (node, sku)
        );
        CREATE TABLE stock_counts (
            id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            node           text COLLATE "C" NOT NULL,
            sku            text COLLATE "C" NOT NULL,
            counted        integer NOT NULL CHECK (counted >= 0),
            position       bigint NOT NULL,
            expected       integer NOT NULL,
            adjustment_seq bigint,
            deficit        integer NOT NULL,
            at             timestamptz NOT NULL,
            actor          text NOT NULL
        );
        CREATE TABLE outbox (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            topic      text NOT NULL,
            key        text NOT NULL,
            payload    jsonb NOT NULL,
            created_at timestamptz NOT NULL
        );
        """,
    ),
    SYNC_MIGRATION,  # version 10: listed in order, as migrate() applies the list in order
    (
        50,
        "access tokens: role, node, label, the secret's hash; revocable",
        """
        CREATE TABLE access_tokens (
            id          text COLLATE "C" PRIMARY KEY,
            secret_hash text NOT NULL UNIQUE,
            role        text NOT NULL CHECK (role IN ('admin', 'staff', 'channel')),
            node        text COLLATE "C",
            label       text NOT NULL,
            created_at  timestamptz NOT NULL,
            expires_at  timestamptz,
            revoked_at  timestamptz,
            CHECK ((role = 'staff') = (node IS NOT NULL))
        );
        """,
    ),
    (
        60,
        "channels: every payload sent per item, what channels were read back showing",
        """
        CREATE TABLE channel_pushes (
            id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            channel text COLLATE "C" NOT NULL,
            kind    text NOT NULL,
            at      timestamptz NOT NULL,
            items   integer NOT NULL CHECK (items >= 0),
            done    boolean NOT NULL DEFAULT false
        );
        CREATE INDEX channel_pushes_by_channel ON channel_pushes (channel, at);
        CREATE TABLE channel_items (
            push_id bigint NOT NULL REFERENCES channel_pushes (id),
            key     text COLLATE "C" NOT NULL,
            digest  text NOT NULL,
            fields  jsonb NOT NULL,
            PRIMARY KEY (push_id, key)
        );
        CREATE INDEX channel_items_by_key ON channel_items (key, push_id);
        CREATE TABLE channel_latest (
            channel text COLLATE "C" NOT NULL,
            key     text COLLATE "C" NOT NULL,
            digest  text NOT NULL,
            push_id bigint NOT NULL,
            PRIMARY KEY (channel, key)
        );
        """,
    ),
    ORDER_MIGRATION,
    PART_TRANSFER_MIGRATION,
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
        ";\n".join(movement_tags.statements("text", "strpos")),
    ),
    (
        111,
        "each node's IANA time zone (its opening hours are local times there)",
        "ALTER TABLE nodes ADD COLUMN zone text NOT NULL DEFAULT 'UTC';",
    ),
    TIMER_MIGRATION,
    (
        113,
        "a node's expected time offline (NULL: the default for its kind)",
        "ALTER TABLE nodes ADD COLUMN offline_gap_s double precision",
    ),
    (
        114,
        "the seller's ranking of each node, lower first where plans tie",
        "ALTER TABLE nodes ADD COLUMN priority integer NOT NULL DEFAULT 100",
    ),
    PACKAGING_MIGRATION,  # 120-123: SQLite's 30 and 70-72
    RETURNS_MIGRATION,
    COUNTS_MIGRATION,
    GOVERNANCE_MIGRATION,
    SPLIT_STATE_MIGRATION,
    ASSET_MIGRATION,
    BLOB_MIGRATION,
    SECRET_MIGRATION,
    (
        133,
        "channels: the units the availability rule's safety buffer held back from each item sent",
        "ALTER TABLE channel_items ADD COLUMN held integer NOT NULL DEFAULT 0 CHECK (held >= 0)",
    ),
    PRODUCT_KEYS_MIGRATION,
    SESSION_MIGRATION,
    RATE_LIMIT_MIGRATION,
    STOCK_REQUESTS_MIGRATION,
    WALK_IN_RATES_MIGRATION,
    SERVED_FILES_MIGRATION,
    WEBHOOK_MIGRATION,
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
    LEDGER_SAVE_MIGRATION,  # 178: PostgreSQL only
    RIGHTS_SPEND_MIGRATION,  # 179: PostgreSQL only
    LEDGER_APPEND_MIGRATION,  # 180: PostgreSQL only
    ORDER_ADD_MIGRATION,  # 181: PostgreSQL only
    PROMISE_VIEW_MIGRATION,  # 182: PostgreSQL only
    AGENT_REPORTS_MIGRATION,
    LEDGER_ONE_MIGRATION,  # 184: PostgreSQL only
    PROMISE_WRITE_MIGRATION,  # 185: PostgreSQL only
    ORDER_HISTORY_INDEX_MIGRATION,
    ACCURACY_DAYS_MIGRATION,
    PROMISE_INDEXES_MIGRATION,  # 189: PostgreSQL only
    OPEN_PARTS_INDEX_MIGRATION,
    SALE_KEYS_MIGRATION,
    RETURN_SALE_MIGRATION,
    PROMISE_READ_RATES_MIGRATION,  # 198: PostgreSQL only
]

# Data a migration computes in Python, run in the migration's transaction after its statements.
_FILLS: dict[int, Callable[[Connection], None]] = {PRODUCT_KEYS_MIGRATION[0]: fill_product_keys}


def migrate(conn: Connection, schema: str | None = None) -> list[int]:
    """Apply the migrations this database (or `schema`, created if need be) lacks.

    Each migration runs in its own transaction, which first takes an advisory lock, so hub workers
    starting together apply each migration once. Returns the versions applied.
    """
    applied: list[int] = []
    for version, name, statements in MIGRATIONS:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            if schema is not None:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = conn.execute(
                "SELECT 1 FROM schema_migrations WHERE version = %s", (version,)
            ).fetchone()
            if done is not None:
                continue
            conn.execute(statements)
            if version in _FILLS:
                _FILLS[version](conn)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
            )
        applied.append(version)
    return applied
