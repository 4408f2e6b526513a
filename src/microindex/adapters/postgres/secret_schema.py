"""Secrets the hub keeps: each node's sync secret, the capture CA and signing keys."""

SECRET_MIGRATION = (
    132,
    "hub secrets: node sync secrets, the capture CA and signing keys, kept by the hub",
    """
    CREATE TABLE hub_secrets (
        name  text COLLATE "C" PRIMARY KEY,
        value bytea NOT NULL
    );
    """,
)
