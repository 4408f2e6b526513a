"""The feed files the hub serves: each file's current ETag and when that content first appeared
(its Last-Modified), so a channel fetching an unchanged file is answered 304."""

SERVED_FILES_MIGRATION = (
    160,
    "served feed files: the current ETag of each and when it last changed",
    """
    CREATE TABLE served_files (
        name        text PRIMARY KEY,
        etag        text NOT NULL,
        modified_at timestamptz NOT NULL
    );
    """,
)
