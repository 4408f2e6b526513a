"""Webhook subscriptions, their deliveries (the outbox of each), and the fan-out mark."""

WEBHOOK_MIGRATION = (
    161,
    "webhook subscriptions and deliveries, attempted until delivered or dead",
    """
    CREATE TABLE webhook_subscriptions (
        id          text PRIMARY KEY,
        url         text NOT NULL,
        secret      text NOT NULL,
        events      text[] NOT NULL,
        created_at  timestamptz NOT NULL,
        after_event bigint NOT NULL,
        removed_at  timestamptz
    );
    CREATE TABLE webhook_deliveries (
        subscription text NOT NULL REFERENCES webhook_subscriptions (id),
        event        text NOT NULL,
        kind         text NOT NULL,
        payload      text NOT NULL,
        created_at   timestamptz NOT NULL,
        next_at      timestamptz NOT NULL,
        attempts     integer NOT NULL DEFAULT 0,
        state        text NOT NULL DEFAULT 'pending',
        last_status  integer,
        last_error   text NOT NULL DEFAULT '',
        PRIMARY KEY (subscription, event)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
    CREATE TABLE webhook_marks (
        name text PRIMARY KEY,
        mark bigint NOT NULL
    );
    """,
)
