"""Webhook subscriptions, their deliveries (the outbox of each), and the fan-out mark."""

WEBHOOK_MIGRATION = (
    161,
    "webhook subscriptions and deliveries, attempted until delivered or dead",
    """
    CREATE TABLE webhook_subscriptions (
        id          TEXT PRIMARY KEY,
        url         TEXT NOT NULL,
        secret      TEXT NOT NULL,
        events      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        after_event INTEGER NOT NULL,
        removed_at  TEXT
    );
    CREATE TABLE webhook_deliveries (
        subscription TEXT NOT NULL REFERENCES webhook_subscriptions (id),
        event        TEXT NOT NULL,
        kind         TEXT NOT NULL,
        payload      TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        next_at      TEXT NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        state        TEXT NOT NULL DEFAULT 'pending',
        last_status  INTEGER,
        last_error   TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (subscription, event)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
    CREATE TABLE webhook_marks (
        name TEXT PRIMARY KEY,
        mark INTEGER NOT NULL
    );
    """,
)
