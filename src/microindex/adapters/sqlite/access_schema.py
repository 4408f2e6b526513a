"""Sessions and login links beside the access tokens, and the hub's rate limits (migrations
140 and 141; the same numbers on PostgreSQL)."""

SESSION_MIGRATION = (
    140,
    "dashboard sessions (tokens of kind session, with the token or link that made them) and "
    "one-time login links",
    """
    ALTER TABLE access_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'token'
        CHECK (kind IN ('token', 'session'));
    ALTER TABLE access_tokens ADD COLUMN parent TEXT;
    CREATE INDEX access_tokens_parent ON access_tokens (parent) WHERE parent IS NOT NULL;
    CREATE TABLE login_links (
        id          TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL UNIQUE,
        role        TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'channel')),
        node        TEXT,
        label       TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        used_at     TEXT
    );
    """,
)

RATE_LIMIT_MIGRATION = (
    141,
    "rate limits kept by the hub: each client's recent actions per scope, shared by every "
    "hub process",
    """
    CREATE TABLE rate_limits (
        scope   TEXT NOT NULL,
        client  TEXT NOT NULL,
        hits    TEXT NOT NULL,
        last_at TEXT NOT NULL,
        PRIMARY KEY (scope, client)
    ) WITHOUT ROWID;
    CREATE INDEX rate_limits_last ON rate_limits (scope, last_at);
    """,
)
