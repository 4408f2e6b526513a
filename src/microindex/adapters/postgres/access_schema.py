"""Sessions and login links beside the access tokens, and the hub's rate limits (migrations
140 and 141; the same numbers on SQLite)."""

SESSION_MIGRATION = (
    140,
    "dashboard sessions (tokens of kind session, with the token or link that made them) and "
    "one-time login links",
    """
    ALTER TABLE access_tokens ADD COLUMN kind text NOT NULL DEFAULT 'token'
        CHECK (kind IN ('token', 'session'));
    ALTER TABLE access_tokens ADD COLUMN parent text COLLATE "C";
    CREATE INDEX access_tokens_parent ON access_tokens (parent) WHERE parent IS NOT NULL;
    CREATE TABLE login_links (
        id          text COLLATE "C" PRIMARY KEY,
        secret_hash text NOT NULL UNIQUE,
        role        text NOT NULL CHECK (role IN ('admin', 'staff', 'channel')),
        node        text COLLATE "C",
        label       text NOT NULL,
        created_at  timestamptz NOT NULL,
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz
    );
    """,
)

RATE_LIMIT_MIGRATION = (
    141,
    "rate limits kept by the hub: each client's recent actions per scope, shared by every "
    "hub process",
    """
    CREATE TABLE rate_limits (
        scope   text COLLATE "C" NOT NULL,
        client  text COLLATE "C" NOT NULL,
        hits    timestamptz[] NOT NULL,
        last_at timestamptz NOT NULL,
        PRIMARY KEY (scope, client)
    );
    CREATE INDEX rate_limits_last ON rate_limits (scope, last_at);
    """,
)
